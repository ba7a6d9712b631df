package io.kairos.common.errors;

/** ALREADY_EXISTS without an error detail, as Temporal's serviceerror.AlreadyExists (e.g. a Nexus endpoint name). */
public final class AlreadyExistsException extends ApiException {
    public AlreadyExistsException(String message) {
        super(message);
    }
}
