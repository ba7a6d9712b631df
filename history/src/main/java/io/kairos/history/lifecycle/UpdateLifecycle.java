package io.kairos.history.lifecycle;

/**
 * Workflow update: ADMITTED (in memory, waiting for a workflow task) -> SENT (in a started workflow task's messages)
 * -> ACCEPTED (WorkflowExecutionUpdateAccepted) -> COMPLETED (WorkflowExecutionUpdateCompleted). The worker may
 * answer an update it has not been sent yet (Temporal allows acceptance from ADMITTED). REJECTED (by the worker's
 * validator, or by the server when the worker ignored it) writes no event. ABORTED: the run closed first; an accepted
 * update then completes with Temporal's AcceptedUpdateCompletedWorkflow failure, an earlier one with an error.
 */
public final class UpdateLifecycle {
    public enum State { ADMITTED, SENT, ACCEPTED, COMPLETED, REJECTED, ABORTED }

    public static final TransitionTable<State> TABLE = TransitionTable.of("workflow update", State.class)
            .allow(State.ADMITTED, State.SENT, State.ACCEPTED, State.REJECTED, State.ABORTED)
            .allow(State.SENT, State.ACCEPTED, State.REJECTED, State.ABORTED)
            .allow(State.ACCEPTED, State.COMPLETED, State.ABORTED)
            .build();

    private UpdateLifecycle() {
    }
}
