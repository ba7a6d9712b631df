package io.kairos.matching;

import java.time.Duration;

/**
 * Matching timings.
 *
 * @param longPollTimeout      how long a poll waits before answering an empty response (Temporal: about 60 s,
 *                             under the SDKs' 70 s deadline)
 * @param stickyPollerTimeout  a sticky queue with no poll for this long is considered gone
 */
public record MatchingConfig(Duration longPollTimeout, Duration stickyPollerTimeout) {
    public static MatchingConfig defaults() {
        return new MatchingConfig(Duration.ofSeconds(60), Duration.ofSeconds(10));
    }
}
