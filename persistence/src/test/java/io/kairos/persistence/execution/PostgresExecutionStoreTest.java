package io.kairos.persistence.execution;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.shard.PostgresShardStore;
import io.kairos.persistence.sql.ConditionFailedException;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.sql.ShardOwnershipLostException;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.proto.persistence.v1.ExecutionInfo;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.UserTimer;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.kairos.proto.persistence.v1.WorkflowTaskDispatch;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The execution store's transactions: shard fencing, compare-and-swap, history batches, outbox queues. */
class PostgresExecutionStoreTest {
    private static HikariDataSource ds;
    private static PostgresShardStore shards;
    private static PostgresExecutionStore store;
    private static final ShardId SHARD = new ShardId(1);
    private static final NamespaceId NS = NamespaceId.random();

    @BeforeAll
    static void setUp() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        shards = new PostgresShardStore(new Jdbc(ds));
        store = new PostgresExecutionStore(new Jdbc(ds), shards);
    }

    @AfterAll
    static void tearDown() {
        ds.close();
    }

    private static WorkflowMutableState state(WorkflowKey key, long nextEventId, long version, ExecutionState st) {
        return WorkflowMutableState.newBuilder().setNextEventId(nextEventId).setDbRecordVersion(version)
                .setExecution(ExecutionInfo.newBuilder().setWorkflowId(key.workflowId()).setRunId(key.runId().toString())
                        .setState(st).setStatus(st == ExecutionState.EXECUTION_STATE_RUNNING
                                ? WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
                                : WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED)
                        .setStartTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_700_000_000)))
                .build();
    }

    private static HistoryEvent event(long id) {
        return HistoryEvent.newBuilder().setEventId(id).setEventType(EventType.EVENT_TYPE_MARKER_RECORDED).build();
    }

    private static WorkflowKey newKey() {
        return new WorkflowKey(NS, "wf-" + UUID.randomUUID(), UUID.randomUUID());
    }

    @Test
    void createReadUpdateAndHistoryBatches() {
        long range = shards.acquire(SHARD, "test");
        WorkflowKey key = newKey();
        store.create(SHARD, range, key, null, "req-1",
                new WorkflowWrite(state(key, 3, 0, ExecutionState.EXECUTION_STATE_RUNNING), 0, List.of(event(1), event(2)),
                        range << 20, List.of(), List.of()));
        assertEquals("req-1", store.getCurrent(SHARD, NS, key.workflowId()).orElseThrow().createRequestId());
        assertTrue(store.getCurrent(SHARD, NS, key.workflowId()).orElseThrow().running());
        WorkflowMutableState loaded = store.get(SHARD, key).orElseThrow();
        assertEquals(1, loaded.getDbRecordVersion());

        store.update(SHARD, range, key, new WorkflowWrite(state(key, 5, 1, ExecutionState.EXECUTION_STATE_COMPLETED), 1,
                List.of(event(3), event(4)), (range << 20) + 1, List.of(), List.of()));
        assertEquals(2, store.get(SHARD, key).orElseThrow().getDbRecordVersion());
        assertFalse(store.getCurrent(SHARD, NS, key.workflowId()).orElseThrow().running(), "close reaches current_executions");

        assertEquals(List.of(1L, 2L, 3L, 4L), ids(store.readHistory(SHARD, key, 1, 5, 100)));
        assertEquals(List.of(2L, 3L, 4L), ids(store.readHistory(SHARD, key, 2, 5, 100)), "reads into the middle of a batch");
        assertEquals(List.of(1L, 2L), ids(store.readHistory(SHARD, key, 1, 3, 100)));
    }

    @Test
    void staleRecordVersionIsAConditionFailureAndWritesNothing() {
        long range = shards.acquire(SHARD, "test");
        WorkflowKey key = newKey();
        store.create(SHARD, range, key, null, "r", new WorkflowWrite(state(key, 2, 0, ExecutionState.EXECUTION_STATE_RUNNING), 0,
                List.of(event(1)), range << 20, List.of(), List.of()));
        store.update(SHARD, range, key, new WorkflowWrite(state(key, 3, 1, ExecutionState.EXECUTION_STATE_RUNNING), 1,
                List.of(event(2)), (range << 20) + 5, List.of(), List.of()));
        // A second writer that read version 1 loses.
        assertThrows(ConditionFailedException.class, () -> store.update(SHARD, range, key, new WorkflowWrite(
                state(key, 3, 1, ExecutionState.EXECUTION_STATE_RUNNING), 1, List.of(event(2)), (range << 20) + 6,
                List.of(), List.of())));
        assertEquals(List.of(1L, 2L), ids(store.readHistory(SHARD, key, 1, 10, 100)));
    }

    /** The named race: a host that lost its shard (range_id moved on) cannot commit anything. */
    @Test
    void writesWithAStaleRangeIdAreFenced() {
        long old = shards.acquire(SHARD, "host-a");
        WorkflowKey key = newKey();
        store.create(SHARD, old, key, null, "r", new WorkflowWrite(state(key, 2, 0, ExecutionState.EXECUTION_STATE_RUNNING), 0,
                List.of(event(1)), old << 20, List.of(), List.of()));
        long taken = shards.acquire(SHARD, "host-b");
        assertTrue(taken > old);
        assertThrows(ShardOwnershipLostException.class, () -> store.update(SHARD, old, key, new WorkflowWrite(
                state(key, 3, 1, ExecutionState.EXECUTION_STATE_RUNNING), 1, List.of(event(2)), (old << 20) + 1,
                List.of(), List.of())));
        assertThrows(ShardOwnershipLostException.class, () -> store.create(SHARD, old, newKey(), null, "r2",
                new WorkflowWrite(state(newKey(), 2, 0, ExecutionState.EXECUTION_STATE_RUNNING), 0, List.of(event(1)),
                        (old << 20) + 2, List.of(), List.of())));
        assertEquals(1, store.get(SHARD, key).orElseThrow().getDbRecordVersion(), "nothing was written");
    }

    @Test
    void concurrentStartsOfOneWorkflowIdConflict() {
        long range = shards.acquire(SHARD, "test");
        WorkflowKey a = newKey();
        WorkflowKey b = new WorkflowKey(NS, a.workflowId(), UUID.randomUUID());
        store.create(SHARD, range, a, null, "ra", new WorkflowWrite(state(a, 2, 0, ExecutionState.EXECUTION_STATE_RUNNING), 0,
                List.of(event(1)), range << 20, List.of(), List.of()));
        // The second start also saw "no current run": it must not replace the first.
        assertThrows(ConditionFailedException.class, () -> store.create(SHARD, range, b, null, "rb",
                new WorkflowWrite(state(b, 2, 0, ExecutionState.EXECUTION_STATE_RUNNING), 0, List.of(event(1)),
                        (range << 20) + 1, List.of(), List.of())));
        assertEquals(a.runId(), store.getCurrent(SHARD, NS, a.workflowId()).orElseThrow().runId());
    }

    @Test
    void outboxQueuesAreReadInOrderAndAcknowledgedInBatches() {
        ShardId shard = new ShardId(2);
        long range = shards.acquire(shard, "test");
        WorkflowKey key = new WorkflowKey(NS, "wf-" + UUID.randomUUID(), UUID.randomUUID());
        Instant now = Instant.now();
        HistoryTask wt = HistoryTask.newBuilder().setWorkflowTask(WorkflowTaskDispatch.newBuilder().setScheduledEventId(2)).build();
        HistoryTask timer = HistoryTask.newBuilder().setUserTimer(UserTimer.newBuilder().setTimerId("t")).build();
        long base = range << 20;
        store.create(shard, range, key, null, "r", new WorkflowWrite(state(key, 2, 0, ExecutionState.EXECUTION_STATE_RUNNING), 0,
                List.of(event(1)), base, List.of(new QueueTask(base + 2, null, wt), new QueueTask(base + 1, null, wt)),
                List.of(new QueueTask(base + 3, now.minusSeconds(1), timer), new QueueTask(base + 4, now.plusSeconds(3600), timer))));
        List<QueueTask> transfer = store.readTransferTasks(shard, 0, 10);
        assertEquals(List.of(base + 1, base + 2), transfer.stream().map(QueueTask::taskId).toList());
        assertEquals(List.of(base + 2), store.readTransferTasks(shard, base + 1, 10).stream().map(QueueTask::taskId).toList());
        List<QueueTask> due = store.readTimerTasks(shard, Instant.EPOCH, 0, now, 10);
        assertEquals(1, due.size());
        assertEquals("t", due.get(0).task().getUserTimer().getTimerId());
        // Paging resumes after the last (time, id) seen.
        QueueTask first = due.get(0);
        assertEquals(List.of(base + 4), store.readTimerTasks(shard, first.fireAt(), first.taskId(), now.plusSeconds(7200), 10).stream().map(QueueTask::taskId).toList());
        store.deleteTransferTasks(shard, transfer.stream().map(QueueTask::taskId).toList());
        store.deleteTimerTasks(shard, due);
        assertTrue(store.readTransferTasks(shard, 0, 10).isEmpty());
        assertTrue(store.readTimerTasks(shard, Instant.EPOCH, 0, now, 10).isEmpty());
        assertEquals(1, store.readTimerTasks(shard, Instant.EPOCH, 0, now.plusSeconds(7200), 10).size(),
                "the future timer is still there");
    }

    @Test
    void oneTransactionCanCarryWritesOfSeveralShardsEachFenced() {
        ShardId s3 = new ShardId(3);
        ShardId s4 = new ShardId(4);
        long r3 = shards.acquire(s3, "test");
        long r4 = shards.acquire(s4, "test");
        WorkflowKey a = newKey();
        WorkflowKey b = newKey();
        List<RuntimeException> ok = store.commit(List.of(
                new FencedWrite(s3, r3, new ExecutionWrite.Create(a, null, "ra", new WorkflowWrite(state(a, 2, 0,
                        ExecutionState.EXECUTION_STATE_RUNNING), 0, List.of(event(1)), r3 << 20, List.of(), List.of()))),
                new FencedWrite(s4, r4, new ExecutionWrite.Create(b, null, "rb", new WorkflowWrite(state(b, 2, 0,
                        ExecutionState.EXECUTION_STATE_RUNNING), 0, List.of(event(1)), r4 << 20, List.of(), List.of())))));
        assertEquals(java.util.Arrays.asList(null, null), ok);
        assertTrue(store.get(s3, a).isPresent());
        assertTrue(store.get(s4, b).isPresent());

        shards.acquire(s4, "another host"); // shard 4 moves: a batch still fenced with its old range commits nothing
        WorkflowKey c = newKey();
        WorkflowKey d = newKey();
        assertThrows(ShardOwnershipLostException.class, () -> store.commit(List.of(
                new FencedWrite(s3, r3, new ExecutionWrite.Create(c, null, "rc", new WorkflowWrite(state(c, 2, 0,
                        ExecutionState.EXECUTION_STATE_RUNNING), 0, List.of(event(1)), (r3 << 20) + 1, List.of(), List.of()))),
                new FencedWrite(s4, r4, new ExecutionWrite.Create(d, null, "rd", new WorkflowWrite(state(d, 2, 0,
                        ExecutionState.EXECUTION_STATE_RUNNING), 0, List.of(event(1)), (r4 << 20) + 1, List.of(), List.of()))))));
        assertTrue(store.get(s3, c).isEmpty(), "the other shard's write rolled back with it");
        assertTrue(store.get(s4, d).isEmpty());
    }

    @Test
    void groupCommitSkipsAWriteWhoseConditionFailsAndCommitsTheOthers() {
        long range = shards.acquire(SHARD, "test");
        WorkflowKey taken = newKey();
        store.create(SHARD, range, taken, null, "r0", new WorkflowWrite(state(taken, 2, 0, ExecutionState.EXECUTION_STATE_RUNNING),
                0, List.of(event(1)), range << 20, List.of(), List.of()));
        WorkflowKey fresh = newKey();
        WorkflowKey sameId = new WorkflowKey(NS, taken.workflowId(), UUID.randomUUID());
        List<RuntimeException> outcomes = store.commit(SHARD, range, List.of(
                new ExecutionWrite.Create(sameId, null, "r1", new WorkflowWrite(state(sameId, 2, 0,
                        ExecutionState.EXECUTION_STATE_RUNNING), 0, List.of(event(1)), (range << 20) + 1, List.of(), List.of())),
                new ExecutionWrite.Create(fresh, null, "r2", new WorkflowWrite(state(fresh, 2, 0,
                        ExecutionState.EXECUTION_STATE_RUNNING), 0, List.of(event(1)), (range << 20) + 2, List.of(), List.of())),
                new ExecutionWrite.Update(taken, new WorkflowWrite(state(taken, 3, 0, ExecutionState.EXECUTION_STATE_RUNNING),
                        7, List.of(event(2)), (range << 20) + 3, List.of(), List.of()))));
        assertInstanceOf(ConditionFailedException.class, outcomes.get(0), "the id is taken");
        assertNull(outcomes.get(1));
        assertInstanceOf(ConditionFailedException.class, outcomes.get(2), "stale record version");
        assertTrue(store.get(SHARD, fresh).isPresent());
        assertTrue(store.get(SHARD, sameId).isEmpty(), "nothing of the failed create was written");
        assertEquals(taken.runId(), store.getCurrent(SHARD, NS, taken.workflowId()).orElseThrow().runId());
        assertEquals(List.of(1L), ids(store.readHistory(SHARD, taken, 1, 100, 100)), "nothing of the failed update");
    }

    private static List<Long> ids(List<HistoryEvent> events) {
        return events.stream().map(HistoryEvent::getEventId).toList();
    }

    /** A reset: the copied batches keep their boundaries; terminate + move of the current row, or nothing at all. */
    @Test
    void resetTerminatesTheCurrentRunAndCreatesTheNewOneWithCopiedBatchesAtomically() {
        long range = shards.acquire(SHARD, "test");
        WorkflowKey base = newKey();
        store.create(SHARD, range, base, null, "start", new WorkflowWrite(state(base, 3, 0, ExecutionState.EXECUTION_STATE_RUNNING), 0,
                List.of(event(1), event(2)), range << 20, List.of(), List.of()));
        store.update(SHARD, range, base, new WorkflowWrite(state(base, 6, 1, ExecutionState.EXECUTION_STATE_RUNNING), 1,
                List.of(event(3), event(4), event(5)), (range << 20) + 1, List.of(), List.of()));
        List<HistoryBatch> batches = store.readHistoryBatches(SHARD, base, 1, 5);
        assertEquals(List.of(List.of(1L, 2L), List.of(3L, 4L)), batches.stream().map(b -> ids(b.events())).toList(),
                "batches as written, the last one cut at the end of the range");
        assertEquals((range << 20) + 1, batches.get(1).txnId());

        WorkflowKey next = new WorkflowKey(NS, base.workflowId(), UUID.randomUUID());
        WorkflowWrite terminate = new WorkflowWrite(state(base, 7, 2, ExecutionState.EXECUTION_STATE_COMPLETED), 2,
                List.of(event(6)), (range << 20) + 2, List.of(), List.of());
        WorkflowWrite created = new WorkflowWrite(state(next, 7, 0, ExecutionState.EXECUTION_STATE_RUNNING), 0,
                List.of(event(5), event(6)), (range << 20) + 3, List.of(), List.of());
        // A writer that read an older version of the current run loses, and nothing of the reset is written.
        RuntimeException stale = store.commit(SHARD, range, List.of(new ExecutionWrite.Reset(base, new WorkflowWrite(
                state(base, 7, 1, ExecutionState.EXECUTION_STATE_COMPLETED), 1, List.of(event(6)), (range << 20) + 4,
                List.of(), List.of()), next, "reset-1", batches, created))).get(0);
        assertInstanceOf(ConditionFailedException.class, stale);
        assertTrue(store.get(SHARD, next).isEmpty());
        assertEquals(base.runId(), store.getCurrent(SHARD, NS, base.workflowId()).orElseThrow().runId());
        assertEquals(List.of(), store.readHistory(SHARD, next, 1, 100, 100));

        assertNull(store.commit(SHARD, range, List.of(new ExecutionWrite.Reset(base, terminate, next, "reset-1", batches, created)))
                .get(0));
        CurrentExecution current = store.getCurrent(SHARD, NS, base.workflowId()).orElseThrow();
        assertEquals(next.runId(), current.runId());
        assertEquals("reset-1", current.createRequestId());
        assertTrue(current.running());
        assertEquals(ExecutionState.EXECUTION_STATE_COMPLETED, store.get(SHARD, base).orElseThrow().getExecution().getState());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), ids(store.readHistory(SHARD, next, 1, 100, 100)));
        assertEquals(List.of(List.of(1L, 2L), List.of(3L, 4L), List.of(5L, 6L)),
                store.readHistoryBatches(SHARD, next, 1, 100).stream().map(b -> ids(b.events())).toList());

        // From a closed current run (no termination): the current row must still name it.
        WorkflowKey third = new WorkflowKey(NS, base.workflowId(), UUID.randomUUID());
        WorkflowWrite thirdWrite = new WorkflowWrite(state(third, 7, 0, ExecutionState.EXECUTION_STATE_RUNNING), 0,
                List.of(event(5), event(6)), (range << 20) + 5, List.of(), List.of());
        assertInstanceOf(ConditionFailedException.class, store.commit(SHARD, range,
                List.of(new ExecutionWrite.Reset(base, null, third, "reset-2", batches, thirdWrite))).get(0));
        assertTrue(store.get(SHARD, third).isEmpty());
        assertEquals(next.runId(), store.getCurrent(SHARD, NS, base.workflowId()).orElseThrow().runId());
    }
}
