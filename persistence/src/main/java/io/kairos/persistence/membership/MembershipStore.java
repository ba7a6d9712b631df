package io.kairos.persistence.membership;

import io.kairos.common.config.ServiceRole;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** {@code cluster_membership}: heartbeats of every process's services, on the database's clock. */
public interface MembershipStore {
    /** One service to register: its own id and where peers dial it. */
    record Registration(UUID hostId, ServiceRole role, String address) {
    }

    /**
     * Writes the heartbeats of this process's services (inserting them on the first call) with expiry now + ttl, and
     * returns every live member, these included: one transaction.
     *
     * @param evictOthers delete every other member first (dev mode: one process owns the embedded database)
     */
    List<MemberRecord> heartbeat(UUID processId, String identity, List<Registration> services, Duration ttl,
                                 boolean evictOthers);

    /**
     * Removes rows of the same role and address left by a process that is gone: a process now listening on that
     * address means the old one cannot be (a pod restarted in place).
     */
    int evictPredecessors(UUID processId, List<Registration> services);

    /** Deletes this process's rows (graceful leave): peers see the members gone at their next refresh. */
    void leave(UUID processId);

    /** Every row, live or expired, for operators. */
    List<MemberRecord> all();

    /** Deletes rows expired longer ago than {@code olderThan}; returns how many. */
    int deleteExpired(Duration olderThan);
}
