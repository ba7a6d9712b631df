package io.kairos.history.standalone;

import io.kairos.common.errors.FailedPreconditionException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.errors.WorkflowAlreadyStartedException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.StandaloneIds;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.activities.Activities;
import io.kairos.history.engine.BadCommandException;
import io.kairos.history.engine.workflow.ExternalRequests;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.workflow.StartWorkflow;
import io.kairos.history.engine.workflow.WorkflowDeletion;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.lifecycle.StandaloneActivityLifecycle;
import io.kairos.persistence.execution.CurrentExecution;
import io.kairos.persistence.visibility.ActivityAttributes;
import io.kairos.proto.persistence.v1.ActivityInfo;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.ActivityExecutionStatus;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowExecutionCanceledEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionCompletedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionFailedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionTimedOutEventAttributes;
import io.temporal.api.workflowservice.v1.DeleteActivityExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeActivityExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeActivityExecutionResponse;
import io.temporal.api.workflowservice.v1.PollActivityExecutionRequest;
import io.temporal.api.workflowservice.v1.PollActivityExecutionResponse;
import io.temporal.api.workflowservice.v1.RequestCancelActivityExecutionRequest;
import io.temporal.api.workflowservice.v1.StartActivityExecutionRequest;
import io.temporal.api.workflowservice.v1.StartActivityExecutionResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.TerminateActivityExecutionRequest;

import java.util.Optional;
import java.util.UUID;

/**
 * Standalone activities (Temporal's CHASM activity archetype), started by a client. Each is a hidden run (workflow
 * id from {@link StandaloneIds}) whose history is WorkflowExecutionStarted, the activity's ActivityTaskScheduled and,
 * later, the events a workflow's activity gets: dispatch, the poll response (without a workflow, with the run id as
 * the activity run id), heartbeats, retries and the four timeouts are {@link Activities}', unchanged, and its task
 * tokens name the hidden run, so the worker's usual RPCs reach it. Where a workflow would get a workflow task,
 * {@link #settle} closes the run with the activity's outcome.
 */
public final class StandaloneActivities {
    /** The hidden run's workflow type (in visibility only). */
    public static final String RUN_TYPE = "__temporal_standalone_activity";

    private final WorkflowUpdater updater;
    private final StartWorkflow starts;
    private final Activities activities;
    private final WorkflowDeletion deletion;

    public StandaloneActivities(WorkflowUpdater updater, StartWorkflow starts, Activities activities, WorkflowDeletion deletion) {
        this.updater = updater;
        this.starts = starts;
        this.activities = activities;
        this.deletion = deletion;
    }

    public StartActivityExecutionResponse start(NamespaceId ns, StartActivityExecutionRequest req) {
        StartWorkflowExecutionRequest run = StartWorkflowExecutionRequest.newBuilder()
                .setNamespace(req.getNamespace())
                .setWorkflowId(StandaloneIds.activity(req.getActivityId()))
                .setWorkflowType(WorkflowType.newBuilder().setName(RUN_TYPE))
                .setTaskQueue(req.getTaskQueue()) // visibility's TaskQueue; no workflow task ever goes there
                .setRequestId(req.getRequestId()).setIdentity(req.getIdentity())
                .setSearchAttributes(ActivityAttributes.of(req.getSearchAttributes(), req.getActivityId(),
                        req.getActivityType().getName()))
                .setUserMetadata(req.getUserMetadata())
                .setPriority(req.getPriority())
                .setWorkflowIdReusePolicy(switch (req.getIdReusePolicy()) {
                    case ACTIVITY_ID_REUSE_POLICY_REJECT_DUPLICATE -> WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE;
                    case ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY ->
                            WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY;
                    default -> WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE;
                })
                .setWorkflowIdConflictPolicy(req.getIdConflictPolicy()
                        == io.temporal.api.enums.v1.ActivityIdConflictPolicy.ACTIVITY_ID_CONFLICT_POLICY_USE_EXISTING
                        ? WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
                        : WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                .build();
        ScheduleActivityTaskCommandAttributes.Builder a = ScheduleActivityTaskCommandAttributes.newBuilder()
                .setActivityId(req.getActivityId()).setActivityType(req.getActivityType()).setTaskQueue(req.getTaskQueue())
                .setInput(req.getInput()).setHeader(req.getHeader()).setPriority(req.getPriority())
                .setScheduleToCloseTimeout(req.getScheduleToCloseTimeout())
                .setScheduleToStartTimeout(req.getScheduleToStartTimeout())
                .setStartToCloseTimeout(req.getStartToCloseTimeout())
                .setHeartbeatTimeout(req.getHeartbeatTimeout());
        if (req.hasRetryPolicy()) {
            a.setRetryPolicy(req.getRetryPolicy());
        }
        try {
            var r = starts.startStandalone(ns, run, m -> activities.scheduleStandalone(m, a.build()));
            return StartActivityExecutionResponse.newBuilder().setRunId(r.getRunId()).setStarted(r.getStarted()).build();
        } catch (WorkflowAlreadyStartedException e) {
            throw new WorkflowAlreadyStartedException("activity execution already started", e.startRequestId(), e.runId(),
                    WorkflowAlreadyStartedException.Archetype.ACTIVITY);
        } catch (BadCommandException e) {
            throw new InvalidArgumentException(e.getMessage());
        }
    }

    /** Closes the run once its activity's outcome event is written (it is then no longer pending). */
    public static void settle(Mutation m) {
        if (!m.isRunning() || m.state().getActivitiesCount() > 0 || m.lastEvent() == null) {
            return;
        }
        HistoryEvent outcome = m.lastEvent();
        HistoryEvent.Builder close = HistoryEvent.newBuilder();
        ActivityExecutionStatus to;
        switch (outcome.getEventType()) {
            case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> {
                to = ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_COMPLETED;
                close.setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED).setWorkflowExecutionCompletedEventAttributes(
                        WorkflowExecutionCompletedEventAttributes.newBuilder()
                                .setResult(outcome.getActivityTaskCompletedEventAttributes().getResult()));
            }
            case EVENT_TYPE_ACTIVITY_TASK_FAILED -> {
                to = ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_FAILED;
                close.setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED).setWorkflowExecutionFailedEventAttributes(
                        WorkflowExecutionFailedEventAttributes.newBuilder()
                                .setFailure(outcome.getActivityTaskFailedEventAttributes().getFailure())
                                .setRetryState(outcome.getActivityTaskFailedEventAttributes().getRetryState()));
            }
            case EVENT_TYPE_ACTIVITY_TASK_CANCELED -> {
                to = ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_CANCELED;
                close.setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED).setWorkflowExecutionCanceledEventAttributes(
                        WorkflowExecutionCanceledEventAttributes.newBuilder()
                                .setDetails(outcome.getActivityTaskCanceledEventAttributes().getDetails()));
            }
            case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT -> {
                to = ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_TIMED_OUT;
                close.setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT).setWorkflowExecutionTimedOutEventAttributes(
                        WorkflowExecutionTimedOutEventAttributes.newBuilder()
                                .setRetryState(outcome.getActivityTaskTimedOutEventAttributes().getRetryState()));
            }
            default -> {
                return;
            }
        }
        StandaloneActivityLifecycle.TABLE.move(ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_RUNNING, to);
        m.addEvent(close);
    }

    /** Temporal's RequestCancel: an activity no worker runs is canceled at once, a running one is told by heartbeat. */
    public void requestCancel(NamespaceId ns, RequestCancelActivityExecutionRequest req) {
        WorkflowKey key = resolve(ns, req.getActivityId(), req.getRunId());
        updater.update(key, m -> {
            Optional<ActivityInfo> ai = m.state().getActivitiesMap().values().stream().findFirst();
            if (ai.isPresent() && ai.get().getCancelRequested()) {
                String existing = ai.get().getCancelRequestId();
                if (existing.equals(req.getRequestId())) {
                    return null; // a retry
                }
                throw new FailedPreconditionException("cancellation already requested with request ID " + existing);
            }
            if (!m.isRunning() || ai.isEmpty()) {
                throw new FailedPreconditionException("activity is in terminal state " + ActivityOutcomes.status(m.state().build()));
            }
            long id = ai.get().getScheduledEventId();
            activities.requestCancelStandalone(m, id);
            ActivityInfo after = m.state().getActivitiesOrDefault(id, null);
            if (after != null) {
                m.state().putActivities(id, after.toBuilder().setCancelRequestId(req.getRequestId())
                        .setCancelReason(req.getReason()).build());
            }
            return null;
        });
    }

    public void terminate(NamespaceId ns, TerminateActivityExecutionRequest req) {
        WorkflowKey key = resolve(ns, req.getActivityId(), req.getRunId());
        updater.update(key, m -> {
            if (!m.isRunning()) {
                if (m.state().getExecution().getStatus()
                        == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED) {
                    return null; // already terminated: a retry
                }
                throw new FailedPreconditionException("activity is in terminal state " + ActivityOutcomes.status(m.state().build()));
            }
            StandaloneActivityLifecycle.TABLE.move(ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_RUNNING,
                    ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_TERMINATED);
            m.state().clearActivities(); // the worker's later answers find no activity (NOT_FOUND)
            ExternalRequests.terminate(m, req.getReason(), req.getIdentity(), Payloads.getDefaultInstance());
            return null;
        });
    }

    public void delete(NamespaceId ns, DeleteActivityExecutionRequest req) {
        WorkflowKey key = resolve(ns, req.getActivityId(), req.getRunId());
        deletion.deleteWorkflowExecution(ns, WorkflowExecution.newBuilder().setWorkflowId(key.workflowId())
                .setRunId(key.runId().toString()).build());
    }

    public DescribeActivityExecutionResponse describe(NamespaceId ns, DescribeActivityExecutionRequest req) {
        WorkflowKey key = resolve(ns, req.getActivityId(), req.getRunId());
        if (req.getLongPollToken().isEmpty()) {
            return ActivityOutcomes.describe(key, load(key), updater, req);
        }
        long known = StandaloneNexusOperations.versionOf(key, req.getLongPollToken());
        return LongPolls.await(updater, key, this::load, s -> s.getDbRecordVersion() != known)
                .map(s -> ActivityOutcomes.describe(key, s, updater, req))
                .orElse(DescribeActivityExecutionResponse.getDefaultInstance());
    }

    public PollActivityExecutionResponse poll(NamespaceId ns, PollActivityExecutionRequest req) {
        WorkflowKey key = resolve(ns, req.getActivityId(), req.getRunId());
        return LongPolls.await(updater, key, this::load, s -> s.getExecution().getState() != ExecutionState.EXECUTION_STATE_RUNNING)
                .map(s -> ActivityOutcomes.poll(key, s, updater))
                .orElse(PollActivityExecutionResponse.getDefaultInstance());
    }

    private WorkflowMutableState load(WorkflowKey key) {
        return updater.load(key).orElseThrow(() -> notFound(StandaloneIds.activityId(key.workflowId()).orElse(""),
                key.runId().toString()));
    }

    WorkflowKey resolve(NamespaceId ns, String activityId, String runId) {
        String id = StandaloneIds.activity(activityId);
        if (!runId.isEmpty()) {
            try {
                return new WorkflowKey(ns, id, UUID.fromString(runId));
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException("invalid run id: " + runId);
            }
        }
        CurrentExecution cur = updater.currentRun(ns, id).orElseThrow(() -> notFound(activityId, ""));
        return new WorkflowKey(ns, id, cur.runId());
    }

    static NotFoundException notFound(String activityId, String runId) {
        return new NotFoundException("activity execution not found: activity_id=" + activityId
                + (runId.isEmpty() ? "" : ", run_id=" + runId));
    }
}
