package io.kairos.matching;

import io.kairos.persistence.matching.TaskQueueKey;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.api.workflowservice.v1.QueryWorkflowResponse;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One legacy query task: in memory only, like Temporal's. PENDING (waiting for a workflow poll) -> CLAIMED (being
 * handed to a poll) -> DONE, or back to PENDING when the hand-over found no poll. The caller's deadline, its
 * cancellation or the worker's answer end it from any state; compare-and-set gives each end one winner.
 */
final class QueryTask {
    private enum State { PENDING, CLAIMED, DONE }

    private final String id;
    private final TaskQueueKey key;
    private final QueryWorkflowRequest request;
    private final Instant created;
    private final AtomicReference<State> state = new AtomicReference<>(State.PENDING);
    private final CompletableFuture<QueryWorkflowResponse> result = new CompletableFuture<>();
    private volatile TaskQueueManager owner;

    QueryTask(String id, TaskQueueKey key, QueryWorkflowRequest request, Instant created) {
        this.id = id;
        this.key = key;
        this.request = request;
        this.created = created;
    }

    String id() {
        return id;
    }

    TaskQueueKey key() {
        return key;
    }

    QueryWorkflowRequest request() {
        return request;
    }

    Instant created() {
        return created;
    }

    /** Completes with the worker's answer or the query's error; completing it frees every reference to it. */
    CompletableFuture<QueryWorkflowResponse> result() {
        return result;
    }

    boolean isDone() {
        return state.get() == State.DONE;
    }

    /** The queue it waits on, so an end while waiting removes it from there. */
    void attach(TaskQueueManager manager) {
        owner = manager;
        if (isDone()) {
            manager.removeQuery(this);
        }
    }

    /** Takes a pending query for one poll; false when it already ended. */
    boolean claim() {
        return state.compareAndSet(State.PENDING, State.CLAIMED);
    }

    /** No poll took it after all: pending again, unless it ended meanwhile. */
    boolean unclaim() {
        return state.compareAndSet(State.CLAIMED, State.PENDING);
    }

    boolean answer(QueryWorkflowResponse response) {
        if (!end()) {
            return false;
        }
        result.complete(response);
        return true;
    }

    boolean fail(Throwable error) {
        if (!end()) {
            return false;
        }
        result.completeExceptionally(error);
        return true;
    }

    private boolean end() {
        State s;
        do {
            s = state.get();
            if (s == State.DONE) {
                return false;
            }
        } while (!state.compareAndSet(s, State.DONE));
        TaskQueueManager m = owner;
        if (m != null) {
            m.removeQuery(this);
        }
        return true;
    }
}
