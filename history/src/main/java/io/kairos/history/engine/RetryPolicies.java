package io.kairos.history.engine;

import com.google.protobuf.Duration;
import io.temporal.api.common.v1.RetryPolicy;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.api.failure.v1.Failure;

import java.time.Instant;

/** Temporal's retry rules: defaults, backoff, and when to stop. */
public final class RetryPolicies {
    static final Duration DEFAULT_INITIAL_INTERVAL = Duration.newBuilder().setSeconds(1).build();
    static final double DEFAULT_BACKOFF_COEFFICIENT = 2.0;
    static final int DEFAULT_MAX_INTERVAL_FACTOR = 100;

    /** Either a backoff to wait before the next attempt, or the retry state to record when giving up. */
    public record Decision(java.time.Duration backoff, RetryState stopState) {
        public boolean retry() {
            return backoff != null;
        }
    }

    private RetryPolicies() {
    }

    /** Fills Temporal's defaults: initial 1 s, coefficient 2.0, maximum interval 100 x initial, unlimited attempts. */
    public static RetryPolicy withDefaults(RetryPolicy p) {
        RetryPolicy.Builder b = p.toBuilder();
        if (Times.isZero(b.getInitialInterval())) {
            b.setInitialInterval(DEFAULT_INITIAL_INTERVAL);
        }
        if (b.getBackoffCoefficient() == 0) {
            b.setBackoffCoefficient(DEFAULT_BACKOFF_COEFFICIENT);
        }
        if (Times.isZero(b.getMaximumInterval())) {
            java.time.Duration max = Times.duration(b.getInitialInterval()).multipliedBy(DEFAULT_MAX_INTERVAL_FACTOR);
            b.setMaximumInterval(Times.proto(max));
        }
        return b.build();
    }

    /**
     * @param attempt  the attempt that just failed (1-based)
     * @param deadline schedule-to-close deadline, or null when there is none
     */
    public static Decision next(RetryPolicy p, int attempt, Failure failure, Instant now, Instant deadline) {
        if (nonRetryable(p, failure)) {
            return new Decision(null, RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
        }
        if (p.getMaximumAttempts() > 0 && attempt >= p.getMaximumAttempts()) {
            return new Decision(null, RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
        }
        java.time.Duration backoff = backoff(p, attempt);
        if (failure.hasApplicationFailureInfo() && failure.getApplicationFailureInfo().hasNextRetryDelay()) {
            backoff = Times.duration(failure.getApplicationFailureInfo().getNextRetryDelay());
        }
        if (deadline != null && now.plus(backoff).isAfter(deadline)) {
            return new Decision(null, RetryState.RETRY_STATE_TIMEOUT);
        }
        return new Decision(backoff, RetryState.RETRY_STATE_IN_PROGRESS);
    }

    /** A failure no retry policy retries: marked non-retryable, or of one of the policy's non-retryable types. */
    public static boolean nonRetryable(RetryPolicy p, Failure failure) {
        if (failure.hasServerFailureInfo() && failure.getServerFailureInfo().getNonRetryable()) {
            return true;
        }
        if (failure.hasApplicationFailureInfo()) {
            var info = failure.getApplicationFailureInfo();
            return info.getNonRetryable() || p.getNonRetryableErrorTypesList().contains(info.getType());
        }
        return false;
    }

    public static java.time.Duration backoff(RetryPolicy p, int attempt) {
        double initialMs = Times.duration(p.getInitialInterval()).toMillis();
        double ms = initialMs * Math.pow(p.getBackoffCoefficient(), attempt - 1);
        double maxMs = Times.duration(p.getMaximumInterval()).toMillis();
        return java.time.Duration.ofMillis((long) Math.min(ms, maxMs));
    }
}
