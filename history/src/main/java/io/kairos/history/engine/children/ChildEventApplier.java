package io.kairos.history.engine.children;

import io.kairos.history.engine.EventApplier;
import io.kairos.history.lifecycle.ChildWorkflowLifecycle;
import io.kairos.history.lifecycle.ExternalRequestLifecycle;
import io.kairos.history.lifecycle.TransitionTable;
import io.kairos.proto.persistence.v1.ChildExecutionInfo;
import io.kairos.proto.persistence.v1.ExternalRequestInfo;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.history.v1.HistoryEvent;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Part of {@link EventApplier}, called only from it: the events of child workflows and of signals and cancel
 * requests sent to other workflows.
 */
public final class ChildEventApplier {
    private ChildEventApplier() {
    }

    public static void apply(WorkflowMutableState.Builder s, HistoryEvent e) {
        switch (e.getEventType()) {
            case EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED -> {
                var a = e.getStartChildWorkflowExecutionInitiatedEventAttributes();
                s.putChildExecutions(e.getEventId(), ChildExecutionInfo.newBuilder()
                        .setInitiatedEventId(e.getEventId())
                        .setNamespace(a.getNamespace()).setNamespaceId(a.getNamespaceId())
                        .setWorkflowId(a.getWorkflowId()).setWorkflowType(a.getWorkflowType().getName())
                        .setCreateRequestId(requestId(s, "child", e.getEventId()))
                        .setParentClosePolicy(a.getParentClosePolicy())
                        .build());
            }
            case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED -> {
                var a = e.getChildWorkflowExecutionStartedEventAttributes();
                ChildExecutionInfo ci = child(s, a.getInitiatedEventId());
                ChildWorkflowLifecycle.TABLE.move(ChildWorkflowLifecycle.of(ci), ChildWorkflowLifecycle.State.STARTED);
                s.putChildExecutions(ci.getInitiatedEventId(), ci.toBuilder().setStarted(true)
                        .setStartedEventId(e.getEventId()).setStartedRunId(a.getWorkflowExecution().getRunId()).build());
            }
            case EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED ->
                    closeChild(s, e.getStartChildWorkflowExecutionFailedEventAttributes().getInitiatedEventId(),
                            ChildWorkflowLifecycle.State.START_FAILED);
            case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED ->
                    closeChild(s, e.getChildWorkflowExecutionCompletedEventAttributes().getInitiatedEventId(),
                            ChildWorkflowLifecycle.State.CLOSED);
            case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED ->
                    closeChild(s, e.getChildWorkflowExecutionFailedEventAttributes().getInitiatedEventId(),
                            ChildWorkflowLifecycle.State.CLOSED);
            case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED ->
                    closeChild(s, e.getChildWorkflowExecutionCanceledEventAttributes().getInitiatedEventId(),
                            ChildWorkflowLifecycle.State.CLOSED);
            case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT ->
                    closeChild(s, e.getChildWorkflowExecutionTimedOutEventAttributes().getInitiatedEventId(),
                            ChildWorkflowLifecycle.State.CLOSED);
            case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED ->
                    closeChild(s, e.getChildWorkflowExecutionTerminatedEventAttributes().getInitiatedEventId(),
                            ChildWorkflowLifecycle.State.CLOSED);
            case EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED -> s.putPendingSignals(e.getEventId(),
                    ExternalRequestInfo.newBuilder().setInitiatedEventId(e.getEventId())
                            .setRequestId(requestId(s, "signal", e.getEventId())).build());
            case EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED -> answered(s, ExternalRequestLifecycle.SIGNAL,
                    e.getExternalWorkflowExecutionSignaledEventAttributes().getInitiatedEventId(),
                    ExternalRequestLifecycle.State.DELIVERED);
            case EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED -> answered(s, ExternalRequestLifecycle.SIGNAL,
                    e.getSignalExternalWorkflowExecutionFailedEventAttributes().getInitiatedEventId(),
                    ExternalRequestLifecycle.State.FAILED);
            case EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED -> s.putPendingCancelRequests(e.getEventId(),
                    ExternalRequestInfo.newBuilder().setInitiatedEventId(e.getEventId())
                            .setRequestId(requestId(s, "cancel", e.getEventId())).build());
            case EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED -> answered(s, ExternalRequestLifecycle.CANCEL,
                    e.getExternalWorkflowExecutionCancelRequestedEventAttributes().getInitiatedEventId(),
                    ExternalRequestLifecycle.State.DELIVERED);
            case EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED -> answered(s, ExternalRequestLifecycle.CANCEL,
                    e.getRequestCancelExternalWorkflowExecutionFailedEventAttributes().getInitiatedEventId(),
                    ExternalRequestLifecycle.State.FAILED);
            default -> throw new IllegalArgumentException("not a child or external event: " + e.getEventType());
        }
    }

    /** ChildWorkflowExecutionStarted was buffered (id 0) and is now written with its id. */
    public static void startedWritten(WorkflowMutableState.Builder s, HistoryEvent e) {
        long initiated = e.getChildWorkflowExecutionStartedEventAttributes().getInitiatedEventId();
        ChildExecutionInfo ci = s.getChildExecutionsOrDefault(initiated, null);
        if (ci != null) {
            s.putChildExecutions(initiated, ci.toBuilder().setStartedEventId(e.getEventId()).build());
        }
    }

    /**
     * Request ids follow from the run and the Initiated event, so a transfer task that runs twice sends the same
     * id and the target deduplicates it.
     */
    static String requestId(WorkflowMutableState.Builder s, String kind, long initiatedEventId) {
        String seed = s.getExecution().getRunId() + "/" + kind + "/" + initiatedEventId;
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static ChildExecutionInfo child(WorkflowMutableState.Builder s, long initiatedEventId) {
        ChildExecutionInfo ci = s.getChildExecutionsOrDefault(initiatedEventId, null);
        if (ci == null) {
            throw new IllegalStateException("child workflow event for unknown initiated event " + initiatedEventId);
        }
        return ci;
    }

    private static void closeChild(WorkflowMutableState.Builder s, long initiatedEventId, ChildWorkflowLifecycle.State to) {
        ChildWorkflowLifecycle.TABLE.move(ChildWorkflowLifecycle.of(child(s, initiatedEventId)), to);
        s.removeChildExecutions(initiatedEventId);
    }

    private static void answered(WorkflowMutableState.Builder s, TransitionTable<ExternalRequestLifecycle.State> table,
                                 long initiatedEventId, ExternalRequestLifecycle.State to) {
        boolean pending = table == ExternalRequestLifecycle.SIGNAL ? s.containsPendingSignals(initiatedEventId)
                : s.containsPendingCancelRequests(initiatedEventId);
        if (!pending) {
            throw new IllegalStateException("answer for unknown initiated event " + initiatedEventId);
        }
        table.move(ExternalRequestLifecycle.State.INITIATED, to);
        if (table == ExternalRequestLifecycle.SIGNAL) {
            s.removePendingSignals(initiatedEventId);
        } else {
            s.removePendingCancelRequests(initiatedEventId);
        }
    }
}
