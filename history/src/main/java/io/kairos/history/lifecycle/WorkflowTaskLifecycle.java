package io.kairos.history.lifecycle;

/**
 * Workflow task: NONE -> SCHEDULED -> STARTED -> NONE (completed). A failed or timed-out task goes back to
 * SCHEDULED as the next (transient) attempt.
 */
public final class WorkflowTaskLifecycle {
    public enum State { NONE, SCHEDULED, STARTED }

    public static final TransitionTable<State> TABLE = TransitionTable.of("workflow task", State.class)
            .allow(State.NONE, State.SCHEDULED)
            .allow(State.SCHEDULED, State.STARTED, State.NONE)
            .allow(State.STARTED, State.NONE, State.SCHEDULED)
            .build();

    private WorkflowTaskLifecycle() {
    }

    public static State of(io.kairos.proto.persistence.v1.WorkflowMutableStateOrBuilder s) {
        if (!s.hasWorkflowTask()) {
            return State.NONE;
        }
        return s.getWorkflowTask().getStartedEventId() > 0 ? State.STARTED : State.SCHEDULED;
    }
}
