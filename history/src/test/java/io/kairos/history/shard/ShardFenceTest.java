package io.kairos.history.shard;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.errors.OwnershipMovedException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardId;
import io.kairos.common.ids.ShardMapper;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.persistence.execution.ExecutionWrite;
import io.kairos.persistence.execution.PostgresExecutionStore;
import io.kairos.persistence.execution.QueueTask;
import io.kairos.persistence.execution.WorkflowWrite;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.shard.PostgresShardStore;
import io.kairos.persistence.shard.ShardStore;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.sql.ShardOwnershipLostException;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.proto.persistence.v1.ExecutionInfo;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.UserTimer;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shard fence with a real Postgres and two shard controllers: when host B acquires a shard (bumping its
 * range_id), every write host A prepared under its old range_id is rejected with ShardOwnershipLost and leaves
 * nothing in the database, and A stops serving the shard once it learns (a failed write or its periodic check).
 */
class ShardFenceTest {
    private static final int SHARDS = 4;
    private static final String HOST_A = "10.0.0.1:7234";
    private static final String HOST_B = "10.0.0.2:7234";
    private static final Duration LONG = Duration.ofMinutes(10);

    private HikariDataSource ds;
    private Jdbc jdbc;
    private PostgresShardStore shards;
    private PostgresExecutionStore executions;
    private final List<ShardController> controllers = new ArrayList<>();
    private final NamespaceId ns = NamespaceId.random();

    /** Wants every shard; names as owner of the others what the test says (the membership view's answer). */
    private static final class TestPlacement implements ShardController.Placement {
        final Map<ShardId, String> owners = new ConcurrentHashMap<>();

        @Override
        public Set<ShardId> desired() {
            Set<ShardId> all = new TreeSet<>(Comparator.comparingInt(ShardId::value));
            for (int i = 1; i <= SHARDS; i++) {
                all.add(new ShardId(i));
            }
            return all;
        }

        @Override
        public String ownerOf(ShardId shard) {
            return owners.get(shard);
        }
    }

    @BeforeEach
    void setUp() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        jdbc = new Jdbc(ds);
        shards = new PostgresShardStore(jdbc);
        executions = new PostgresExecutionStore(jdbc, shards);
    }

    @AfterEach
    void tearDown() {
        controllers.forEach(ShardController::close);
        ds.close();
    }

    private ShardController controller(String address, ShardController.Placement placement, Duration interval,
                                       Duration cooldown) {
        ShardController c = new ShardController(shards, executions, SHARDS, address, placement, interval, cooldown, null);
        controllers.add(c);
        return c;
    }

    private static Map<Integer, Long> ranges(ShardController c) {
        Map<Integer, Long> out = new java.util.TreeMap<>();
        c.ownedShards().forEach((id, r) -> out.put(id.value(), r));
        return out;
    }

    private Map<Integer, ShardStore.ShardRow> rows() {
        Map<Integer, ShardStore.ShardRow> out = new java.util.TreeMap<>();
        shards.all().forEach(r -> out.put(r.shardId(), r));
        return out;
    }

    private static WorkflowMutableState state(WorkflowKey key, long nextEventId, ExecutionState st) {
        return WorkflowMutableState.newBuilder().setNextEventId(nextEventId)
                .setExecution(ExecutionInfo.newBuilder().setWorkflowId(key.workflowId()).setRunId(key.runId().toString())
                        .setState(st).setStatus(st == ExecutionState.EXECUTION_STATE_RUNNING
                                ? WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
                                : WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW)
                        .setStartTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_700_000_000)))
                .build();
    }

    private static HistoryEvent event(long id) {
        return HistoryEvent.newBuilder().setEventId(id).setEventType(EventType.EVENT_TYPE_MARKER_RECORDED).build();
    }

    private static HistoryTask task(String name) {
        return HistoryTask.newBuilder().setUserTimer(UserTimer.newBuilder().setTimerId(name)).build();
    }

    /** A new run's first write, with ids from the shard's range, a transfer task and a timer task. */
    private static WorkflowWrite firstWrite(ShardContext ctx, WorkflowKey key) {
        Instant fire = Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.MICROS);
        return new WorkflowWrite(state(key, 3, ExecutionState.EXECUTION_STATE_RUNNING), 0, List.of(event(1), event(2)),
                ctx.nextTaskId(), List.of(new QueueTask(ctx.nextTaskId(), null, task("transfer"))),
                List.of(new QueueTask(ctx.nextTaskId(), fire, task("timer"))));
    }

    private long count(String table, ShardId shard) {
        return jdbc.read("count", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE shard_id = ?")) {
                ps.setInt(1, shard.value());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private void assertNothingWritten(ShardId shard, WorkflowKey... keys) {
        for (WorkflowKey k : keys) {
            assertTrue(executions.getCurrent(shard, ns, k.workflowId()).isEmpty(), "no current row for " + k);
            assertTrue(executions.get(shard, k).isEmpty(), "no run " + k);
            assertTrue(executions.readHistory(shard, k, 1, 100, 100).isEmpty(), "no history for " + k);
        }
        assertTrue(executions.readTransferTasks(shard, -1, 100).isEmpty(), "no transfer task");
        assertTrue(executions.readTimerTasks(shard, Instant.EPOCH, -1, Instant.now().plus(Duration.ofDays(1)), 100)
                .isEmpty(), "no timer task");
        for (String table : List.of("executions", "current_executions", "history_node", "transfer_tasks", "timer_tasks")) {
            assertEquals(0, count(table, shard), "rows in " + table);
        }
    }

    @Test
    void aWriteUnderTheOldRangeIdIsRejectedAndTheOldOwnerStopsServingTheShard() {
        TestPlacement placementA = new TestPlacement();
        ShardController a = controller(HOST_A, placementA, LONG, LONG);
        ShardController b = controller(HOST_B, new TestPlacement(), LONG, LONG);
        List<ShardContext> releasedByA = new CopyOnWriteArrayList<>();
        a.onShardReleased(releasedByA::add);

        a.reconcile();
        assertEquals(Map.of(1, 1L, 2, 1L, 3, 1L, 4, 1L), ranges(a));
        assertTrue(rows().values().stream().allMatch(r -> r.owner().equals(HOST_A)));

        String workflowId = "wf-" + UUID.randomUUID();
        ShardId shard = ShardMapper.shardFor(ns, workflowId, SHARDS);
        ShardContext ctxA = a.contextFor(ns, workflowId);
        assertEquals(shard, ctxA.shardId());
        long rangeA = ctxA.rangeId();
        WorkflowKey key = new WorkflowKey(ns, workflowId, UUID.randomUUID());
        WorkflowWrite prepared = firstWrite(ctxA, key); // A computed this mutation while it owned the shard

        b.reconcile(); // B takes every shard over
        assertEquals(Map.of(1, 2L, 2, 2L, 3, 2L, 4, 2L), ranges(b));
        assertTrue(rows().values().stream().allMatch(r -> r.owner().equals(HOST_B) && r.rangeId() == 2));
        placementA.owners.put(shard, HOST_B); // A's view catches up

        // The race the fence is for: A does not know yet and still serves the shard...
        assertSame(ctxA, a.contextFor(ns, workflowId));
        // ...but its commit fails the fence, and nothing of it is in the database.
        ShardOwnershipLostException lost = assertThrows(ShardOwnershipLostException.class,
                () -> ctxA.commit(new ExecutionWrite.Create(key, null, "request-a", prepared)));
        assertEquals(shard.value(), lost.shardId());
        assertEquals(rangeA, lost.expectedRangeId());
        assertNothingWritten(shard, key);

        // The write path reports it; from then on A answers "moved", naming the owner its view knows.
        a.lost(shard, lost);
        assertTrue(ctxA.isClosed());
        assertEquals(List.of(ctxA), releasedByA);
        OwnershipMovedException moved = assertThrows(OwnershipMovedException.class, () -> a.contextFor(ns, workflowId));
        assertEquals(OwnershipMovedException.HISTORY, moved.role());
        assertEquals(HOST_B, moved.ownerAddress());
        assertFalse(a.ownedShards().containsKey(shard));
        assertEquals(SHARDS - 1, a.ownedShards().size(), "the other shards are only dropped once A checks them");

        // A's next pass finds the other range_ids moved too, drops them, and takes nothing back (cooldown).
        a.reconcile();
        assertTrue(a.ownedShards().isEmpty(), "A still holds " + a.ownedShards());
        assertEquals(SHARDS, releasedByA.size());
        for (int i = 0; i < 20; i++) {
            String other = "wf-" + i;
            assertThrows(OwnershipMovedException.class, () -> a.contextFor(ns, other));
        }
        assertTrue(rows().values().stream().allMatch(r -> r.owner().equals(HOST_B) && r.rangeId() == 2),
                "A did not bump the fence back: " + rows());

        // The same write under the owner's range_id commits: the fence is about who writes, not what.
        ShardContext ctxB = b.contextFor(ns, workflowId);
        ctxB.commit(new ExecutionWrite.Create(key, null, "request-b", firstWrite(ctxB, key)));
        assertEquals("request-b", executions.getCurrent(shard, ns, workflowId).orElseThrow().createRequestId());
        assertEquals(1, executions.readTransferTasks(shard, -1, 100).size());
    }

    @Test
    void everyFencedWritePathRejectsTheOldRangeId() {
        ShardController a = controller(HOST_A, new TestPlacement(), LONG, LONG);
        ShardController b = controller(HOST_B, new TestPlacement(), LONG, LONG);
        a.reconcile();
        String workflowId = "wf-" + UUID.randomUUID();
        ShardContext ctxA = a.contextFor(ns, workflowId);
        ShardId shard = ctxA.shardId();
        long rangeA = ctxA.rangeId();

        // A started a run while it owned the shard.
        WorkflowKey run = new WorkflowKey(ns, workflowId, UUID.randomUUID());
        ctxA.commit(new ExecutionWrite.Create(run, null, "start", firstWrite(ctxA, run)));
        assertEquals(1, executions.get(shard, run).orElseThrow().getDbRecordVersion());
        assertEquals(1, executions.readTransferTasks(shard, -1, 100).size());

        b.reconcile();
        long rangeB = b.ownedShards().get(shard);
        assertEquals(rangeA + 1, rangeB);

        // An update through the group committer (one statement: kairos_write_runs).
        WorkflowWrite update = new WorkflowWrite(state(run, 4, ExecutionState.EXECUTION_STATE_RUNNING), 1,
                List.of(event(3)), ctxA.nextTaskId(), List.of(new QueueTask(ctxA.nextTaskId(), null, task("update"))),
                List.of());
        assertThrows(ShardOwnershipLostException.class, () -> ctxA.commit(new ExecutionWrite.Update(run, update)));
        // The same through the store's own API with A's range_id.
        assertThrows(ShardOwnershipLostException.class, () -> executions.update(shard, rangeA, run, update));
        // Continue-as-new goes through the statement-by-statement transaction (assertOwned first).
        WorkflowKey next = new WorkflowKey(ns, workflowId, UUID.randomUUID());
        WorkflowWrite closing = new WorkflowWrite(state(run, 4, ExecutionState.EXECUTION_STATE_COMPLETED), 1,
                List.of(event(3)), ctxA.nextTaskId(), List.of(), List.of());
        WorkflowWrite nextWrite = new WorkflowWrite(state(next, 2, ExecutionState.EXECUTION_STATE_RUNNING), 0,
                List.of(event(1)), ctxA.nextTaskId(), List.of(new QueueTask(ctxA.nextTaskId(), null, task("next"))),
                List.of());
        ShardOwnershipLostException e = assertThrows(ShardOwnershipLostException.class, () -> ctxA.commit(
                new ExecutionWrite.ContinueAsNew(run, closing, next, "can", nextWrite)));
        assertEquals(rangeA, e.expectedRangeId());
        assertEquals(rangeB, e.actualRangeId());
        assertThrows(ShardOwnershipLostException.class, () -> executions.continueAsNew(shard, rangeA, run, closing, next,
                "can", nextWrite));
        // Moving to the next id range is fenced as well.
        assertThrows(ShardOwnershipLostException.class, () -> shards.renewRange(shard, rangeA));
        assertThrows(ShardOwnershipLostException.class, () -> executions.deleteExecution(shard, rangeA, run));

        // Nothing of any of them is in the database: the run is as A first wrote it.
        WorkflowMutableState stored = executions.get(shard, run).orElseThrow();
        assertEquals(1, stored.getDbRecordVersion());
        assertEquals(3, stored.getNextEventId());
        assertEquals(List.of(1L, 2L), executions.readHistory(shard, run, 1, 100, 100).stream()
                .map(HistoryEvent::getEventId).toList());
        assertEquals(run.runId(), executions.getCurrent(shard, ns, workflowId).orElseThrow().runId());
        assertTrue(executions.get(shard, next).isEmpty());
        assertEquals(List.of("transfer"), executions.readTransferTasks(shard, -1, 100).stream()
                .map(t -> t.task().getUserTimer().getTimerId()).toList());
        assertEquals(rangeB, shards.rangeIds(List.of(shard)).get(shard), "the failed renewal did not move the fence");
        assertEquals(HOST_B, rows().get(shard.value()).owner());

        // B, holding the current range_id, can write the same update.
        ShardContext ctxB = b.contextFor(ns, workflowId);
        ctxB.commit(new ExecutionWrite.Update(run, new WorkflowWrite(state(run, 4, ExecutionState.EXECUTION_STATE_RUNNING),
                1, List.of(event(3)), ctxB.nextTaskId(), List.of(), List.of())));
        assertEquals(2, executions.get(shard, run).orElseThrow().getDbRecordVersion());
    }

    @Test
    void thePeriodicCheckDropsShardsAnotherHostAcquired() throws Exception {
        ShardController a = controller(HOST_A, new TestPlacement(), Duration.ofMillis(100), LONG);
        ShardController b = controller(HOST_B, new TestPlacement(), LONG, LONG);
        a.start();
        assertTrue(a.ready());
        assertEquals(SHARDS, a.ownedShards().size(), "the first pass runs before start returns");
        String workflowId = "wf-" + UUID.randomUUID();
        ShardContext ctxA = a.contextFor(ns, workflowId);

        b.reconcile(); // A is not told: no failed write, no membership change
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!a.ownedShards().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "A still holds " + a.ownedShards() + " 5 s after B acquired");
            Thread.sleep(20);
        }
        assertTrue(ctxA.isClosed());
        assertThrows(OwnershipMovedException.class, () -> a.contextFor(ns, workflowId));

        // Several more intervals: A wants the shards but does not take them back within the cooldown.
        Thread.sleep(500);
        assertTrue(a.ownedShards().isEmpty());
        assertTrue(rows().values().stream().allMatch(r -> r.owner().equals(HOST_B) && r.rangeId() == 2), rows().toString());
        assertEquals(SHARDS, b.ownedShards().size());
    }

    @Test
    void aStaleLostReportDoesNotDropAShardReacquiredSince() {
        ShardController a = controller(HOST_A, new TestPlacement(), LONG, Duration.ZERO);
        ShardController b = controller(HOST_B, new TestPlacement(), LONG, LONG);
        a.reconcile();
        String workflowId = "wf-" + UUID.randomUUID();
        ShardId shard = a.contextFor(ns, workflowId).shardId();
        b.reconcile();
        a.reconcile(); // verify: lost every shard
        assertTrue(a.ownedShards().isEmpty());
        a.reconcile(); // no cooldown: takes them back
        assertEquals(3L, a.ownedShards().get(shard));

        // A write that failed under range 1 reports late: it must not drop the range-3 ownership.
        a.lost(shard, new ShardOwnershipLostException(shard.value(), 1, 2));
        assertEquals(3L, a.ownedShards().get(shard));
        assertFalse(a.contextFor(ns, workflowId).isClosed());
        // One under the current range does.
        a.lost(shard, new ShardOwnershipLostException(shard.value(), 3, 4));
        assertThrows(OwnershipMovedException.class, () -> a.contextFor(ns, workflowId));
    }

    @Test
    void handOverReturnsOnceAnotherHostHasTheShards() {
        ShardController a = controller(HOST_A, new TestPlacement(), LONG, LONG);
        a.reconcile();
        String workflowId = "wf-" + UUID.randomUUID();
        ShardContext ctxA = a.contextFor(ns, workflowId);

        // Nobody takes over: hand-over gives up after its timeout.
        long t0 = System.nanoTime();
        a.handOver(Duration.ofMillis(300));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 250 && ms < 3_000, "waited " + ms + " ms");
        assertTrue(ctxA.isClosed(), "released before waiting");
        assertTrue(a.ownedShards().isEmpty());
        assertThrows(OwnershipMovedException.class, () -> a.contextFor(ns, workflowId));

        // A released but did not touch the fence: B acquires with the next range_id.
        ShardController b = controller(HOST_B, new TestPlacement(), LONG, LONG);
        b.reconcile();
        assertEquals(Map.of(1, 2L, 2, 2L, 3, 2L, 4, 2L), ranges(b));
        b.handOver(Duration.ofMillis(1)); // B leaves as well (gives up waiting at once)

        // When another host takes over meanwhile, hand-over returns as soon as it sees the new range_ids.
        ShardController c = controller("10.0.0.3:7234", new TestPlacement(), LONG, LONG);
        ShardController d = controller("10.0.0.4:7234", new TestPlacement(), LONG, LONG);
        c.reconcile();
        assertEquals(Map.of(1, 3L, 2, 3L, 3, 3L, 4, 3L), ranges(c));
        Thread takeOver = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException ignored) {
                return;
            }
            d.reconcile();
        });
        t0 = System.nanoTime();
        c.handOver(Duration.ofSeconds(10));
        ms = (System.nanoTime() - t0) / 1_000_000;
        try {
            takeOver.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertTrue(ms >= 150 && ms < 3_000, "hand-over took " + ms + " ms, the take-over came after 200 ms");
        assertEquals(Map.of(1, 4L, 2, 4L, 3, 4L, 4, 4L), ranges(d));
        assertTrue(rows().values().stream().allMatch(r -> r.owner().equals("10.0.0.4:7234")), rows().toString());
    }
}
