package io.kairos.common.errors;

/**
 * ALREADY_EXISTS with the archetype's AlreadyStarted detail: WorkflowExecutionAlreadyStartedFailure, or
 * NexusOperationExecutionAlreadyStartedFailure / ActivityExecutionAlreadyStartedFailure for standalone executions.
 */
public final class WorkflowAlreadyStartedException extends ApiException {
    /** Which execution kind's error detail Temporal sends. */
    public enum Archetype { WORKFLOW, NEXUS_OPERATION, ACTIVITY }

    private final String startRequestId;
    private final String runId;
    private final Archetype archetype;

    public WorkflowAlreadyStartedException(String message, String startRequestId, String runId) {
        this(message, startRequestId, runId, Archetype.WORKFLOW);
    }

    public WorkflowAlreadyStartedException(String message, String startRequestId, String runId, Archetype archetype) {
        super(message);
        this.startRequestId = startRequestId;
        this.runId = runId;
        this.archetype = archetype;
    }

    public String startRequestId() {
        return startRequestId;
    }

    public String runId() {
        return runId;
    }

    public Archetype archetype() {
        return archetype;
    }
}
