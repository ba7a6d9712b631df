package io.kairos.history.engine;

import io.temporal.api.enums.v1.WorkflowTaskFailedCause;

/**
 * A command the worker sent cannot be applied. The workflow task fails with this cause (as in Temporal) and
 * the worker gets INVALID_ARGUMENT; nothing of the rejected completion is kept.
 */
public final class BadCommandException extends RuntimeException {
    private final WorkflowTaskFailedCause cause;

    public BadCommandException(WorkflowTaskFailedCause cause, String message) {
        super(message, null, false, false);
        this.cause = cause;
    }

    public WorkflowTaskFailedCause failedCause() {
        return cause;
    }
}
