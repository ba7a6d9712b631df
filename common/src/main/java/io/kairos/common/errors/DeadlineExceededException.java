package io.kairos.common.errors;

/** The caller's deadline passed before the answer (a query no worker picked up). Temporal answers DEADLINE_EXCEEDED. */
public final class DeadlineExceededException extends ApiException {
    public DeadlineExceededException(String message) {
        super(message);
    }
}
