package io.kairos.common.errors;

import java.util.Collections;
import java.util.List;

/**
 * ExecuteMultiOperation failed: one status per operation (MultiOperationExecutionFailure). An operation's entry is
 * null when it succeeded (OK), {@link #ABORTED} when it was not run because another failed, or its own error.
 */
public final class MultiOperationExecutionException extends ApiException {
    /** Marker for an operation aborted because another one failed (ABORTED with MultiOperationExecutionAborted). */
    public static final RuntimeException ABORTED = new RuntimeException("Operation was aborted.", null, false, false) {
    };

    private final List<Throwable> operationErrors;

    public MultiOperationExecutionException(String message, List<Throwable> operationErrors) {
        super(message);
        this.operationErrors = Collections.unmodifiableList(new java.util.ArrayList<>(operationErrors));
    }

    public List<Throwable> operationErrors() {
        return operationErrors;
    }
}
