package io.kairos.history.lifecycle;

/**
 * Activity: SCHEDULED (in matching) -> STARTED (a worker has it) -> CLOSED, with BACKOFF between attempts while a
 * retry waits for its timer. Cancellation before start closes it at once; after start the worker decides.
 */
public final class ActivityLifecycle {
    public enum State { SCHEDULED, STARTED, BACKOFF, CLOSED }

    public static final TransitionTable<State> TABLE = TransitionTable.of("activity", State.class)
            .allow(State.SCHEDULED, State.STARTED, State.CLOSED)
            .allow(State.STARTED, State.BACKOFF, State.CLOSED)
            .allow(State.BACKOFF, State.SCHEDULED, State.CLOSED)
            .build();

    private ActivityLifecycle() {
    }

    public static State of(io.kairos.proto.persistence.v1.ActivityInfo ai) {
        return ai.getRetryPending() ? State.BACKOFF : ai.getStarted() ? State.STARTED : State.SCHEDULED;
    }
}
