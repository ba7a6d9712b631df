package io.kairos.persistence.membership;

import io.kairos.common.config.ServiceRole;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One service of one process in {@code cluster_membership}: where peers dial it ({@code address}, host:port), who it
 * is for people ({@code identity}, hostname:pid), and its heartbeat. Times are the database's clock.
 */
public record MemberRecord(UUID hostId, UUID processId, ServiceRole role, String address, String identity,
                           Instant sessionStart, Instant lastHeartbeat, Instant expiresAt) {
    public MemberRecord {
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(address, "address");
    }

    /** The host part of host:port. */
    public String host() {
        int i = address.lastIndexOf(':');
        return i < 0 ? address : address.substring(0, i);
    }

    /** The port of host:port, or 0. */
    public int port() {
        int i = address.lastIndexOf(':');
        if (i < 0) {
            return 0;
        }
        try {
            return Integer.parseInt(address.substring(i + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
