package io.kairos.history.engine.queries;

import io.kairos.history.engine.HistoryReads;
import io.kairos.history.engine.MatchingStatus;
import io.kairos.history.engine.Times;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.engine.workflow.WorkflowTasks;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.common.errors.DeadlineExceededException;
import io.kairos.common.errors.WorkflowNotReadyException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.QueryRejectCondition;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.query.v1.QueryRejected;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.api.workflowservice.v1.QueryWorkflowResponse;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * QueryWorkflow. Queries are answered by a worker replaying the run: history hands a legacy query task to
 * matching once no workflow task is in flight, so the answer reflects every event written before the query
 * (Temporal's consistent query). While a workflow task is scheduled or running the query waits for it to
 * complete; nothing about a query is persisted, and every wait ends at the caller's deadline.
 */
public final class Queries {
    /** Temporal fails a query fast while the workflow task keeps failing. */
    public static final int FAILING_WORKFLOW_TASK_ATTEMPT = 3;
    /** Sticky attempt timeout when the worker set none (the SDKs' default). */
    static final Duration DEFAULT_STICKY_TIMEOUT = Duration.ofSeconds(5);
    /** A caller without a deadline still gets an answer. */
    static final Duration TIMEOUT_WITHOUT_DEADLINE = Duration.ofMinutes(1);

    private final WorkflowUpdater updater;
    private final HistoryReads reads;
    private final MatchingServiceGrpc.MatchingServiceBlockingStub matching;

    public Queries(WorkflowUpdater updater, HistoryReads reads, MatchingServiceGrpc.MatchingServiceBlockingStub matching) {
        this.updater = updater;
        this.reads = reads;
        this.matching = matching;
    }

    /** Blocks (on the caller's virtual thread) until a worker answers, the run rejects it, or the deadline passes. */
    public QueryWorkflowResponse query(NamespaceId ns, QueryWorkflowRequest req) {
        Context ctx = Context.current();
        Deadline callerDeadline = ctx.getDeadline();
        long deadline = System.nanoTime() + (callerDeadline == null ? TIMEOUT_WITHOUT_DEADLINE.toNanos()
                : Math.max(0, callerDeadline.timeRemaining(TimeUnit.NANOSECONDS)));
        WorkflowKey key = reads.resolve(ns, req.getExecution().getWorkflowId(), req.getExecution().getRunId());
        boolean first = true;
        CompletableFuture<Void> change = null;
        while (true) {
            WorkflowMutableState s = updater.load(key).orElseThrow(() -> WorkflowUpdater.notFound(key));
            var e = s.getExecution();
            boolean running = e.getState() == ExecutionState.EXECUTION_STATE_RUNNING;
            if (first) {
                QueryWorkflowResponse rejected = rejected(req.getQueryRejectCondition(), e.getStatus());
                if (rejected != null) {
                    return rejected;
                }
                first = false;
            }
            boolean completedAnyTask = e.getLastCompletedWorkflowTaskStartedEventId() > 0;
            if (!running && !completedAnyTask) {
                throw new WorkflowNotReadyException("Workflow execution closed before WorkflowTaskStarted event");
            }
            if (running && !s.hasWorkflowTask() && !completedAnyTask
                    && Times.instant(e.getExecutionTime()).isAfter(Instant.now().plusNanos(deadline - System.nanoTime()))) {
                // Cron or retry backoff: the first workflow task comes after the caller gave up.
                throw new WorkflowNotReadyException("Workflow task is not scheduled yet.");
            }
            if (running && s.hasWorkflowTask() && s.getWorkflowTask().getAttempt() >= FAILING_WORKFLOW_TASK_ATTEMPT) {
                throw new WorkflowNotReadyException("Unable to query workflow due to Workflow Task in failed state.");
            }
            if (completedAnyTask && (!running || !s.hasWorkflowTask())) {
                return dispatch(key, s, req, deadline);
            }
            // A workflow task is scheduled or running: events before the query may be unprocessed by the worker.
            // Only a run that will change is watched; the state is read once more after registering, to miss nothing.
            if (change == null) {
                change = updater.notifier().nextChange(key);
                continue;
            }
            awaitChange(ctx, change, deadline);
            change = null;
        }
    }

    /** QueryRejected with the run's status when the reject condition applies to a closed run, else null. */
    static QueryWorkflowResponse rejected(QueryRejectCondition condition, WorkflowExecutionStatus status) {
        if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
            return null;
        }
        boolean reject = condition == QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_OPEN
                || (condition == QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY
                    && status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
        return reject ? QueryWorkflowResponse.newBuilder().setQueryRejected(QueryRejected.newBuilder().setStatus(status)).build()
                : null;
    }

    /**
     * The sticky queue first, with its own schedule-to-start timeout (a caller's short deadline must not cost the
     * run its stickiness); when the sticky worker is gone or silent, stickiness is cleared and the normal queue
     * gets the query until the caller's deadline, as Temporal does.
     */
    private QueryWorkflowResponse dispatch(WorkflowKey key, WorkflowMutableState s, QueryWorkflowRequest req, long deadline) {
        var e = s.getExecution();
        QueryWorkflowRequest resolved = req.toBuilder().setExecution(WorkflowExecution.newBuilder()
                .setWorkflowId(key.workflowId()).setRunId(key.runId().toString())).build();
        io.kairos.proto.matching.v1.QueryWorkflowRequest.Builder call = io.kairos.proto.matching.v1.QueryWorkflowRequest
                .newBuilder().setNamespaceId(key.namespaceId().toString()).setRequest(resolved);
        if (!e.getStickyTaskQueue().getName().isEmpty()) {
            Duration timeout = Times.isZero(e.getStickyScheduleToStartTimeout()) ? DEFAULT_STICKY_TIMEOUT
                    : Times.duration(e.getStickyScheduleToStartTimeout());
            try {
                return Context.current().fork().call(() -> matching.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
                        .queryWorkflow(call.setTaskQueue(e.getStickyTaskQueue()).build()));
            } catch (StatusRuntimeException x) {
                Status.Code code = x.getStatus().getCode();
                if (code != Status.Code.DEADLINE_EXCEEDED && code != Status.Code.CANCELLED
                        && !MatchingStatus.isStickyWorkerUnavailable(x)) {
                    throw x;
                }
            } catch (Exception x) {
                throw new IllegalStateException(x);
            }
            if (e.getState() == ExecutionState.EXECUTION_STATE_RUNNING) {
                updater.update(key, m -> {
                    m.clearStickiness();
                    return null;
                });
            }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || Context.current().isCancelled()) {
            throw new DeadlineExceededException("context deadline exceeded");
        }
        return matching.withDeadlineAfter(left, TimeUnit.NANOSECONDS)
                .queryWorkflow(call.setTaskQueue(e.getTaskQueue()).build());
    }

    /** Waits for the run to change, the deadline, or the caller to go away. */
    private static void awaitChange(Context ctx, CompletableFuture<Void> change, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || ctx.isCancelled()) {
            throw new DeadlineExceededException("context deadline exceeded");
        }
        CompletableFuture<Void> wake = new CompletableFuture<>();
        change.whenComplete((v, t) -> wake.complete(null));
        Context.CancellationListener cancelled = c -> wake.complete(null);
        ctx.addListener(cancelled, Runnable::run);
        try {
            wake.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException ignored) {
            // the next round answers DEADLINE_EXCEEDED
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            throw new DeadlineExceededException("interrupted");
        } catch (ExecutionException x) {
            throw new IllegalStateException(x);
        } finally {
            ctx.removeListener(cancelled);
        }
    }

    /**
     * The poll response for a query task a poll got (Temporal's matching asks history for the same): the run's
     * ids and type, and its full history; a poll on the run's current sticky queue gets none, its worker has the
     * run cached (and fetches the history itself if not). No workflow task is started: started_event_id stays 0.
     */
    public PollWorkflowTaskQueueResponse queryTaskPollResponse(NamespaceId ns, WorkflowExecution execution,
                                                               TaskQueue pollQueue) {
        WorkflowKey key = WorkflowTasks.key(ns.toString(), execution);
        WorkflowMutableState s = updater.load(key).orElseThrow(() -> WorkflowUpdater.notFound(key));
        var e = s.getExecution();
        boolean sticky = pollQueue.getKind() == TaskQueueKind.TASK_QUEUE_KIND_STICKY
                && pollQueue.getName().equals(e.getStickyTaskQueue().getName());
        List<HistoryEvent> events = sticky ? List.of() : updater.readHistory(key, 1, s.getNextEventId(), Integer.MAX_VALUE);
        return PollWorkflowTaskQueueResponse.newBuilder()
                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(key.workflowId())
                        .setRunId(key.runId().toString()))
                .setWorkflowType(WorkflowType.newBuilder().setName(e.getWorkflowType()))
                .setPreviousStartedEventId(e.getLastCompletedWorkflowTaskStartedEventId())
                .setAttempt(1)
                .setHistory(History.newBuilder().addAllEvents(events))
                .setWorkflowExecutionTaskQueue(e.getTaskQueue())
                .build();
    }
}
