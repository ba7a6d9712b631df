package io.kairos.common.errors;

/** A dependency (database, another service) cannot be reached now; the caller may retry. */
public final class UnavailableException extends ApiException {
    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
