package io.kairos.membership;

import java.time.Duration;
import java.util.Objects;

/**
 * Membership timings.
 *
 * @param heartbeatInterval how often a process writes its heartbeat and re-reads the live members: joins and leaves
 *                          are seen within about this long
 * @param ttl               a member whose last heartbeat is older than this is gone: a crashed host's shards and
 *                          queues move after it. The default (5 s) keeps takeover well inside the SDKs' 10 s RPC
 *                          timeout, so a worker's call that waits for the new owner still succeeds.
 */
public record MembershipConfig(Duration heartbeatInterval, Duration ttl) {
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(5);

    public MembershipConfig {
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(ttl, "ttl");
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("membership heartbeat interval must be positive, got " + heartbeatInterval);
        }
        if (ttl.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("membership ttl (" + ttl + ") must be at least twice the heartbeat interval ("
                    + heartbeatInterval + ")");
        }
    }

    public static MembershipConfig defaults() {
        return new MembershipConfig(DEFAULT_HEARTBEAT, DEFAULT_TTL);
    }
}
