package io.kairos.common.errors;

/** PERMISSION_DENIED with PermissionDeniedFailure, as Temporal answers requests for behaviour it does not allow. */
public final class PermissionDeniedException extends ApiException {
    public PermissionDeniedException(String message) {
        super(message);
    }
}
