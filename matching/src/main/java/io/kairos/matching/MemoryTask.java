package io.kairos.matching;

import io.kairos.persistence.matching.TaskQueueKey;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A task that lives only in memory, offered to the next poll of its queue and never persisted: Temporal's sync-only
 * tasks (legacy queries, Nexus tasks). PENDING (waiting for a poll) -> CLAIMED (being handed to a poll) -> DONE, or
 * back to PENDING when the hand-over found no poll. The caller's deadline, its cancellation or the worker's answer
 * end it from any state; compare-and-set gives each end one winner.
 *
 * @param <A> the answer its caller waits for
 */
abstract sealed class MemoryTask<A> permits QueryTask, NexusTask {
    private enum State { PENDING, CLAIMED, DONE }

    private final String id;
    private final TaskQueueKey key;
    private final Instant created;
    private final AtomicReference<State> state = new AtomicReference<>(State.PENDING);
    private final CompletableFuture<A> result = new CompletableFuture<>();
    private volatile TaskQueueManager owner;

    MemoryTask(String id, TaskQueueKey key, Instant created) {
        this.id = id;
        this.key = key;
        this.created = created;
    }

    String id() {
        return id;
    }

    TaskQueueKey key() {
        return key;
    }

    Instant created() {
        return created;
    }

    /** Completes with the worker's answer or the task's error; completing it frees every reference to it. */
    CompletableFuture<A> result() {
        return result;
    }

    boolean isDone() {
        return state.get() == State.DONE;
    }

    /** The queue it waits on, so an end while waiting removes it from there. */
    void attach(TaskQueueManager manager) {
        owner = manager;
        if (isDone()) {
            manager.removeMemoryTask(this);
        }
    }

    /** Takes a pending task for one poll; false when it already ended. */
    boolean claim() {
        return state.compareAndSet(State.PENDING, State.CLAIMED);
    }

    /** No poll took it after all: pending again, unless it ended meanwhile. */
    boolean unclaim() {
        return state.compareAndSet(State.CLAIMED, State.PENDING);
    }

    boolean answer(A response) {
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
            m.removeMemoryTask(this);
        }
        return true;
    }
}
