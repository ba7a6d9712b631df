package io.kairos.history.lifecycle;

/**
 * Child workflow, as its parent sees it: INITIATED (StartChildWorkflowExecutionInitiated) -> STARTED
 * (ChildWorkflowExecutionStarted) -> CLOSED (Completed, Failed, Canceled, TimedOut or Terminated), or INITIATED ->
 * START_FAILED (StartChildWorkflowExecutionFailed). A child that closes before its start is recorded passes through
 * STARTED: both events are written, in order.
 */
public final class ChildWorkflowLifecycle {
    public enum State { INITIATED, STARTED, START_FAILED, CLOSED }

    public static final TransitionTable<State> TABLE = TransitionTable.of("child workflow", State.class)
            .allow(State.INITIATED, State.STARTED, State.START_FAILED)
            .allow(State.STARTED, State.CLOSED)
            .build();

    private ChildWorkflowLifecycle() {
    }

    public static State of(io.kairos.proto.persistence.v1.ChildExecutionInfo ci) {
        return ci.getStarted() ? State.STARTED : State.INITIATED;
    }
}
