package io.kairos.history.queue;

import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardId;
import io.kairos.history.HistoryMetrics;
import io.kairos.history.shard.ShardContext;
import io.kairos.history.testing.FakeExecutionStore;
import io.kairos.persistence.execution.QueueTask;
import io.kairos.proto.persistence.v1.ActivityTaskDispatch;
import io.kairos.proto.persistence.v1.CloseExecution;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.UserTimer;
import io.kairos.proto.persistence.v1.WorkflowTaskDispatch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Temporal's task_* meters from the queue processors: per attempt, per failure, per completed task. */
class QueueMetricsTest {
    private final FakeExecutionStore store = new FakeExecutionStore();
    private final ShardContext shard = new ShardContext(new ShardId(1), 3, null, new io.kairos.history.shard.GroupCommitter(store));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final NamespaceId ns = NamespaceId.random();
    private final HistoryMetrics metrics = new HistoryMetrics(registry, id -> id.equals(ns) ? "orders" : id.toString());
    private QueueProcessor processor;

    @AfterEach
    void stop() {
        if (processor != null) {
            processor.close();
        }
    }

    private HistoryTask.Builder task() {
        return HistoryTask.newBuilder().setNamespaceId(ns.toString()).setWorkflowId("wf")
                .setRunId(UUID.randomUUID().toString());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    private double count(String name, String operation) {
        var c = registry.find(name).tags("operation", operation, "task_type", operation, "namespace", "orders").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void transferTasksCountAttemptsFailuresDiscardsAndCompletions() throws Exception {
        AtomicBoolean failedOnce = new AtomicBoolean();
        QueueProcessor.TaskRunner runner = t -> {
            switch (t.getTaskCase()) {
                case ACTIVITY_TASK -> {
                    if (failedOnce.compareAndSet(false, true)) {
                        throw new IllegalStateException("matching unavailable");
                    }
                }
                case CLOSE_EXECUTION -> throw new NotFoundException("parent is gone");
                default -> {
                }
            }
        };
        store.transfer.put(1L, new QueueTask(1, null, task().setWorkflowTask(WorkflowTaskDispatch.getDefaultInstance()).build()));
        store.transfer.put(2L, new QueueTask(2, null, task().setActivityTask(ActivityTaskDispatch.getDefaultInstance()).build()));
        store.transfer.put(3L, new QueueTask(3, null, task().setCloseExecution(CloseExecution.getDefaultInstance()).build()));
        processor = new TransferQueueProcessor(shard, store, runner, Clock.systemUTC()).metrics(metrics);
        processor.start();
        await("all tasks acknowledged", store.transfer::isEmpty);

        assertEquals(1, count("task_requests", "TransferActiveTaskWorkflowTask"));
        assertEquals(0, count("task_errors", "TransferActiveTaskWorkflowTask"));
        assertEquals(2, count("task_requests", "TransferActiveTaskActivity"));
        assertEquals(1, count("task_errors", "TransferActiveTaskActivity"));
        assertEquals(1, count("task_requests", "TransferActiveTaskCloseExecution"));
        assertEquals(1, count("task_errors_discarded", "TransferActiveTaskCloseExecution"));

        var attempts = registry.find("task_attempt").tag("operation", "TransferActiveTaskActivity").summary();
        assertEquals(1, attempts.count());
        assertEquals(2, attempts.max());
        assertEquals(2, registry.find("task_latency_processing").tag("operation", "TransferActiveTaskActivity").timer().count());
        var inMemory = registry.find("task_latency").tag("operation", "TransferActiveTaskActivity").timer();
        var endToEnd = registry.find("task_latency_queue").tag("operation", "TransferActiveTaskActivity").timer();
        assertEquals(1, inMemory.count());
        assertEquals(1, endToEnd.count());
        // The retry's backoff (at least 200 ms) is in the end-to-end latency and not in the in-memory one.
        assertTrue(endToEnd.totalTime(TimeUnit.MILLISECONDS) >= 200, endToEnd.totalTime(TimeUnit.MILLISECONDS) + " ms");
        assertTrue(inMemory.totalTime(TimeUnit.MILLISECONDS) < endToEnd.totalTime(TimeUnit.MILLISECONDS));
    }

    @Test
    void aTimerIsQueuedFromItsFireTime() throws Exception {
        Instant fireAt = Instant.now().minusSeconds(5).truncatedTo(ChronoUnit.MICROS);
        store.insertTimer(new QueueTask(7, fireAt, task().setUserTimer(UserTimer.newBuilder().setTimerId("t")).build()));
        processor = new TimerQueueProcessor(shard, store, t -> { }, Clock.systemUTC()).metrics(metrics);
        processor.start();
        await("timer acknowledged", store.timers::isEmpty);

        assertEquals(1, count("task_requests", "TimerActiveTaskUserTimer"));
        var queued = registry.find("task_latency_queue").tags("operation", "TimerActiveTaskUserTimer",
                "namespace", "orders").timer();
        assertTrue(queued.totalTime(TimeUnit.MILLISECONDS) >= 5000, queued.totalTime(TimeUnit.MILLISECONDS) + " ms");
    }
}
