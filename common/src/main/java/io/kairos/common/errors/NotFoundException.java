package io.kairos.common.errors;

/** NOT_FOUND with NotFoundFailure: a workflow, run, task or activity that does not exist (any more). */
public final class NotFoundException extends ApiException {
    public NotFoundException(String message) {
        super(message);
    }
}
