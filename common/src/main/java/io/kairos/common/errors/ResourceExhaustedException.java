package io.kairos.common.errors;

import io.temporal.api.enums.v1.ResourceExhaustedCause;

public final class ResourceExhaustedException extends ApiException {
    private final ResourceExhaustedCause cause;

    public ResourceExhaustedException(ResourceExhaustedCause cause, String message) {
        super(message);
        this.cause = cause;
    }

    public ResourceExhaustedCause resourceCause() {
        return cause;
    }
}
