package io.kairos.history.standalone;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.kairos.common.ids.StandaloneIds;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.HistoryReads;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.persistence.visibility.ActivityAttributes;
import io.kairos.proto.persistence.v1.ActivityInfo;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.activity.v1.ActivityExecutionInfo;
import io.temporal.api.activity.v1.ActivityExecutionOutcome;
import io.temporal.api.enums.v1.ActivityExecutionStatus;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.api.failure.v1.CanceledFailureInfo;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.failure.v1.TerminatedFailureInfo;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeActivityExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeActivityExecutionResponse;
import io.temporal.api.workflowservice.v1.PollActivityExecutionResponse;

import java.util.List;

/**
 * What Describe and Poll answer about a standalone activity, read from its hidden run: the request from
 * WorkflowExecutionStarted and ActivityTaskScheduled, progress (attempt, heartbeat, last failure) from the pending
 * activity, the outcome from its last activity event (or the termination) once closed.
 */
final class ActivityOutcomes {
    private ActivityOutcomes() {
    }

    private record Facts(HistoryEvent started, HistoryEvent scheduled, ActivityExecutionOutcome outcome,
                         HistoryEvent lastStarted) {
    }

    private static Facts facts(WorkflowKey key, WorkflowMutableState s, WorkflowUpdater updater) {
        List<HistoryEvent> events = updater.readHistory(key, 1, s.getNextEventId(), Integer.MAX_VALUE);
        HistoryEvent started = null;
        HistoryEvent scheduled = null;
        HistoryEvent activityStarted = null;
        ActivityExecutionOutcome outcome = null;
        for (HistoryEvent e : events) {
            switch (e.getEventType()) {
                case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED -> started = e;
                case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> scheduled = e;
                case EVENT_TYPE_ACTIVITY_TASK_STARTED -> activityStarted = e;
                case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> outcome = ActivityExecutionOutcome.newBuilder()
                        .setResult(e.getActivityTaskCompletedEventAttributes().getResult()).build();
                case EVENT_TYPE_ACTIVITY_TASK_FAILED -> outcome = ActivityExecutionOutcome.newBuilder()
                        .setFailure(e.getActivityTaskFailedEventAttributes().getFailure())
                        .setRetryState(e.getActivityTaskFailedEventAttributes().getRetryState()).build();
                case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT -> outcome = ActivityExecutionOutcome.newBuilder()
                        .setFailure(e.getActivityTaskTimedOutEventAttributes().getFailure())
                        .setRetryState(e.getActivityTaskTimedOutEventAttributes().getRetryState()).build();
                case EVENT_TYPE_ACTIVITY_TASK_CANCELED -> outcome = ActivityExecutionOutcome.newBuilder()
                        .setFailure(Failure.newBuilder().setMessage("activity canceled")
                                .setCanceledFailureInfo(CanceledFailureInfo.newBuilder()
                                        .setDetails(e.getActivityTaskCanceledEventAttributes().getDetails())))
                        .setRetryState(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE).build();
                case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> {
                    var t = e.getWorkflowExecutionTerminatedEventAttributes();
                    outcome = ActivityExecutionOutcome.newBuilder().setFailure(Failure.newBuilder().setMessage(t.getReason())
                            .setTerminatedFailureInfo(TerminatedFailureInfo.newBuilder().setIdentity(t.getIdentity())))
                            .setRetryState(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE).build();
                }
                default -> {
                }
            }
        }
        if (started == null || scheduled == null) {
            throw StandaloneActivities.notFound(StandaloneIds.activityId(key.workflowId()).orElse(""), key.runId().toString());
        }
        return new Facts(started, scheduled, outcome, activityStarted);
    }

    static ActivityExecutionStatus status(WorkflowMutableState s) {
        return switch (s.getExecution().getStatus()) {
            case WORKFLOW_EXECUTION_STATUS_COMPLETED -> ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_COMPLETED;
            case WORKFLOW_EXECUTION_STATUS_FAILED -> ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_FAILED;
            case WORKFLOW_EXECUTION_STATUS_CANCELED -> ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_CANCELED;
            case WORKFLOW_EXECUTION_STATUS_TERMINATED -> ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_TERMINATED;
            case WORKFLOW_EXECUTION_STATUS_TIMED_OUT -> ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_TIMED_OUT;
            default -> ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_RUNNING;
        };
    }

    private static boolean closed(WorkflowMutableState s) {
        return s.getExecution().getState() != ExecutionState.EXECUTION_STATE_RUNNING;
    }

    static PollActivityExecutionResponse poll(WorkflowKey key, WorkflowMutableState s, WorkflowUpdater updater) {
        var r = PollActivityExecutionResponse.newBuilder().setRunId(key.runId().toString());
        Facts f = facts(key, s, updater);
        if (closed(s) && f.outcome() != null) {
            r.setOutcome(f.outcome());
        }
        return r.build();
    }

    static DescribeActivityExecutionResponse describe(WorkflowKey key, WorkflowMutableState s, WorkflowUpdater updater,
                                                      DescribeActivityExecutionRequest req) {
        Facts f = facts(key, s, updater);
        var sched = f.scheduled().getActivityTaskScheduledEventAttributes();
        var start = f.started().getWorkflowExecutionStartedEventAttributes();
        var e = s.getExecution();
        ActivityExecutionInfo.Builder info = ActivityExecutionInfo.newBuilder()
                .setActivityId(StandaloneIds.activityId(key.workflowId()).orElse(""))
                .setRunId(key.runId().toString())
                .setActivityType(sched.getActivityType())
                .setStatus(status(s))
                .setTaskQueue(sched.getTaskQueue().getName())
                .setScheduleToCloseTimeout(sched.getScheduleToCloseTimeout())
                .setScheduleToStartTimeout(sched.getScheduleToStartTimeout())
                .setStartToCloseTimeout(sched.getStartToCloseTimeout())
                .setHeartbeatTimeout(sched.getHeartbeatTimeout())
                .setRetryPolicy(sched.getRetryPolicy())
                .setScheduleTime(f.scheduled().getEventTime())
                .setPriority(sched.getPriority())
                .setStateTransitionCount(e.getStateTransitionCount())
                .setSearchAttributes(ActivityAttributes.user(start.getSearchAttributes()))
                .setHeader(sched.getHeader());
        if (f.started().hasUserMetadata()) {
            info.setUserMetadata(f.started().getUserMetadata());
        }
        if (Durations.toNanos(sched.getScheduleToCloseTimeout()) > 0) {
            info.setExpirationTime(Timestamps.add(f.scheduled().getEventTime(), sched.getScheduleToCloseTimeout()));
        }
        ActivityInfo ai = s.getActivitiesMap().values().stream().findFirst().orElse(null);
        if (ai != null) {
            var p = HistoryReads.pending(ai);
            info.setRunState(p.getState()).setAttempt(p.getAttempt()).setLastWorkerIdentity(p.getLastWorkerIdentity())
                    .setCanceledReason(ai.getCancelReason());
            if (req.getIncludeHeartbeatDetails() && p.getHeartbeatDetails().getPayloadsCount() > 0) {
                info.setHeartbeatDetails(p.getHeartbeatDetails());
            }
            if (p.hasLastHeartbeatTime()) {
                info.setLastHeartbeatTime(p.getLastHeartbeatTime());
            }
            if (p.hasLastStartedTime()) {
                info.setLastStartedTime(p.getLastStartedTime());
            }
            if (p.hasLastFailure()) {
                info.setLastFailure(p.getLastFailure());
            }
            if (p.hasCurrentRetryInterval()) {
                info.setCurrentRetryInterval(p.getCurrentRetryInterval());
            }
            if (p.hasLastAttemptCompleteTime()) {
                info.setLastAttemptCompleteTime(p.getLastAttemptCompleteTime());
            }
            if (p.hasNextAttemptScheduleTime()) {
                info.setNextAttemptScheduleTime(p.getNextAttemptScheduleTime());
            }
        } else if (f.lastStarted() != null) {
            var a = f.lastStarted().getActivityTaskStartedEventAttributes();
            info.setAttempt(a.getAttempt()).setLastWorkerIdentity(a.getIdentity())
                    .setLastStartedTime(f.lastStarted().getEventTime());
            if (a.hasLastFailure()) {
                info.setLastFailure(a.getLastFailure());
            }
        } else {
            info.setAttempt(1);
        }
        if (closed(s) && e.hasCloseTime()) {
            info.setCloseTime(e.getCloseTime());
            info.setExecutionDuration(Timestamps.between(f.scheduled().getEventTime(), e.getCloseTime()));
        }
        var r = DescribeActivityExecutionResponse.newBuilder().setRunId(key.runId().toString()).setInfo(info)
                .setLongPollToken(StandaloneNexusOperations.token(key, s));
        if (req.getIncludeInput()) {
            r.setInput(sched.getInput());
        }
        if (req.getIncludeOutcome() && closed(s) && f.outcome() != null) {
            r.setOutcome(f.outcome());
        }
        return r.build();
    }
}
