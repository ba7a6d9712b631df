package io.kairos.history.lifecycle;

/** User timer: STARTED -> FIRED or CANCELED, both final. */
public final class TimerLifecycle {
    public enum State { STARTED, FIRED, CANCELED }

    public static final TransitionTable<State> TABLE = TransitionTable.of("timer", State.class)
            .allow(State.STARTED, State.FIRED, State.CANCELED)
            .build();

    private TimerLifecycle() {
    }
}
