package io.kairos.persistence.systemjob;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code system_job_leases}: which worker process runs each system job. A lease is held until {@code expires_at} (on
 * the database clock); taking it bumps {@code range_id}, so the previous holder's next renewal fails and it stops.
 */
public interface SystemJobLeaseStore {
    /** One lease, for operators. */
    record Lease(String job, String owner, long rangeId, java.time.Instant expiresAt) {
    }

    /**
     * Takes the job's lease for {@code ttl} when it is free, expired, or already {@code owner}'s.
     *
     * @return the new range_id, or empty when another owner holds a live lease
     */
    OptionalLong tryAcquire(String job, String owner, Duration ttl);

    /**
     * Takes the job's lease whoever holds it (dev mode, where this process is the only one on its database and a
     * lease left by a killed predecessor must not wait out its ttl).
     */
    long forceAcquire(String job, String owner, Duration ttl);

    /** Extends a held lease; false when another owner took it meanwhile (range_id moved). */
    boolean renew(String job, String owner, long rangeId, Duration ttl);

    /**
     * Extends several held leases of one owner in one statement (a worker holds up to 64 bucket leases: one
     * transaction per check, not one commit each).
     *
     * @param held job name to the range_id held
     * @return the jobs renewed; the others were taken by another owner meanwhile
     */
    java.util.Set<String> renewAll(java.util.Map<String, Long> held, String owner, Duration ttl);

    /** Ends a held lease now, so another worker may take the job at once. */
    void release(String job, String owner, long rangeId);

    List<Lease> all();
}
