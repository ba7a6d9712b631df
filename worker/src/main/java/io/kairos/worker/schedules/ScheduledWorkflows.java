package io.kairos.worker.schedules;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.proto.history.v1.DescribeWorkflowExecutionRequest;
import io.kairos.proto.history.v1.GetWorkflowExecutionHistoryRequest;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.proto.history.v1.RequestCancelWorkflowExecutionRequest;
import io.kairos.proto.history.v1.StartWorkflowExecutionRequest;
import io.kairos.proto.history.v1.TerminateWorkflowExecutionRequest;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.HistoryEventFilterType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** {@link ScheduleEffects} through history's internal API, for one namespace. */
final class ScheduledWorkflows implements ScheduleEffects {
    private static final Logger log = LoggerFactory.getLogger(ScheduledWorkflows.class);
    private static final long CALL_TIMEOUT_SECONDS = 10;

    private final HistoryServiceGrpc.HistoryServiceBlockingStub history;
    private final NamespaceId namespaceId;
    private final String namespace;
    private final Clock clock;

    ScheduledWorkflows(HistoryServiceGrpc.HistoryServiceBlockingStub history, NamespaceId namespaceId, String namespace,
                       Clock clock) {
        this.history = history;
        this.namespaceId = namespaceId;
        this.namespace = namespace;
        this.clock = clock;
    }

    private HistoryServiceGrpc.HistoryServiceBlockingStub call() {
        return history.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public StartOutcome start(io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest request) {
        try {
            var res = call().startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder()
                    .setNamespaceId(namespaceId.toString()).setRequest(request).build());
            return new Started(res.getRunId(), clock.instant());
        } catch (StatusRuntimeException e) {
            return switch (e.getStatus().getCode()) {
                case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNKNOWN, INTERNAL, CANCELLED ->
                        new Retry(e.getStatus().toString());
                default -> new Rejected(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            };
        }
    }

    @Override
    public Outcome check(WorkflowExecution execution) {
        try {
            String runId = execution.getRunId();
            for (int hops = 0; hops < 1000; hops++) {
                WorkflowExecution ex = execution.toBuilder().setRunId(runId).build();
                var d = call().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespaceId(namespaceId.toString())
                        .setRequest(io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                                .setNamespace(namespace).setExecution(ex)).build());
                if (d.getWorkflowExecutionInfo().getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
                    return Outcome.RUNNING;
                }
                HistoryEvent close = closeEvent(ex, Duration.ofSeconds(CALL_TIMEOUT_SECONDS));
                if (close == null) {
                    return Outcome.RUNNING; // raced with a reset: look again later
                }
                String next = nextRunId(close);
                if (next.isEmpty()) {
                    return outcome(close);
                }
                runId = next;
            }
            return Outcome.RUNNING;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                // Deleted (or past retention): it certainly does not run.
                return new Outcome(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED, null, null, null);
            }
            log.debug("component=worker msg=\"cannot check scheduled workflow\" workflow_id={} error=\"{}\"",
                    execution.getWorkflowId(), e.getStatus());
            return Outcome.RUNNING;
        }
    }

    @Override
    public Outcome awaitClose(WorkflowExecution execution, Duration wait) {
        try {
            HistoryEvent close = closeEvent(execution, wait);
            if (close == null) {
                return Outcome.RUNNING;
            }
            String next = nextRunId(close);
            if (!next.isEmpty()) {
                return awaitClose(execution.toBuilder().setRunId(next).build(), wait);
            }
            return outcome(close);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return new Outcome(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED, null, null, null);
            }
            throw e;
        }
    }

    /** The run's close event, or null when it is still open after {@code wait}. */
    private HistoryEvent closeEvent(WorkflowExecution ex, Duration wait) {
        var res = history.withDeadlineAfter(wait.toMillis() + 2_000, TimeUnit.MILLISECONDS)
                .getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest.newBuilder()
                        .setNamespaceId(namespaceId.toString())
                        .setRequest(io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest.newBuilder()
                                .setNamespace(namespace).setExecution(ex).setWaitNewEvent(true)
                                .setHistoryEventFilterType(HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT))
                        .build());
        return res.getHistory().getEventsCount() == 0 ? null : res.getHistory().getEvents(0);
    }

    /** The run a close hands over to (continue-as-new, a retry, the next cron run), or "". */
    private static String nextRunId(HistoryEvent e) {
        return switch (e.getEventType()) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> e.getWorkflowExecutionCompletedEventAttributes().getNewExecutionRunId();
            case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> e.getWorkflowExecutionFailedEventAttributes().getNewExecutionRunId();
            case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> e.getWorkflowExecutionTimedOutEventAttributes().getNewExecutionRunId();
            case EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW ->
                    e.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId();
            default -> "";
        };
    }

    private static Outcome outcome(HistoryEvent e) {
        Instant closed = Times.instant(e.getEventTime());
        return switch (e.getEventType()) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> new Outcome(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
                    e.getWorkflowExecutionCompletedEventAttributes().getResult(), null, closed);
            case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> new Outcome(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
                    null, e.getWorkflowExecutionFailedEventAttributes().getFailure(), closed);
            case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> new Outcome(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
                    null, io.temporal.api.failure.v1.Failure.newBuilder().setMessage("workflow timed out")
                    .setTimeoutFailureInfo(io.temporal.api.failure.v1.TimeoutFailureInfo.newBuilder()
                            .setTimeoutType(io.temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE)).build(), closed);
            case EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED -> new Outcome(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
                    null, null, closed);
            case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> new Outcome(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
                    null, null, closed);
            default -> new Outcome(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED, null, null, closed);
        };
    }

    @Override
    public boolean cancel(WorkflowExecution execution, String requestId, String identity) {
        try {
            call().requestCancelWorkflowExecution(RequestCancelWorkflowExecutionRequest.newBuilder()
                    .setNamespaceId(namespaceId.toString())
                    .setRequest(io.temporal.api.workflowservice.v1.RequestCancelWorkflowExecutionRequest.newBuilder()
                            .setNamespace(namespace)
                            .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(execution.getWorkflowId()))
                            .setFirstExecutionRunId(execution.getRunId())
                            .setIdentity(identity).setRequestId(requestId)
                            .setReason("cancelled by schedule overlap policy"))
                    .build());
            return true;
        } catch (StatusRuntimeException e) {
            log.info("component=worker msg=\"cancel by overlap policy failed\" workflow_id={} error=\"{}\"",
                    execution.getWorkflowId(), e.getStatus());
            return false;
        }
    }

    @Override
    public boolean terminate(WorkflowExecution execution, String identity) {
        try {
            call().terminateWorkflowExecution(TerminateWorkflowExecutionRequest.newBuilder()
                    .setNamespaceId(namespaceId.toString())
                    .setRequest(io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionRequest.newBuilder()
                            .setNamespace(namespace)
                            .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(execution.getWorkflowId()))
                            .setFirstExecutionRunId(execution.getRunId())
                            .setIdentity(identity).setReason("terminated by schedule overlap policy"))
                    .build());
            return true;
        } catch (StatusRuntimeException e) {
            log.info("component=worker msg=\"terminate by overlap policy failed\" workflow_id={} error=\"{}\"",
                    execution.getWorkflowId(), e.getStatus());
            return false;
        }
    }
}
