package io.kairos.common.errors;

public final class FailedPreconditionException extends ApiException {
    public FailedPreconditionException(String message) {
        super(message);
    }
}
