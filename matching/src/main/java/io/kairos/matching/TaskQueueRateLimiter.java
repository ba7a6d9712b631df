package io.kairos.matching;

import io.temporal.api.enums.v1.RateLimitSource;
import io.temporal.api.taskqueue.v1.TaskQueueConfig;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse.EffectiveRateLimit;

import java.util.function.LongSupplier;

/**
 * How fast one task queue hands tasks to pollers, with Temporal's precedence: the queue rate limit set by
 * UpdateTaskQueueConfig (source API), else the rate the last poll asked for in {@code task_queue_metadata} (WORKER;
 * a poll without it clears it: the last poller wins), either one only when below the system default (SYSTEM).
 *
 * <p>A token bucket gates each dispatch: it refills at the effective rate and holds up to ceil(rate) tokens (at least
 * one), starting full, as Temporal's limiter does; a rate of zero holds none, which pauses dispatch. Temporal divides
 * the limit over its partitions; Kairos serves a queue as one partition, so the whole limit applies here.
 */
final class TaskQueueRateLimiter {
    /**
     * Temporal's default: min(admin.matchingNamespaceToPartitionDispatchRate 10,000, namespace-queue 1,000) per
     * partition, times its default 4 read partitions, which is what its DescribeTaskQueue reports for a queue.
     */
    static final double SYSTEM_RPS = 4_000;

    private final LongSupplier nanoTime;
    private final double systemRps;
    private Double apiRps;
    private Double workerRps;
    private double rate;
    private RateLimitSource source;
    private double burst;
    private double tokens;
    private long refilledAt;
    /** When a dispatch last found no token; Long.MIN_VALUE when never. */
    private long limitedAt = Long.MIN_VALUE;

    TaskQueueRateLimiter(LongSupplier nanoTime) {
        this(nanoTime, SYSTEM_RPS);
    }

    TaskQueueRateLimiter(LongSupplier nanoTime, double systemRps) {
        this.nanoTime = nanoTime;
        this.systemRps = systemRps;
        this.refilledAt = nanoTime.getAsLong();
        recompute();
        this.tokens = burst;
    }

    /** The queue rate limit a stored configuration sets, or null when it sets none (never set, or unset). */
    static Double apiRps(TaskQueueConfig config) {
        return config != null && config.getQueueRateLimit().hasRateLimit()
                ? (double) config.getQueueRateLimit().getRateLimit().getRequestsPerSecond() : null;
    }

    /** What DescribeTaskQueue reports for these inputs, without a bucket (a queue not loaded on this host). */
    static EffectiveRateLimit effective(Double apiRps, Double workerRps) {
        TaskQueueRateLimiter l = new TaskQueueRateLimiter(() -> 0L);
        l.apiRps = apiRps;
        l.workerRps = workerRps;
        l.recompute();
        return l.effective();
    }

    /** Applies a stored configuration's queue rate limit; true when the effective rate changed. */
    synchronized boolean setConfig(TaskQueueConfig config) {
        apiRps = apiRps(config);
        return recompute();
    }

    /** A poll's {@code max_tasks_per_second}, or null when it sent none; true when the effective rate changed. */
    synchronized boolean setWorkerRps(Double rps) {
        workerRps = rps;
        return recompute();
    }

    synchronized EffectiveRateLimit effective() {
        return EffectiveRateLimit.newBuilder().setRequestsPerSecond((float) rate).setRateLimitSource(source).build();
    }

    synchronized double ratePerSecond() {
        return rate;
    }

    /**
     * Takes a token for one dispatch. Returns 0 when taken, else how many nanoseconds until one is due
     * ({@link Long#MAX_VALUE} when the rate is zero: none ever is).
     */
    synchronized long tryAcquire() {
        refill();
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        limitedAt = refilledAt;
        if (!(rate > 0)) {
            return Long.MAX_VALUE;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / rate * 1e9));
    }

    /** Whether a dispatch had to wait for a token within {@code window}: DescribeTaskQueue's rate_limiting_active. */
    synchronized boolean limitedWithin(java.time.Duration window) {
        return limitedAt != Long.MIN_VALUE && nanoTime.getAsLong() - limitedAt <= window.toNanos();
    }

    /** Gives back a token taken for a dispatch that did not happen (no poll left, or the task was stale). */
    synchronized void recycle() {
        refill();
        tokens = Math.min(burst, tokens + 1);
    }

    private void refill() {
        long now = nanoTime.getAsLong();
        long elapsed = now - refilledAt;
        refilledAt = now;
        if (elapsed > 0 && rate > 0) {
            tokens = Math.min(burst, tokens + rate * elapsed / 1e9);
        }
    }

    /** Temporal's precedence; comparisons written so that NaN or infinity fall back to the system default. */
    private boolean recompute() {
        refill(); // tokens earned at the old rate stay earned
        double wanted = Double.POSITIVE_INFINITY;
        RateLimitSource wantedSource = RateLimitSource.RATE_LIMIT_SOURCE_UNSPECIFIED;
        if (apiRps != null) {
            wanted = apiRps;
            wantedSource = RateLimitSource.RATE_LIMIT_SOURCE_API;
        } else if (workerRps != null) {
            wanted = workerRps;
            wantedSource = RateLimitSource.RATE_LIMIT_SOURCE_WORKER;
        }
        double before = rate;
        if (wanted < systemRps) {
            rate = wanted;
            source = wantedSource;
        } else {
            rate = systemRps;
            source = RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM;
        }
        burst = rate > 0 ? Math.max(1, Math.ceil(rate)) : 0;
        tokens = Math.min(tokens, burst);
        return Double.compare(before, rate) != 0;
    }
}
