package io.kairos.history.engine;

import com.google.protobuf.Duration;
import io.temporal.api.common.v1.RetryPolicy;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.api.failure.v1.ApplicationFailureInfo;
import io.temporal.api.failure.v1.Failure;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPoliciesTest {
    private static final Failure PLAIN = Failure.newBuilder().setMessage("boom")
            .setApplicationFailureInfo(ApplicationFailureInfo.newBuilder().setType("Boom")).build();
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void temporalDefaults() {
        RetryPolicy p = RetryPolicies.withDefaults(RetryPolicy.getDefaultInstance());
        assertEquals(1, p.getInitialInterval().getSeconds());
        assertEquals(2.0, p.getBackoffCoefficient());
        assertEquals(100, p.getMaximumInterval().getSeconds());
        assertEquals(0, p.getMaximumAttempts());
    }

    @Test
    void exponentialBackoffCappedByMaximumInterval() {
        RetryPolicy p = RetryPolicies.withDefaults(RetryPolicy.getDefaultInstance());
        assertEquals(java.time.Duration.ofSeconds(1), RetryPolicies.next(p, 1, PLAIN, NOW, null).backoff());
        assertEquals(java.time.Duration.ofSeconds(2), RetryPolicies.next(p, 2, PLAIN, NOW, null).backoff());
        assertEquals(java.time.Duration.ofSeconds(64), RetryPolicies.next(p, 7, PLAIN, NOW, null).backoff());
        assertEquals(java.time.Duration.ofSeconds(100), RetryPolicies.next(p, 8, PLAIN, NOW, null).backoff());
    }

    @Test
    void stopsAtMaximumAttempts() {
        RetryPolicy p = RetryPolicies.withDefaults(RetryPolicy.newBuilder().setMaximumAttempts(3).build());
        assertTrue(RetryPolicies.next(p, 2, PLAIN, NOW, null).retry());
        var d = RetryPolicies.next(p, 3, PLAIN, NOW, null);
        assertFalse(d.retry());
        assertEquals(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED, d.stopState());
    }

    @Test
    void nonRetryableFailuresStop() {
        RetryPolicy p = RetryPolicies.withDefaults(RetryPolicy.newBuilder().addNonRetryableErrorTypes("Boom").build());
        assertEquals(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE, RetryPolicies.next(p, 1, PLAIN, NOW, null).stopState());
        Failure flagged = PLAIN.toBuilder().setApplicationFailureInfo(ApplicationFailureInfo.newBuilder().setNonRetryable(true)).build();
        RetryPolicy any = RetryPolicies.withDefaults(RetryPolicy.getDefaultInstance());
        assertEquals(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE, RetryPolicies.next(any, 1, flagged, NOW, null).stopState());
    }

    @Test
    void noRetryPastTheScheduleToCloseDeadline() {
        RetryPolicy p = RetryPolicies.withDefaults(RetryPolicy.newBuilder().setInitialInterval(Duration.newBuilder().setSeconds(10)).build());
        var d = RetryPolicies.next(p, 1, PLAIN, NOW, NOW.plusSeconds(5));
        assertFalse(d.retry());
        assertEquals(RetryState.RETRY_STATE_TIMEOUT, d.stopState());
    }
}
