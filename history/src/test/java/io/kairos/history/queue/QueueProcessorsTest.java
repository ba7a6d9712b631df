package io.kairos.history.queue;

import io.kairos.common.ids.ShardId;
import io.kairos.history.shard.ShardContext;
import io.kairos.history.testing.FakeExecutionStore;
import io.kairos.persistence.execution.QueueTask;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.UserTimer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The outbox processors: hand-off from commits, reading the tables, running each task once, deleting it after. */
class QueueProcessorsTest {
    private final FakeExecutionStore store = new FakeExecutionStore();
    private final ShardContext shard = new ShardContext(new ShardId(1), 3, null, new io.kairos.history.shard.GroupCommitter(store));
    private final Map<String, Instant> ran = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final List<String> order = new CopyOnWriteArrayList<>();
    private volatile String failOnce = "";
    private QueueProcessor processor;

    private final QueueProcessor.TaskRunner runner = t -> {
        String name = t.getUserTimer().getTimerId();
        if (name.equals(failOnce)) {
            failOnce = "";
            throw new IllegalStateException("first attempt fails");
        }
        runs.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
        ran.putIfAbsent(name, Instant.now());
        order.add(name);
    };

    @AfterEach
    void stop() {
        if (processor != null) {
            processor.close();
        }
    }

    private static QueueTask task(long id, Instant at, String name) {
        return new QueueTask(id, at == null ? null : at.truncatedTo(ChronoUnit.MICROS),
                HistoryTask.newBuilder().setUserTimer(UserTimer.newBuilder().setTimerId(name)).build());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void transferTasksFromTheTableAndFromCommitsRunOnceAndAreDeleted() throws Exception {
        store.transfer.put(1L, task(1, null, "earlier-owner"));
        processor = new TransferQueueProcessor(shard, store, runner, Clock.systemUTC());
        processor.start();
        await("the earlier owner's task", () -> ran.containsKey("earlier-owner"));

        // A commit hands its task over; the same row is in the table, as after a real commit.
        QueueTask committed = task(2, null, "committed");
        store.transfer.put(2L, committed);
        shard.tasksCommitted(List.of(committed), List.of());
        await("the committed task", () -> ran.containsKey("committed"));
        await("both rows deleted", store.transfer::isEmpty);
        int reads = store.transferReads.size();

        // An unknown commit outcome: the row may exist without a hand-off, so the table is read again.
        store.transfer.put(3L, task(3, null, "unknown-outcome"));
        shard.commitOutcomeUnknown();
        await("the task only the table knows", () -> ran.containsKey("unknown-outcome"));
        assertTrue(store.transferReads.size() > reads);
        runs.forEach((name, n) -> assertEquals(1, n.get(), name + " ran once"));
    }

    @Test
    void aFailedTaskIsRetriedAndDeletedOnlyAfterItSucceeded() throws Exception {
        failOnce = "flaky";
        processor = new TransferQueueProcessor(shard, store, runner, Clock.systemUTC());
        processor.start();
        QueueTask t = task(5, null, "flaky");
        store.transfer.put(5L, t);
        shard.tasksCommitted(List.of(t), List.of());
        await("the retry", () -> ran.containsKey("flaky"));
        assertEquals(1, runs.get("flaky").get());
        await("the row deleted", store.transfer::isEmpty);
    }

    @Test
    void timersFireInOrderNotBeforeTheirTimeAndOnce() throws Exception {
        Instant now = Instant.now();
        // Overdue from before the start (an earlier owner or downtime), read from the table.
        store.insertTimer(task(10, now.minusSeconds(5), "overdue"));
        processor = new TimerQueueProcessor(shard, store, runner, Clock.systemUTC());
        processor.start();
        await("the overdue timer", () -> ran.containsKey("overdue"));

        Instant base = Instant.now();
        QueueTask late = task(11, base.plusMillis(600), "late");
        QueueTask soon = task(12, base.plusMillis(300), "soon");
        for (QueueTask t : List.of(late, soon)) {
            store.insertTimer(t);
        }
        shard.tasksCommitted(List.of(), List.of(late, soon));
        await("both timers", () -> ran.containsKey("late"));
        assertEquals(List.of("overdue", "soon", "late"), order);
        assertFalse(ran.get("soon").isBefore(soon.fireAt()), "fired early: " + ran.get("soon"));
        assertFalse(ran.get("late").isBefore(late.fireAt()), "fired early: " + ran.get("late"));
        await("rows deleted", store.timers::isEmpty);
        runs.forEach((name, n) -> assertEquals(1, n.get(), name + " ran once"));
    }

    @Test
    void aTimerBeyondTheReadWindowIsLeftToALaterReadOfTheTable() throws Exception {
        processor = new TimerQueueProcessor(shard, store, runner, Clock.systemUTC());
        processor.start();
        Thread.sleep(200); // the first read of the table is done
        // Due after the window the processor has read: the hand-off leaves it to a later read of the table.
        QueueTask far = task(20, Instant.now().plus(TimerQueueProcessor.LOOKAHEAD).plusSeconds(3600), "far");
        store.insertTimer(far);
        shard.tasksCommitted(List.of(), List.of(far));
        QueueTask near = task(21, Instant.now().plusMillis(100), "near");
        store.insertTimer(near);
        shard.tasksCommitted(List.of(), List.of(near));
        await("the near timer", () -> ran.containsKey("near"));
        await("the near timer's row deleted", () -> store.timers.size() == 1);
        assertFalse(ran.containsKey("far"));
        assertEquals("far", store.timers.firstEntry().getValue().task().getUserTimer().getTimerId());
    }
}
