package io.kairos.matching;

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
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Legacy query tasks (Temporal's matching QueryWorkflow / RespondQueryTaskCompleted): a query is offered to a
 * workflow poll of its queue, never persisted, and waits for the worker's answer until the caller's deadline.
 */
final class QueryDispatcher {
    private final MemoryTasks<QueryTask> tasks;
    private final Clock clock;

    QueryDispatcher(MatchingEngine engine, Executor executor, ScheduledExecutorService timer, Clock clock) {
        this.tasks = new MemoryTasks<>(engine, executor, timer);
        this.clock = clock;
    }

    /** Queries waiting for a poll or an answer (tests check that none is left behind). */
    int inFlight() {
        return tasks.inFlight();
    }

    /**
     * Starts a query; its task (for cancelling) is returned at once, its answer completes {@link QueryTask#result()}.
     * A sticky queue without a recent poller fails it with {@link StickyWorkerUnavailableException}.
     */
    QueryTask dispatch(TaskQueueKey key, TaskQueueKind kind, QueryWorkflowRequest request, Duration timeout) {
        return tasks.start(new QueryTask(UUID.randomUUID().toString(), key, request, clock.instant()), kind, timeout);
    }

    /** The worker's answer; NOT_FOUND when the query already ended (timed out, cancelled, answered). */
    void respond(String queryTaskId, RespondQueryTaskCompletedRequest answer) {
        QueryTask task = tasks.find(queryTaskId);
        if (task == null) {
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
