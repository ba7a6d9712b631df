package io.kairos.worker.jobs;

import io.kairos.persistence.matching.TaskQueueStore;
import io.kairos.persistence.membership.MembershipStore;
import io.kairos.worker.WorkerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/** The cleanup jobs: what Temporal's worker service scavengers do for membership rows and task queues. */
public final class Scavengers {
    private static final Logger log = LoggerFactory.getLogger(Scavengers.class);
    private static final int BATCH = 1000;

    private Scavengers() {
    }

    /** Membership rows of processes gone for an hour (a crashed process's rows stay past their ttl until then). */
    public static SystemJob membershipReaper(MembershipStore store, WorkerMetrics metrics) {
        return new SystemJob("membership-reaper", Duration.ofMinutes(1), () -> {
            int n = store.deleteExpired(Duration.ofHours(1));
            metrics.membershipRowsDeleted(n);
            if (n > 0) {
                log.info("component=worker job=membership-reaper msg=\"deleted expired membership rows\" count={}", n);
            }
        });
    }

    /** Expired backlog tasks, and sticky queues idle for two days with nothing in them. */
    public static SystemJob taskQueueScavenger(TaskQueueStore store, WorkerMetrics metrics) {
        return new SystemJob("task-queue-scavenger", Duration.ofMinutes(5), () -> {
            int tasks = store.deleteExpiredTasks(Duration.ofMinutes(1), BATCH);
            int queues = store.deleteIdleStickyQueues(Duration.ofDays(2), BATCH);
            metrics.taskQueueScavengerRun(tasks, queues);
            if (tasks > 0 || queues > 0) {
                log.info("component=worker job=task-queue-scavenger msg=\"scavenged\" expired_tasks={} idle_sticky_queues={}",
                        tasks, queues);
            }
        });
    }
}
