package io.kairos.common.errors;

public final class NamespaceAlreadyExistsException extends ApiException {
    public NamespaceAlreadyExistsException(String message) {
        super(message);
    }
}
