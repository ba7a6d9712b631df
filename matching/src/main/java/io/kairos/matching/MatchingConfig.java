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
 * @param syncMatchWait        how long an add that found no waiting poll is offered to the next poll before it is
 *                             written to the backlog (zero: at once). A worker's pollers come back within
 *                             milliseconds, so under load most tasks are handed over without the backlog's insert and
 *                             delete (measured: 0.5 fewer commits per one-activity workflow at full load, where tasks
 *                             waited 0.4-0.7 s for a poll). The add's caller (history's transfer queue) keeps the task
 *                             in its outbox meanwhile, so nothing is acknowledged before it is started or committed.
 */
public record MatchingConfig(Duration longPollTimeout, Duration stickyPollerTimeout, Duration historyCallTimeout,
                             Duration idleQueueTimeout, Duration syncMatchWait) {
    public static final Duration DEFAULT_SYNC_MATCH_WAIT = Duration.ofSeconds(1);

    public MatchingConfig {
        requirePositive(longPollTimeout, "longPollTimeout");
        requirePositive(stickyPollerTimeout, "stickyPollerTimeout");
        requirePositive(historyCallTimeout, "historyCallTimeout");
        requirePositive(idleQueueTimeout, "idleQueueTimeout");
        Objects.requireNonNull(syncMatchWait, "syncMatchWait");
        if (syncMatchWait.isNegative()) {
            throw new IllegalArgumentException("syncMatchWait must not be negative, got " + syncMatchWait);
        }
    }

    public MatchingConfig(Duration longPollTimeout, Duration stickyPollerTimeout) {
        this(longPollTimeout, stickyPollerTimeout, Duration.ofSeconds(10), Duration.ofMinutes(10), DEFAULT_SYNC_MATCH_WAIT);
    }

    public static MatchingConfig defaults() {
        return new MatchingConfig(Duration.ofSeconds(60), Duration.ofSeconds(10));
    }

    public MatchingConfig withLongPollTimeout(Duration d) {
        return new MatchingConfig(d, stickyPollerTimeout, historyCallTimeout, idleQueueTimeout, syncMatchWait);
    }

    public MatchingConfig withStickyPollerTimeout(Duration d) {
        return new MatchingConfig(longPollTimeout, d, historyCallTimeout, idleQueueTimeout, syncMatchWait);
    }

    public MatchingConfig withHistoryCallTimeout(Duration d) {
        return new MatchingConfig(longPollTimeout, stickyPollerTimeout, d, idleQueueTimeout, syncMatchWait);
    }

    public MatchingConfig withIdleQueueTimeout(Duration d) {
        return new MatchingConfig(longPollTimeout, stickyPollerTimeout, historyCallTimeout, d, syncMatchWait);
    }

    public MatchingConfig withSyncMatchWait(Duration d) {
        return new MatchingConfig(longPollTimeout, stickyPollerTimeout, historyCallTimeout, idleQueueTimeout, d);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
