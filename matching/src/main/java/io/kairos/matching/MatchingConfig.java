package io.kairos.matching;

import java.time.Duration;
import java.util.Objects;

/**
 * Matching timings.
 *
 * @param longPollTimeout      how long a poll waits before answering an empty response (Temporal: about 60 s,
 *                             under the SDKs' 70 s deadline)
 * @param stickyPollerTimeout  a sticky queue with no poll for this long is considered gone
 * @param historyCallTimeout   deadline of one Record*TaskStarted call to history
 * @param idleQueueTimeout     a loaded queue with no poll, add or in-flight work for this long is unloaded (its
 *                             backlog stays in the database); at least the 5 min DescribeTaskQueue reports pollers
 */
public record MatchingConfig(Duration longPollTimeout, Duration stickyPollerTimeout, Duration historyCallTimeout,
                             Duration idleQueueTimeout) {
    public MatchingConfig {
        requirePositive(longPollTimeout, "longPollTimeout");
        requirePositive(stickyPollerTimeout, "stickyPollerTimeout");
        requirePositive(historyCallTimeout, "historyCallTimeout");
        requirePositive(idleQueueTimeout, "idleQueueTimeout");
    }

    public MatchingConfig(Duration longPollTimeout, Duration stickyPollerTimeout) {
        this(longPollTimeout, stickyPollerTimeout, Duration.ofSeconds(10), Duration.ofMinutes(10));
    }

    public static MatchingConfig defaults() {
        return new MatchingConfig(Duration.ofSeconds(60), Duration.ofSeconds(10));
    }

    public MatchingConfig withLongPollTimeout(Duration d) {
        return new MatchingConfig(d, stickyPollerTimeout, historyCallTimeout, idleQueueTimeout);
    }

    public MatchingConfig withStickyPollerTimeout(Duration d) {
        return new MatchingConfig(longPollTimeout, d, historyCallTimeout, idleQueueTimeout);
    }

    public MatchingConfig withHistoryCallTimeout(Duration d) {
        return new MatchingConfig(longPollTimeout, stickyPollerTimeout, d, idleQueueTimeout);
    }

    public MatchingConfig withIdleQueueTimeout(Duration d) {
        return new MatchingConfig(longPollTimeout, stickyPollerTimeout, historyCallTimeout, d);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
