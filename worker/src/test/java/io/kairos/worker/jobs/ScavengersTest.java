package io.kairos.worker.jobs;

import io.kairos.persistence.matching.TaskQueueStore;
import io.kairos.persistence.membership.MembershipStore;
import io.kairos.worker.WorkerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The scavengers report what they deleted: Temporal's task queue scavenger gauges, and the membership reaper's counter. */
class ScavengersTest {
    /** A store whose {@code method} answers the given counts in turn (and whose other methods must not be called). */
    @SuppressWarnings("unchecked")
    private static <T> T answering(Class<T> type, String method, Deque<Integer> answers) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (p, m, args) -> {
            if (m.getName().equals(method)) {
                return answers.pop();
            }
            throw new UnsupportedOperationException(m.getName());
        });
    }

    @Test
    void theTaskQueueScavengerGaugesItsLastRun() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Deque<Integer> deleted = new ArrayDeque<>(List.of(7, 2, 0, 0));
        TaskQueueStore store = (TaskQueueStore) Proxy.newProxyInstance(TaskQueueStore.class.getClassLoader(),
                new Class<?>[]{TaskQueueStore.class}, (p, m, args) -> switch (m.getName()) {
                    case "deleteExpiredTasks", "deleteIdleStickyQueues" -> deleted.pop();
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        SystemJob job = Scavengers.taskQueueScavenger(store, new WorkerMetrics(registry));
        job.work().run();
        assertEquals(7.0, registry.get("task_deleted").tag("operation", "TaskQueueScavenger").gauge().value());
        assertEquals(2.0, registry.get("taskqueue_deleted").tag("operation", "TaskQueueScavenger").gauge().value());
        job.work().run(); // as Temporal's: the last run's totals, not a running sum
        assertEquals(0.0, registry.get("task_deleted").gauge().value());
        assertEquals(0.0, registry.get("taskqueue_deleted").gauge().value());
    }

    @Test
    void theMembershipReaperCountsTheRowsItDeleted() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SystemJob job = Scavengers.membershipReaper(answering(MembershipStore.class, "deleteExpired",
                new ArrayDeque<>(List.of(0, 3, 4))), new WorkerMetrics(registry));
        job.work().run();
        assertNull(registry.find("membership_reaper_deleted").counter(), "nothing deleted, nothing counted");
        job.work().run();
        job.work().run();
        assertEquals(7.0, registry.get("membership_reaper_deleted").tag("operation", "MembershipReaper").counter().count());
    }
}
