package io.kairos.matching;

import io.kairos.common.errors.DeadlineExceededException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.errors.QueryFailedException;
import io.kairos.persistence.matching.TaskQueueKey;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.api.workflowservice.v1.QueryWorkflowResponse;
import io.temporal.api.workflowservice.v1.RespondQueryTaskCompletedRequest;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Legacy query tasks (Temporal's matching QueryWorkflow / RespondQueryTaskCompleted): a query is offered to a
 * workflow poll of its queue, never persisted, and waits for the worker's answer until the caller's deadline.
 * Every query is forgotten when it ends, however it ends, so nothing outlives its caller.
 */
final class QueryDispatcher {
    private final MatchingEngine engine;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final ConcurrentHashMap<String, QueryTask> inFlight = new ConcurrentHashMap<>();

    QueryDispatcher(MatchingEngine engine, Executor executor, ScheduledExecutorService timer, Clock clock) {
        this.engine = engine;
        this.executor = executor;
        this.timer = timer;
        this.clock = clock;
    }

    /** Queries waiting for a poll or an answer (tests check that none is left behind). */
    int inFlight() {
        return inFlight.size();
    }

    /**
     * Starts a query; its task (for cancelling) is returned at once, its answer completes {@link QueryTask#result()}.
     * A sticky queue without a recent poller fails it with {@link StickyWorkerUnavailableException}.
     */
    QueryTask dispatch(TaskQueueKey key, TaskQueueKind kind, QueryWorkflowRequest request, Duration timeout) {
        QueryTask task = new QueryTask(UUID.randomUUID().toString(), key, request, clock.instant());
        inFlight.put(task.id(), task);
        ScheduledFuture<?> expiry = null;
        try {
            expiry = timer.schedule(() -> executor.execute(() -> task.fail(
                    new DeadlineExceededException("context deadline exceeded"))), timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            task.fail(new TaskQueueUnloadedException(key));
        }
        ScheduledFuture<?> armed = expiry;
        task.result().whenComplete((r, e) -> {
            inFlight.remove(task.id(), task);
            if (armed != null) {
                armed.cancel(false);
            }
        });
        if (!task.isDone()) {
            engine.addQuery(key, kind, task).whenComplete((ignored, error) -> {
                if (error != null) {
                    task.fail(MatchingEngine.unwrap(error));
                }
            });
        }
        return task;
    }

    /** The worker's answer; NOT_FOUND when the query already ended (timed out, cancelled, answered). */
    void respond(String queryTaskId, RespondQueryTaskCompletedRequest answer) {
        QueryTask task = inFlight.get(queryTaskId);
        if (task == null || task.isDone()) {
            throw new NotFoundException("query task not found, or already expired");
        }
        boolean delivered = switch (answer.getCompletedType()) {
            case QUERY_RESULT_TYPE_ANSWERED -> task.answer(QueryWorkflowResponse.newBuilder()
                    .setQueryResult(answer.getQueryResult()).build());
            case QUERY_RESULT_TYPE_FAILED -> task.fail(new QueryFailedException(answer.getErrorMessage(),
                    answer.hasFailure() ? answer.getFailure() : null));
            default -> task.fail(new QueryFailedException("unknown query completed type: "
                    + answer.getCompletedTypeValue(), null));
        };
        if (!delivered) {
            throw new NotFoundException("query task not found, or already expired");
        }
    }
}
