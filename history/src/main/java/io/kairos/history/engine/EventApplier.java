package io.kairos.history.engine;

import io.kairos.history.engine.children.ChildEventApplier;
import io.kairos.history.engine.children.ChildWorkflows;
import io.kairos.history.engine.reset.ResetWorkflow;
import com.google.protobuf.Timestamp;
import io.kairos.history.lifecycle.WorkflowLifecycle;
import io.kairos.proto.persistence.v1.ActivityInfo;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.TimerInfo;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.kairos.proto.persistence.v1.WorkflowTaskInfo;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;

/**
 * The one place where history events change mutable state. Live processing applies each new event here, and
 * rebuilding state from history (replay) would use the same code, so the two cannot disagree.
 */
public final class EventApplier {
    private EventApplier() {
    }

    public static void apply(WorkflowMutableState.Builder s, HistoryEvent e) {
        Timestamp t = e.getEventTime();
        var exec = s.getExecutionBuilder();
        exec.setStateTransitionCount(exec.getStateTransitionCount() + 1);
        exec.setHistorySizeBytes(exec.getHistorySizeBytes() + e.getSerializedSize());
        switch (e.getEventType()) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED -> {
                var a = e.getWorkflowExecutionStartedEventAttributes();
                exec.setWorkflowType(a.getWorkflowType().getName())
                        .setTaskQueue(a.getTaskQueue())
                        .setExecutionTimeout(a.getWorkflowExecutionTimeout())
                        .setRunTimeout(a.getWorkflowRunTimeout())
                        .setDefaultWorkflowTaskTimeout(a.getWorkflowTaskTimeout())
                        .setFirstExecutionRunId(a.getFirstExecutionRunId())
                        .setStartTime(t)
                        .setExecutionTime(Times.ts(Times.instant(t).plus(Times.duration(a.getFirstWorkflowTaskBackoff()))))
                        .setAttempt(a.getAttempt())
                        .setMemo(a.getMemo())
                        .setSearchAttributes(a.getSearchAttributes())
                        .setState(ExecutionState.EXECUTION_STATE_RUNNING)
                        .setStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
                if (a.hasRetryPolicy()) {
                    exec.setRetryPolicy(a.getRetryPolicy());
                }
                exec.setCronSchedule(a.getCronSchedule());
                if (a.hasPriority()) {
                    exec.setPriority(a.getPriority());
                }
                ChildWorkflows.applyParent(exec, a);
                io.kairos.history.nexus.NexusEventApplier.apply(s, e); // its completion callbacks
            }
            case EVENT_TYPE_WORKFLOW_TASK_SCHEDULED -> {
                exec.setHadWorkflowTask(true);
                var a = e.getWorkflowTaskScheduledEventAttributes();
                s.setWorkflowTask(WorkflowTaskInfo.newBuilder()
                        .setScheduledEventId(e.getEventId())
                        .setAttempt(a.getAttempt())
                        .setScheduledTime(t)
                        .setStartToCloseTimeout(a.getStartToCloseTimeout())
                        .setTaskQueue(a.getTaskQueue()));
            }
            case EVENT_TYPE_WORKFLOW_TASK_STARTED -> {
                var a = e.getWorkflowTaskStartedEventAttributes();
                s.getWorkflowTaskBuilder().setStartedEventId(e.getEventId()).setStartedTime(t)
                        .setRequestId(a.getRequestId()).setIdentity(a.getIdentity());
            }
            case EVENT_TYPE_WORKFLOW_TASK_COMPLETED -> {
                exec.setLastCompletedWorkflowTaskStartedEventId(e.getWorkflowTaskCompletedEventAttributes().getStartedEventId());
                s.clearWorkflowTask();
                ResetWorkflow.addAutoResetPoint(s, e);
            }
            case EVENT_TYPE_WORKFLOW_TASK_FAILED, EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT -> s.clearWorkflowTask();
            case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
                var a = e.getActivityTaskScheduledEventAttributes();
                s.putActivities(e.getEventId(), ActivityInfo.newBuilder()
                        .setScheduledEventId(e.getEventId())
                        .setActivityId(a.getActivityId())
                        .setScheduled(a)
                        .setScheduledTime(t)
                        .setCurrentAttemptScheduledTime(t)
                        .setAttempt(1)
                        .build());
            }
            case EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED -> {
                long id = e.getActivityTaskCancelRequestedEventAttributes().getScheduledEventId();
                ActivityInfo ai = s.getActivitiesOrDefault(id, null);
                if (ai != null) {
                    s.putActivities(id, ai.toBuilder().setCancelRequested(true).setCancelRequestedEventId(e.getEventId()).build());
                }
            }
            case EVENT_TYPE_ACTIVITY_TASK_COMPLETED ->
                    s.removeActivities(e.getActivityTaskCompletedEventAttributes().getScheduledEventId());
            case EVENT_TYPE_ACTIVITY_TASK_FAILED ->
                    s.removeActivities(e.getActivityTaskFailedEventAttributes().getScheduledEventId());
            case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT ->
                    s.removeActivities(e.getActivityTaskTimedOutEventAttributes().getScheduledEventId());
            case EVENT_TYPE_ACTIVITY_TASK_CANCELED ->
                    s.removeActivities(e.getActivityTaskCanceledEventAttributes().getScheduledEventId());
            case EVENT_TYPE_TIMER_STARTED -> {
                var a = e.getTimerStartedEventAttributes();
                var fire = com.google.protobuf.util.Timestamps.add(t, a.getStartToFireTimeout());
                s.putTimers(a.getTimerId(), TimerInfo.newBuilder().setTimerId(a.getTimerId())
                        .setStartedEventId(e.getEventId()).setExpiryTime(fire).build());
            }
            case EVENT_TYPE_TIMER_FIRED -> s.removeTimers(e.getTimerFiredEventAttributes().getTimerId());
            case EVENT_TYPE_TIMER_CANCELED -> s.removeTimers(e.getTimerCanceledEventAttributes().getTimerId());
            case EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES -> {
                var sa = exec.getSearchAttributesBuilder();
                upsert(e.getUpsertWorkflowSearchAttributesEventAttributes().getSearchAttributes().getIndexedFieldsMap(),
                        sa::putIndexedFields, sa::removeIndexedFields);
            }
            case EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED -> {
                var memo = exec.getMemoBuilder();
                upsert(e.getWorkflowPropertiesModifiedEventAttributes().getUpsertedMemo().getFieldsMap(),
                        memo::putFields, memo::removeFields);
            }
            case EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED -> s.setCancelRequested(true);
            case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED -> exec.setSignalCount(exec.getSignalCount() + 1);
            case EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED -> s.putUpdates(
                    e.getWorkflowExecutionUpdateAdmittedEventAttributes().getRequest().getMeta().getUpdateId(),
                    io.kairos.proto.persistence.v1.UpdateInfo.newBuilder().setAdmittedEventId(e.getEventId()).build());
            case EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED -> {
                String id = e.getWorkflowExecutionUpdateAcceptedEventAttributes().getProtocolInstanceId();
                s.putUpdates(id, s.getUpdatesOrDefault(id, io.kairos.proto.persistence.v1.UpdateInfo.getDefaultInstance())
                        .toBuilder().setAcceptedEventId(e.getEventId()).build());
            }
            case EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED -> {
                var a = e.getWorkflowExecutionUpdateCompletedEventAttributes();
                s.putUpdates(a.getMeta().getUpdateId(), io.kairos.proto.persistence.v1.UpdateInfo.newBuilder()
                        .setAcceptedEventId(a.getAcceptedEventId()).setCompletedEventId(e.getEventId()).build());
            }
            case EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
                 EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
                 EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
                 EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED, EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
                 EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED -> ChildEventApplier.apply(s, e);
            case EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
                 EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED, EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
                 EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
                 EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
                 EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED -> ChildEventApplier.apply(s, e);
            case EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, EVENT_TYPE_NEXUS_OPERATION_STARTED,
                 EVENT_TYPE_NEXUS_OPERATION_COMPLETED, EVENT_TYPE_NEXUS_OPERATION_FAILED,
                 EVENT_TYPE_NEXUS_OPERATION_CANCELED, EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT,
                 EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED, EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED,
                 EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_FAILED,
                 EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED -> io.kairos.history.nexus.NexusEventApplier.apply(s, e);
            case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> close(s, e, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
            case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> close(s, e, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED);
            case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> close(s, e, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT);
            case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> close(s, e, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
            case EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED -> close(s, e, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
            case EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW ->
                    close(s, e, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW);
            default -> {
                // Markers and other events carry no state beyond history.
            }
        }
    }

    private static void close(WorkflowMutableState.Builder s, HistoryEvent e, WorkflowExecutionStatus status) {
        WorkflowLifecycle.TABLE.move(s.getExecution().getStatus(), status);
        s.getExecutionBuilder().setState(ExecutionState.EXECUTION_STATE_COMPLETED).setStatus(status)
                .setCloseTime(e.getEventTime()).setCompletionEventId(e.getEventId());
        s.clearWorkflowTask();
        // Pending activities and Nexus operations stay, as in Temporal's mutable state: DescribeWorkflowExecution of
        // the closed run lists them (a paused activity that never completed, say). Every task, timer and RPC that
        // would act on one checks the run is open first; Nexus handlers are not told, as in Temporal.
        s.clearTimers();
        s.clearBufferedEvents();
        // Undelivered signals and cancel requests die with the run; pending children stay for the close task,
        // which applies their parent close policy.
        s.clearPendingSignals();
        s.clearPendingCancelRequests();
    }

    /** As {@link #written(WorkflowMutableState.Builder, HistoryEvent)}; the history size counts the event as written. */
    public static void written(WorkflowMutableState.Builder s, HistoryEvent buffered, HistoryEvent e) {
        var exec = s.getExecutionBuilder();
        exec.setHistorySizeBytes(exec.getHistorySizeBytes() + e.getSerializedSize() - buffered.getSerializedSize());
        written(s, e);
    }

    /** A buffered event got its id when it was written: state that records event ids learns it now. */
    public static void written(WorkflowMutableState.Builder s, HistoryEvent e) {
        if (e.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
            ChildEventApplier.startedWritten(s, e);
        }
    }

    private static final com.google.protobuf.ByteString JSON_NULL = com.google.protobuf.ByteString.copyFromUtf8("null");
    private static final com.google.protobuf.ByteString JSON_EMPTY_LIST = com.google.protobuf.ByteString.copyFromUtf8("[]");

    /**
     * An upsert of memo or search attributes: Temporal's "nil payload" (no data, JSON null or an empty JSON list, what
     * SDKs send for a null value) deletes the key, any other value replaces it.
     */
    private static void upsert(java.util.Map<String, io.temporal.api.common.v1.Payload> updates,
                               java.util.function.BiConsumer<String, io.temporal.api.common.v1.Payload> put,
                               java.util.function.Consumer<String> remove) {
        updates.forEach((k, v) -> {
            if (isNilPayload(v)) {
                remove.accept(k);
            } else {
                put.accept(k, v);
            }
        });
    }

    static boolean isNilPayload(io.temporal.api.common.v1.Payload p) {
        return p.getData().isEmpty() || p.getData().equals(JSON_NULL) || p.getData().equals(JSON_EMPTY_LIST);
    }
}
