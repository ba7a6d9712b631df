package io.kairos.history.lifecycle;

/**
 * A signal or cancel request to another workflow: INITIATED -> DELIVERED (ExternalWorkflowExecutionSignaled /
 * ExternalWorkflowExecutionCancelRequested) or FAILED (SignalExternalWorkflowExecutionFailed /
 * RequestCancelExternalWorkflowExecutionFailed), both final.
 */
public final class ExternalRequestLifecycle {
    public enum State { INITIATED, DELIVERED, FAILED }

    public static final TransitionTable<State> SIGNAL = table("external signal");
    public static final TransitionTable<State> CANCEL = table("external cancel request");

    private ExternalRequestLifecycle() {
    }

    private static TransitionTable<State> table(String entity) {
        return TransitionTable.of(entity, State.class)
                .allow(State.INITIATED, State.DELIVERED, State.FAILED)
                .build();
    }
}
