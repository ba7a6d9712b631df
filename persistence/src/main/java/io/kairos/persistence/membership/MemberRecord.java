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
        return portOf(address);
    }

    /** The port of host:port, or 0 (an in-process address such as {@code inprocess:name/role} has none). */
    static int portOf(String address) {
        int i = address.lastIndexOf(':');
        String digits = address.substring(i + 1);
        if (i < 0 || digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(Character::isDigit)) {
            return 0; // checked first: the membership heartbeat ran into this every second, as an exception
        }
        int p = Integer.parseInt(digits);
        return p <= 65535 ? p : 0;
    }
}
