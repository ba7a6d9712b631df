package io.kairos.history.lifecycle;

/**
 * Activity: SCHEDULED (in matching) -> STARTED (a worker has it) -> CLOSED, with BACKOFF between attempts while a
 * retry waits for its timer. Cancellation before start closes it at once; after start the worker decides.
 *
 * <p>PauseActivity (Temporal's manual pause) adds two states. PAUSED: no attempt runs and none is dispatched or
 * started until UnpauseActivity (or ResetActivity) schedules one again, at once or after a jitter (BACKOFF).
 * PAUSE_REQUESTED: an attempt was running when the pause came; it goes on, and may still complete (CLOSED), but if it
 * fails it does not retry: the activity is PAUSED with the next attempt number. Unpausing it is STARTED again.
 * ResetActivity and UpdateActivityOptions may also send a SCHEDULED activity into BACKOFF (a jitter, a longer retry
 * interval). Re-dispatching in the same state (SCHEDULED again after a reset) is not a move.
 */
public final class ActivityLifecycle {
    public enum State { SCHEDULED, STARTED, BACKOFF, PAUSED, PAUSE_REQUESTED, CLOSED }

    public static final TransitionTable<State> TABLE = TransitionTable.of("activity", State.class)
            .allow(State.SCHEDULED, State.STARTED, State.BACKOFF, State.PAUSED, State.CLOSED)
            .allow(State.STARTED, State.BACKOFF, State.PAUSE_REQUESTED, State.CLOSED)
            .allow(State.BACKOFF, State.SCHEDULED, State.PAUSED, State.CLOSED)
            .allow(State.PAUSED, State.SCHEDULED, State.BACKOFF, State.CLOSED)
            .allow(State.PAUSE_REQUESTED, State.STARTED, State.PAUSED, State.CLOSED)
            .build();

    private ActivityLifecycle() {
    }

    public static State of(io.kairos.proto.persistence.v1.ActivityInfo ai) {
        if (ai.getPaused()) {
            return ai.getStarted() ? State.PAUSE_REQUESTED : State.PAUSED;
        }
        return ai.getRetryPending() ? State.BACKOFF : ai.getStarted() ? State.STARTED : State.SCHEDULED;
    }

    /** Checks the move from {@code from} to the state {@code to} is in: staying in a state is not a move. */
    public static void moved(State from, io.kairos.proto.persistence.v1.ActivityInfo to) {
        State next = of(to);
        if (next != from) {
            TABLE.move(from, next);
        }
    }
}
