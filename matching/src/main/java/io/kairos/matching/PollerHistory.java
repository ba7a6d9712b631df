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
 * liveness check. Kept apart from the queue's manager so that reloading the queue does not forget pollers, nor the
 * rate limit the last poll asked for.
 */
final class PollerHistory {
    /** Temporal reports pollers seen in the last 5 minutes. */
    static final Duration WINDOW = Duration.ofMinutes(5);
    /** Temporal's default poller rate limit, reported as the rate of a poller that asked for none. */
    static final double RATE_PER_SECOND = 100_000;

    private record Seen(Instant at, double ratePerSecond) {
    }

    private final Map<String, Seen> lastAccess = new ConcurrentHashMap<>();
    private final AtomicReference<Instant> lastPoll = new AtomicReference<>(Instant.EPOCH);
    private volatile Double workerRps;

    void record(String identity, Instant now) {
        record(identity, now, null);
    }

    /** @param workerRps the poll's {@code task_queue_metadata.max_tasks_per_second}, null when it sent none */
    void record(String identity, Instant now, Double workerRps) {
        Seen seen = new Seen(now, workerRps == null ? RATE_PER_SECOND : workerRps);
        lastAccess.merge(identity, seen, (a, b) -> a.at().isAfter(b.at()) ? a : b);
        lastPoll.accumulateAndGet(now, (a, b) -> a.isAfter(b) ? a : b);
        this.workerRps = workerRps;
    }

    /** The rate limit the last poll asked for, null when it asked for none. */
    Double workerRps() {
        return workerRps;
    }

    /** When any poller last polled (the epoch when none did). */
    Instant lastPoll() {
        return lastPoll.get();
    }

    /** Pollers seen within {@link #WINDOW}, most recent first. */
    List<PollerInfo> recent(Instant now) {
        Instant since = now.minus(WINDOW);
        return lastAccess.entrySet().stream()
                .filter(e -> e.getValue().at().isAfter(since))
                .sorted(Comparator.comparing((Map.Entry<String, Seen> e) -> e.getValue().at()).reversed())
                .map(e -> PollerInfo.newBuilder()
                        .setIdentity(e.getKey())
                        .setLastAccessTime(Timestamps.fromMillis(e.getValue().at().toEpochMilli()))
                        .setRatePerSecond(e.getValue().ratePerSecond())
                        .build())
                .toList();
    }

    /** Forgets pollers older than the window; true when none is left. */
    boolean prune(Instant now) {
        Instant since = now.minus(WINDOW);
        lastAccess.values().removeIf(t -> !t.at().isAfter(since));
        return lastAccess.isEmpty();
    }
}
