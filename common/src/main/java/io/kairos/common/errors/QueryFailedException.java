package io.kairos.common.errors;

import io.temporal.api.failure.v1.Failure;

/**
 * The worker answered a query with QUERY_RESULT_TYPE_FAILED. Temporal's QueryFailed: INVALID_ARGUMENT with a
 * QueryFailedFailure detail, which the SDK clients turn into their query exception.
 */
public final class QueryFailedException extends ApiException {
    private final Failure failure;

    /** @param failure the worker's failure, or null when it sent only a message */
    public QueryFailedException(String message, Failure failure) {
        super(message);
        this.failure = failure;
    }

    public Failure failure() {
        return failure;
    }
}
