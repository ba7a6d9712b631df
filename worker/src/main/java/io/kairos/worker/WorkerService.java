package io.kairos.worker;

import io.kairos.persistence.matching.TaskQueueStore;
import io.kairos.persistence.membership.MembershipStore;
import io.kairos.persistence.systemjob.SystemJobLeaseStore;
import io.kairos.worker.jobs.Scavengers;
import io.kairos.worker.jobs.SystemJobRunner;

import java.time.Duration;
import java.util.List;

/**
 * The worker service: system jobs, each run by exactly one worker process at a time however many run. Today those
 * are the scavengers (expired membership rows, expired backlog tasks, idle sticky queues); schedules and batch
 * operations arrive with their own issue.
 */
public final class WorkerService implements AutoCloseable {
    static final Duration CHECK = Duration.ofSeconds(5);
    static final Duration LEASE_TTL = Duration.ofSeconds(30);

    private final SystemJobRunner runner;

    /** @param identity this process as leases record it (hostname:pid) */
    public WorkerService(SystemJobLeaseStore leases, String identity, MembershipStore membership, TaskQueueStore queues) {
        this.runner = new SystemJobRunner(leases, identity, List.of(Scavengers.membershipReaper(membership),
                Scavengers.taskQueueScavenger(queues)), CHECK, LEASE_TTL);
    }

    public void start() {
        runner.start();
    }

    @Override
    public void close() {
        runner.close();
    }
}
