package io.kairos.common.errors;

/** Temporal's WorkflowNotReady: FAILED_PRECONDITION with a WorkflowNotReadyFailure detail. */
public final class WorkflowNotReadyException extends ApiException {
    public WorkflowNotReadyException(String message) {
        super(message);
    }
}
