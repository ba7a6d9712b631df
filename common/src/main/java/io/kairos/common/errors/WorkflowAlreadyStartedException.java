package io.kairos.common.errors;

/** ALREADY_EXISTS with WorkflowExecutionAlreadyStartedFailure. */
public final class WorkflowAlreadyStartedException extends ApiException {
    private final String startRequestId;
    private final String runId;

    public WorkflowAlreadyStartedException(String message, String startRequestId, String runId) {
        super(message);
        this.startRequestId = startRequestId;
        this.runId = runId;
    }

    public String startRequestId() {
        return startRequestId;
    }

    public String runId() {
        return runId;
    }
}
