package io.kairos.common.errors;

public final class InvalidArgumentException extends ApiException {
    public InvalidArgumentException(String message) {
        super(message);
    }
}
