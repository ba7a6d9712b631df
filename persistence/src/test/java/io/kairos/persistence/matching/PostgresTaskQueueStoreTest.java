package io.kairos.persistence.matching;

import com.google.protobuf.util.Timestamps;
import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.proto.persistence.v1.BacklogTaskInfo;
import io.kairos.proto.persistence.v1.TaskQueueRecord;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.enums.v1.TaskQueueType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresTaskQueueStoreTest {
    private static final NamespaceId NS = NamespaceId.random();
    private static final TaskQueueKey WF = new TaskQueueKey(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);

    private HikariDataSource ds;
    private Jdbc jdbc;
    private PostgresTaskQueueStore store;

    @BeforeEach
    void setUp() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        jdbc = new Jdbc(ds);
        store = new PostgresTaskQueueStore(jdbc, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        ds.close();
    }

    private static BacklogTask task(long id, String workflowId, Instant expiry) {
        return new BacklogTask(id, BacklogTaskInfo.newBuilder()
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId("run-" + workflowId))
                .setScheduledEventId(2)
                .setCreatedTime(Timestamps.fromMillis(1_000))
                .build(), expiry);
    }

    private long storedRangeId(TaskQueueKey key) {
        return jdbc.read("range", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT range_id FROM task_queues WHERE task_queue_name = ? AND task_type = ?")) {
                ps.setString(1, key.name());
                ps.setShort(2, (short) key.type().getNumber());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : -1;
                }
            }
        });
    }

    @Test
    void acquireCreatesTheQueueAndIncrementsRangeIdOnEveryAcquire() {
        TaskQueueLease first = store.acquire(WF, TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
        assertEquals(1, first.rangeId());
        assertEquals(1L << 20, first.firstTaskId());
        assertEquals(2L << 20, first.endTaskId());
        assertEquals(1, storedRangeId(WF));

        TaskQueueLease second = store.acquire(WF, TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
        assertEquals(2, second.rangeId());
        assertEquals(first.endTaskId(), second.firstTaskId(), "id blocks of successive leases are contiguous");

        TaskQueueKey activity = new TaskQueueKey(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
        assertEquals(1, store.acquire(activity, TaskQueueKind.TASK_QUEUE_KIND_NORMAL).rangeId(),
                "task types are separate queues");
        assertEquals(3, store.acquire(WF, TaskQueueKind.TASK_QUEUE_KIND_NORMAL).rangeId());
    }

    @Test
    void acquireRecordsTheKindInColumnAndBlob() {
        TaskQueueKey sticky = new TaskQueueKey(NS, "host-1:sticky", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
        store.acquire(sticky, TaskQueueKind.TASK_QUEUE_KIND_STICKY);
        short kind = jdbc.read("kind", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT kind, data FROM task_queues WHERE task_queue_name = ?")) {
                ps.setString(1, sticky.name());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    TaskQueueRecord r = TaskQueueRecord.parseFrom(rs.getBytes(2));
                    assertEquals(TaskQueueKind.TASK_QUEUE_KIND_STICKY, r.getKind());
                    assertTrue(r.hasLastAcquiredTime());
                    return rs.getShort(1);
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new AssertionError(e);
                }
            }
        });
        assertEquals(TaskQueueKind.TASK_QUEUE_KIND_STICKY_VALUE, kind);
    }

    @Test
    void tasksAreReadBackOldestFirstWithinTheRequestedRange() {
        TaskQueueLease lease = store.acquire(WF, TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
        long base = lease.firstTaskId();
        Instant expiry = Instant.now().plusSeconds(30).truncatedTo(ChronoUnit.MICROS);
        store.createTasks(lease, List.of(task(base + 2, "c", null), task(base, "a", expiry), task(base + 1, "b", null)));

        List<BacklogTask> all = store.readTasks(WF, 0, Long.MAX_VALUE, 10);
        assertEquals(List.of(base, base + 1, base + 2), all.stream().map(BacklogTask::taskId).toList());
        assertEquals("a", all.get(0).info().getExecution().getWorkflowId());
        assertEquals(expiry, all.get(0).expiryTime());
        assertNull(all.get(1).expiryTime());
        assertEquals(2, all.get(0).info().getScheduledEventId());

        assertEquals(List.of(base + 1), store.readTasks(WF, base, base + 1, 10).stream().map(BacklogTask::taskId).toList(),
                "lower bound exclusive, upper bound inclusive");
        assertEquals(2, store.readTasks(WF, 0, Long.MAX_VALUE, 2).size(), "limit");
        assertEquals(3, store.countTasks(WF));
        assertEquals(0, store.readTasks(new TaskQueueKey(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
                0, Long.MAX_VALUE, 10).size(), "other task type sees nothing");
    }

    @Test
    void deleteRemovesOnlyTheGivenTasksAndIgnoresMissingOnes() {
        TaskQueueLease lease = store.acquire(WF, TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
        long base = lease.firstTaskId();
        store.createTasks(lease, List.of(task(base, "a", null), task(base + 1, "b", null), task(base + 2, "c", null)));
        assertEquals(2, store.deleteTasks(lease, List.of(base, base + 2, base + 99)));
        assertEquals(List.of(base + 1), store.readTasks(WF, 0, Long.MAX_VALUE, 10).stream().map(BacklogTask::taskId).toList());
        assertEquals(0, store.deleteTasks(lease, List.of()));
    }

    @Test
    void writesWithAStaleLeaseFailWithTheTypedExceptionAndWriteNothing() {
        TaskQueueLease mine = store.acquire(WF, TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
        store.createTasks(mine, List.of(task(mine.firstTaskId(), "a", null)));
        TaskQueueLease theirs = store.acquire(WF, TaskQueueKind.TASK_QUEUE_KIND_NORMAL);

        TaskQueueLeaseLostException e = assertThrows(TaskQueueLeaseLostException.class,
                () -> store.createTasks(mine, List.of(task(mine.firstTaskId() + 1, "b", null))));
        assertEquals(WF, e.key());
        assertEquals(mine.rangeId(), e.expectedRangeId());
        assertEquals(theirs.rangeId(), e.actualRangeId());
        assertTrue(e.getMessage().contains("lease lost"), e.getMessage());
        assertEquals(1, store.countTasks(WF), "the stale write was rolled back");

        assertThrows(TaskQueueLeaseLostException.class, () -> store.deleteTasks(mine, List.of(mine.firstTaskId())));
        assertEquals(1, store.countTasks(WF), "a stale delete removes nothing");
        // ... except through the unfenced delete of rows it served, which cannot lose a task
        store.createTasks(theirs, List.of(task(theirs.firstTaskId() + 1, "served", null)));
        assertEquals(1, store.deleteServedTasks(WF, List.of(theirs.firstTaskId() + 1)));

        // the new owner writes and deletes fine, and sees the old owner's task
        store.createTasks(theirs, List.of(task(theirs.firstTaskId(), "c", null)));
        assertEquals(List.of(mine.firstTaskId(), theirs.firstTaskId()),
                store.readTasks(WF, 0, theirs.firstTaskId(), 10).stream().map(BacklogTask::taskId).toList());
        assertEquals(2, store.deleteTasks(theirs, List.of(mine.firstTaskId(), theirs.firstTaskId())));
    }

    @Test
    void writesToAQueueThatWasNeverAcquiredFail() {
        TaskQueueLease never = new TaskQueueLease(WF, TaskQueueKind.TASK_QUEUE_KIND_NORMAL, 1);
        TaskQueueLeaseLostException e = assertThrows(TaskQueueLeaseLostException.class,
                () -> store.createTasks(never, List.of(task(never.firstTaskId(), "a", null))));
        assertEquals(-1, e.actualRangeId());
    }

    @Test
    void renewMovesTheRangeOnlyWhileTheLeaseIsCurrent() {
        TaskQueueLease lease = store.acquire(WF, TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
        TaskQueueLease renewed = store.renew(lease);
        assertEquals(lease.rangeId() + 1, renewed.rangeId());
        assertThrows(TaskQueueLeaseLostException.class,
                () -> store.createTasks(lease, List.of(task(lease.firstTaskId(), "a", null))),
                "renewing fences the previous range like an acquire");
        store.createTasks(renewed, List.of(task(renewed.firstTaskId(), "a", null)));

        store.acquire(WF, TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
        TaskQueueLeaseLostException e = assertThrows(TaskQueueLeaseLostException.class, () -> store.renew(renewed));
        assertEquals(renewed.rangeId() + 1, e.actualRangeId());
    }

    @Test
    void taskIdsOutsideTheLeaseBlockAreRejected() {
        TaskQueueLease lease = store.acquire(WF, TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
        assertThrows(IllegalArgumentException.class,
                () -> store.createTasks(lease, List.of(task(lease.endTaskId(), "a", null))));
        assertEquals(0, store.countTasks(WF));
    }

    private static io.temporal.api.taskqueue.v1.TaskQueueConfig queueLimit(float rps, String reason) {
        return io.temporal.api.taskqueue.v1.TaskQueueConfig.newBuilder()
                .setQueueRateLimit(io.temporal.api.taskqueue.v1.RateLimitConfig.newBuilder()
                        .setRateLimit(io.temporal.api.taskqueue.v1.RateLimit.newBuilder().setRequestsPerSecond(rps))
                        .setMetadata(io.temporal.api.taskqueue.v1.ConfigMetadata.newBuilder().setReason(reason)
                                .setUpdateIdentity("ops").setUpdateTime(Timestamps.fromMillis(5_000))))
                .build();
    }

    @Test
    void configRoundTripsPerQueueAndTypeAndOutlivesTheLease() {
        TaskQueueKey activity = new TaskQueueKey(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
        assertNull(store.readConfig(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY), "never configured");

        TaskQueueLease lease = store.acquire(activity, TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
        var first = store.updateConfig(lease, current -> {
            assertEquals(io.temporal.api.taskqueue.v1.TaskQueueConfig.getDefaultInstance(), current);
            return queueLimit(2.5f, "first");
        });
        assertEquals(queueLimit(2.5f, "first"), first);
        var second = store.updateConfig(lease, current -> {
            assertEquals(first, current, "the change sees what is stored");
            return current.toBuilder().setFairnessKeysRateLimitDefault(current.getQueueRateLimit()).build();
        });
        assertEquals(second, store.readConfig(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY));
        assertNull(store.readConfig(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW), "types are separate");
        assertNull(store.readConfig(NamespaceId.random(), "orders", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY));

        // a new owner reads it after its acquire; the old owner can no longer write
        TaskQueueLease next = store.acquire(activity, TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
        assertEquals(second, store.readConfig(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY));
        assertThrows(TaskQueueLeaseLostException.class, () -> store.updateConfig(lease, c -> queueLimit(9, "stale")));
        assertEquals(second, store.readConfig(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY));

        // a failing change writes nothing
        assertThrows(IllegalStateException.class, () -> store.updateConfig(next, c -> {
            throw new IllegalStateException("rejected");
        }));
        assertEquals(second, store.readConfig(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY));
    }

    @Test
    void configOfAnUnspecifiedTypeIsStoredUnfenced() {
        assertEquals(queueLimit(1, "x"), store.updateConfig(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_UNSPECIFIED,
                c -> queueLimit(1, "x")));
        assertEquals(queueLimit(1, "x"), store.readConfig(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_UNSPECIFIED));
        assertNull(store.readConfig(NS, "orders", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW));
    }
}
