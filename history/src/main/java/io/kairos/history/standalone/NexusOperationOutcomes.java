package io.kairos.history.standalone;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.kairos.common.ids.StandaloneIds;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.persistence.visibility.NexusOperationAttributes;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.NexusOperationInfo;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.NexusOperationExecutionStatus;
import io.temporal.api.enums.v1.NexusOperationWaitStage;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.failure.v1.TerminatedFailureInfo;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.nexus.v1.NexusOperationExecutionCancellationInfo;
import io.temporal.api.nexus.v1.NexusOperationExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeNexusOperationExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeNexusOperationExecutionResponse;
import io.temporal.api.workflowservice.v1.PollNexusOperationExecutionResponse;

import java.util.List;

/**
 * What Describe and Poll answer about a standalone Nexus operation, read from its hidden run: the start request from
 * WorkflowExecutionStarted and NexusOperationScheduled, progress from the pending operation while it runs, and the
 * outcome from its last Nexus event (or the termination) once closed. Such a history is a handful of events.
 */
final class NexusOperationOutcomes {
    private NexusOperationOutcomes() {
    }

    /** What the run's history says about the operation. */
    private record Facts(HistoryEvent started, HistoryEvent scheduled, String token, Payload result, Failure failure,
                         List<io.temporal.api.common.v1.Link> links) {
    }

    private static Facts facts(WorkflowKey key, WorkflowMutableState s, WorkflowUpdater updater) {
        List<HistoryEvent> events = updater.readHistory(key, 1, s.getNextEventId(), Integer.MAX_VALUE);
        HistoryEvent started = null;
        HistoryEvent scheduled = null;
        String token = "";
        Payload result = null;
        Failure failure = null;
        List<io.temporal.api.common.v1.Link> links = new java.util.ArrayList<>();
        for (HistoryEvent e : events) {
            switch (e.getEventType()) {
                case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED -> started = e;
                case EVENT_TYPE_NEXUS_OPERATION_SCHEDULED -> scheduled = e;
                case EVENT_TYPE_NEXUS_OPERATION_STARTED -> {
                    token = e.getNexusOperationStartedEventAttributes().getOperationToken();
                    links.addAll(e.getLinksList()); // the handler's: e.g. its backing workflow's start
                }
                case EVENT_TYPE_NEXUS_OPERATION_COMPLETED -> {
                    result = e.getNexusOperationCompletedEventAttributes().getResult();
                    links.addAll(e.getLinksList());
                }
                case EVENT_TYPE_NEXUS_OPERATION_FAILED, EVENT_TYPE_NEXUS_OPERATION_CANCELED,
                     EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT -> failure = failure(e);
                case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> {
                    var t = e.getWorkflowExecutionTerminatedEventAttributes();
                    failure = Failure.newBuilder().setMessage(t.getReason())
                            .setTerminatedFailureInfo(TerminatedFailureInfo.newBuilder().setIdentity(t.getIdentity())).build();
                }
                default -> {
                }
            }
        }
        if (started == null || scheduled == null) {
            throw StandaloneNexusOperations.notFound(StandaloneIds.operationId(key.workflowId()).orElse(""), key.runId().toString());
        }
        return new Facts(started, scheduled, token, result, failure, links);
    }

    /**
     * The failure a standalone operation ends with: the handler's (or the timeout's) failure itself, as Temporal's
     * outcome holds it, not the NexusOperationFailureInfo wrapper a workflow's event gets.
     */
    static Failure failure(HistoryEvent e) {
        Failure f = switch (e.getEventType()) {
            case EVENT_TYPE_NEXUS_OPERATION_FAILED -> e.getNexusOperationFailedEventAttributes().getFailure();
            case EVENT_TYPE_NEXUS_OPERATION_CANCELED -> e.getNexusOperationCanceledEventAttributes().getFailure();
            case EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT -> e.getNexusOperationTimedOutEventAttributes().getFailure();
            default -> Failure.getDefaultInstance();
        };
        return f.hasNexusOperationExecutionFailureInfo() && f.hasCause() ? f.getCause() : f;
    }

    static NexusOperationExecutionStatus status(WorkflowMutableState s) {
        return switch (s.getExecution().getStatus()) {
            case WORKFLOW_EXECUTION_STATUS_COMPLETED -> NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_COMPLETED;
            case WORKFLOW_EXECUTION_STATUS_FAILED -> NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_FAILED;
            case WORKFLOW_EXECUTION_STATUS_CANCELED -> NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_CANCELED;
            case WORKFLOW_EXECUTION_STATUS_TERMINATED -> NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_TERMINATED;
            case WORKFLOW_EXECUTION_STATUS_TIMED_OUT -> NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_TIMED_OUT;
            default -> NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_RUNNING;
        };
    }

    private static boolean closed(WorkflowMutableState s) {
        return s.getExecution().getState() != ExecutionState.EXECUTION_STATE_RUNNING;
    }

    static PollNexusOperationExecutionResponse poll(WorkflowKey key, WorkflowMutableState s, WorkflowUpdater updater) {
        Facts f = facts(key, s, updater);
        var r = PollNexusOperationExecutionResponse.newBuilder().setRunId(key.runId().toString()).setOperationToken(f.token());
        if (!closed(s)) {
            return r.setWaitStage(NexusOperationWaitStage.NEXUS_OPERATION_WAIT_STAGE_STARTED).build();
        }
        r.setWaitStage(NexusOperationWaitStage.NEXUS_OPERATION_WAIT_STAGE_CLOSED);
        if (f.result() != null) {
            r.setResult(f.result());
        } else if (f.failure() != null) {
            r.setFailure(f.failure());
        }
        return r.build();
    }

    static DescribeNexusOperationExecutionResponse describe(WorkflowKey key, WorkflowMutableState s, WorkflowUpdater updater,
                                                            DescribeNexusOperationExecutionRequest req) {
        Facts f = facts(key, s, updater);
        var sched = f.scheduled().getNexusOperationScheduledEventAttributes();
        var start = f.started().getWorkflowExecutionStartedEventAttributes();
        var e = s.getExecution();
        NexusOperationExecutionInfo.Builder info = NexusOperationExecutionInfo.newBuilder()
                .setOperationId(StandaloneIds.operationId(key.workflowId()).orElse(""))
                .setRunId(key.runId().toString())
                .setEndpoint(sched.getEndpoint()).setService(sched.getService()).setOperation(sched.getOperation())
                .setStatus(status(s))
                .setScheduleToCloseTimeout(sched.getScheduleToCloseTimeout())
                .setScheduleToStartTimeout(sched.getScheduleToStartTimeout())
                .setStartToCloseTimeout(sched.getStartToCloseTimeout())
                .setScheduleTime(f.scheduled().getEventTime())
                .setRequestId(sched.getRequestId())
                .setOperationToken(f.token())
                .setStateTransitionCount(e.getStateTransitionCount())
                .setSearchAttributes(NexusOperationAttributes.user(start.getSearchAttributes()))
                .putAllNexusHeader(sched.getNexusHeaderMap())
                .setIdentity(start.getIdentity())
                .addAllLinks(f.links());
        if (f.started().hasUserMetadata()) {
            info.setUserMetadata(f.started().getUserMetadata());
        }
        if (Durations.toNanos(sched.getScheduleToCloseTimeout()) > 0) {
            info.setExpirationTime(Timestamps.add(f.scheduled().getEventTime(), sched.getScheduleToCloseTimeout()));
        }
        NexusOperationInfo op = s.getNexusOperationsMap().values().stream().findFirst().orElse(null);
        if (op != null) {
            info.setState(op.getState()).setAttempt(op.getAttempt());
            if (op.hasLastAttemptCompleteTime()) {
                info.setLastAttemptCompleteTime(op.getLastAttemptCompleteTime());
            }
            if (op.hasLastAttemptFailure()) {
                info.setLastAttemptFailure(op.getLastAttemptFailure());
            }
            if (op.hasNextAttemptScheduleTime()) {
                info.setNextAttemptScheduleTime(op.getNextAttemptScheduleTime());
            }
            if (op.hasCancellation()) {
                var c = op.getCancellation();
                var ci = NexusOperationExecutionCancellationInfo.newBuilder().setRequestedTime(c.getRequestedTime())
                        .setState(c.getState()).setAttempt(c.getAttempt()).setReason(c.getReason());
                if (c.hasLastAttemptCompleteTime()) {
                    ci.setLastAttemptCompleteTime(c.getLastAttemptCompleteTime());
                }
                if (c.hasLastAttemptFailure()) {
                    ci.setLastAttemptFailure(c.getLastAttemptFailure());
                }
                if (c.hasNextAttemptScheduleTime()) {
                    ci.setNextAttemptScheduleTime(c.getNextAttemptScheduleTime());
                }
                info.setCancellationInfo(ci);
            }
        } else {
            info.setAttempt(1);
        }
        if (closed(s) && e.hasCloseTime()) {
            info.setCloseTime(e.getCloseTime());
            info.setExecutionDuration(Timestamps.between(f.scheduled().getEventTime(), e.getCloseTime()));
        }
        var r = DescribeNexusOperationExecutionResponse.newBuilder().setRunId(key.runId().toString()).setInfo(info)
                .setLongPollToken(StandaloneNexusOperations.token(key, s));
        if (req.getIncludeInput()) {
            r.setInput(sched.getInput());
        }
        if (req.getIncludeOutcome() && closed(s)) {
            if (f.result() != null) {
                r.setResult(f.result());
            } else if (f.failure() != null) {
                r.setFailure(f.failure());
            }
        }
        return r.build();
    }
}
