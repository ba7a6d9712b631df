package io.kairos.matching;

import io.temporal.api.enums.v1.RateLimitSource;
import io.temporal.api.taskqueue.v1.RateLimit;
import io.temporal.api.taskqueue.v1.RateLimitConfig;
import io.temporal.api.taskqueue.v1.TaskQueueConfig;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskQueueRateLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private void advanceMillis(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private static TaskQueueConfig queueLimit(float rps) {
        return TaskQueueConfig.newBuilder().setQueueRateLimit(RateLimitConfig.newBuilder()
                .setRateLimit(RateLimit.newBuilder().setRequestsPerSecond(rps))).build();
    }

    /** An unset limit keeps its metadata but has no rate. */
    private static TaskQueueConfig unsetLimit() {
        return TaskQueueConfig.newBuilder().setQueueRateLimit(RateLimitConfig.newBuilder()
                .setMetadata(io.temporal.api.taskqueue.v1.ConfigMetadata.newBuilder().setReason("gone"))).build();
    }

    private static void assertEffective(TaskQueueRateLimiter l, double rps, RateLimitSource source) {
        assertEquals((float) rps, l.effective().getRequestsPerSecond());
        assertEquals(source, l.effective().getRateLimitSource());
    }

    @Test
    void theBucketStartsFullHoldsCeilOfTheRateAndRefillsAtTheRate() {
        TaskQueueRateLimiter l = new TaskQueueRateLimiter(now::get);
        l.setConfig(queueLimit(2));
        assertEquals(0, l.tryAcquire());
        assertEquals(0, l.tryAcquire());
        assertFalse(l.limitedWithin(java.time.Duration.ofSeconds(30)), "nothing waited yet");
        long wait = l.tryAcquire();
        assertTrue(l.limitedWithin(java.time.Duration.ofSeconds(30)));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(500), wait, "the third token is due after 1/rate");

        advanceMillis(250);
        assertTrue(l.tryAcquire() > 0, "half a token is not enough");
        advanceMillis(250);
        assertEquals(0, l.tryAcquire());

        advanceMillis(60_000);
        assertFalse(l.limitedWithin(java.time.Duration.ofSeconds(30)), "a minute ago is not recent");
        assertEquals(0, l.tryAcquire());
        assertEquals(0, l.tryAcquire());
        assertTrue(l.tryAcquire() > 0, "an idle minute still allows only a burst of ceil(2)");
    }

    @Test
    void aFractionalRateStillAllowsOneAtATime() {
        TaskQueueRateLimiter l = new TaskQueueRateLimiter(now::get);
        l.setConfig(queueLimit(0.5f));
        assertEquals(0, l.tryAcquire());
        assertEquals(TimeUnit.SECONDS.toNanos(2), l.tryAcquire());
        advanceMillis(2_000);
        assertEquals(0, l.tryAcquire());
    }

    @Test
    void zeroPausesDispatchUntilTheRateGoesUp() {
        TaskQueueRateLimiter l = new TaskQueueRateLimiter(now::get);
        l.setConfig(queueLimit(0));
        assertEffective(l, 0, RateLimitSource.RATE_LIMIT_SOURCE_API);
        assertEquals(Long.MAX_VALUE, l.tryAcquire());
        advanceMillis(3_600_000);
        assertEquals(Long.MAX_VALUE, l.tryAcquire(), "nothing accrues at rate zero");

        assertTrue(l.setConfig(queueLimit(10)));
        assertTrue(l.tryAcquire() > 0, "a raised rate starts from an empty bucket");
        advanceMillis(100);
        assertEquals(0, l.tryAcquire());
    }

    @Test
    void aRecycledTokenCanBeTakenAgainButNeverOverfillsTheBucket() {
        TaskQueueRateLimiter l = new TaskQueueRateLimiter(now::get);
        l.setConfig(queueLimit(1));
        assertEquals(0, l.tryAcquire());
        assertTrue(l.tryAcquire() > 0);
        l.recycle();
        assertEquals(0, l.tryAcquire());
        l.recycle();
        l.recycle();
        assertEquals(0, l.tryAcquire());
        assertTrue(l.tryAcquire() > 0, "the bucket holds one token at 1/s");
    }

    @Test
    void apiBeatsWorkerBeatsSystemAndTheSystemDefaultCapsBoth() {
        TaskQueueRateLimiter l = new TaskQueueRateLimiter(now::get);
        assertEffective(l, TaskQueueRateLimiter.SYSTEM_RPS, RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM);

        assertTrue(l.setWorkerRps(7.0));
        assertEffective(l, 7, RateLimitSource.RATE_LIMIT_SOURCE_WORKER);
        assertTrue(l.setConfig(queueLimit(3)));
        assertEffective(l, 3, RateLimitSource.RATE_LIMIT_SOURCE_API);
        assertTrue(l.setConfig(queueLimit(30)));
        assertEffective(l, 30, RateLimitSource.RATE_LIMIT_SOURCE_API);
        assertFalse(l.setWorkerRps(1.0), "a worker's rate does not matter while the API sets one");
        assertEffective(l, 30, RateLimitSource.RATE_LIMIT_SOURCE_API);

        assertTrue(l.setConfig(queueLimit(1_000_000)));
        assertEffective(l, TaskQueueRateLimiter.SYSTEM_RPS, RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM);

        assertTrue(l.setConfig(unsetLimit()));
        assertEffective(l, 1, RateLimitSource.RATE_LIMIT_SOURCE_WORKER);
        assertTrue(l.setWorkerRps(null), "a poll without a rate clears the worker's");
        assertEffective(l, TaskQueueRateLimiter.SYSTEM_RPS, RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM);
        l.setWorkerRps(1e9);
        assertEffective(l, TaskQueueRateLimiter.SYSTEM_RPS, RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM);
        l.setConfig(queueLimit(Float.NaN));
        assertEffective(l, TaskQueueRateLimiter.SYSTEM_RPS, RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM);
    }

    @Test
    void theStoredConfigurationMapsToAnApiRate() {
        assertNull(TaskQueueRateLimiter.apiRps(null));
        assertNull(TaskQueueRateLimiter.apiRps(TaskQueueConfig.getDefaultInstance()));
        assertNull(TaskQueueRateLimiter.apiRps(unsetLimit()));
        assertEquals(2.5, TaskQueueRateLimiter.apiRps(queueLimit(2.5f)));
        var e = TaskQueueRateLimiter.effective(null, 12.0);
        assertEquals(12, e.getRequestsPerSecond());
        assertEquals(RateLimitSource.RATE_LIMIT_SOURCE_WORKER, e.getRateLimitSource());
    }
}
