package io.kairos.matching;

import com.google.protobuf.util.Timestamps;
import io.temporal.api.taskqueue.v1.PollerInfo;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Who polled one task queue on this host, and when last: DescribeTaskQueue's pollers and the sticky-worker
 * liveness check. Kept apart from the queue's manager so that reloading the queue does not forget pollers.
 */
final class PollerHistory {
    /** Temporal reports pollers seen in the last 5 minutes. */
    static final Duration WINDOW = Duration.ofMinutes(5);
    /** Temporal's default poller rate limit, reported as each poller's rate. */
    static final double RATE_PER_SECOND = 100_000;

    private final Map<String, Instant> lastAccess = new ConcurrentHashMap<>();
    private final AtomicReference<Instant> lastPoll = new AtomicReference<>(Instant.EPOCH);

    void record(String identity, Instant now) {
        lastAccess.merge(identity, now, (a, b) -> a.isAfter(b) ? a : b);
        lastPoll.accumulateAndGet(now, (a, b) -> a.isAfter(b) ? a : b);
    }

    /** When any poller last polled (the epoch when none did). */
    Instant lastPoll() {
        return lastPoll.get();
    }

    /** Pollers seen within {@link #WINDOW}, most recent first. */
    List<PollerInfo> recent(Instant now) {
        Instant since = now.minus(WINDOW);
        return lastAccess.entrySet().stream()
                .filter(e -> e.getValue().isAfter(since))
                .sorted(Map.Entry.<String, Instant>comparingByValue(Comparator.reverseOrder()))
                .map(e -> PollerInfo.newBuilder()
                        .setIdentity(e.getKey())
                        .setLastAccessTime(Timestamps.fromMillis(e.getValue().toEpochMilli()))
                        .setRatePerSecond(RATE_PER_SECOND)
                        .build())
                .toList();
    }

    /** Forgets pollers older than the window; true when none is left. */
    boolean prune(Instant now) {
        Instant since = now.minus(WINDOW);
        lastAccess.values().removeIf(t -> !t.isAfter(since));
        return lastAccess.isEmpty();
    }
}
