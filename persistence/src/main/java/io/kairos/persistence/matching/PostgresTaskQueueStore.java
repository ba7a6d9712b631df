package io.kairos.persistence.matching;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.sql.PersistenceException;
import io.kairos.proto.persistence.v1.BacklogTaskInfo;
import io.kairos.proto.persistence.v1.TaskQueueRecord;
import io.kairos.common.ids.NamespaceId;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueueConfig;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.UnaryOperator;

public final class PostgresTaskQueueStore implements TaskQueueStore {
    /** Kairos serves only the root partition so far. */
    static final int ROOT_PARTITION = 0;
    private static final String ENCODING = "proto3";
    private static final String QUEUE = "namespace_id = ? AND task_queue_name = ? AND task_type = ? AND partition_id = ?";
    private static final String CONFIG = "namespace_id = ? AND task_queue_name = ? AND task_type = ?";

    private final Jdbc jdbc;
    private final Clock clock;
    private final String owner;

    public PostgresTaskQueueStore(Jdbc jdbc, Clock clock) {
        this(jdbc, clock, null);
    }

    /** @param owner recorded in task_queues.owner on every acquire: the matching host's advertised address */
    public PostgresTaskQueueStore(Jdbc jdbc, Clock clock, String owner) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.owner = owner;
    }

    @Override
    public TaskQueueLease acquire(TaskQueueKey key, TaskQueueKind kind) {
        TaskQueueRecord record = TaskQueueRecord.newBuilder()
                .setKind(kind)
                .setLastAcquiredTime(Timestamps.fromMillis(clock.millis()))
                .build();
        long rangeId = jdbc.inTransaction("acquire task queue (" + key + ")", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO task_queues (namespace_id, task_queue_name, task_type, partition_id, range_id, kind, "
                            + "data, data_encoding, owner) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?) "
                            + "ON CONFLICT (namespace_id, task_queue_name, task_type, partition_id) DO UPDATE SET "
                            + "range_id = task_queues.range_id + 1, kind = EXCLUDED.kind, data = EXCLUDED.data, "
                            + "data_encoding = EXCLUDED.data_encoding, owner = EXCLUDED.owner, updated_at = now() "
                            + "RETURNING range_id")) {
                int i = bindQueue(ps, 1, key);
                ps.setShort(i++, (short) kind.getNumber());
                ps.setBytes(i++, record.toByteArray());
                ps.setString(i++, ENCODING);
                ps.setString(i, owner);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
        return new TaskQueueLease(key, kind, rangeId);
    }

    @Override
    public TaskQueueLease renew(TaskQueueLease lease) {
        TaskQueueKey key = lease.key();
        long rangeId = jdbc.inTransaction("renew task queue lease (" + key + ")", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE task_queues SET range_id = range_id + 1, "
                    + "updated_at = now() WHERE " + QUEUE + " AND range_id = ? RETURNING range_id")) {
                int i = bindQueue(ps, 1, key);
                ps.setLong(i, lease.rangeId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getLong(1);
                    }
                }
            }
            throw new TaskQueueLeaseLostException(key, lease.rangeId(), currentRangeId(c, key, false));
        });
        return new TaskQueueLease(key, lease.kind(), rangeId);
    }

    @Override
    public void createTasks(TaskQueueLease lease, List<BacklogTask> tasks) {
        if (tasks.isEmpty()) {
            return;
        }
        for (BacklogTask t : tasks) {
            // an id past the lease's block could collide with the next owner's ids
            if (t.taskId() <= 0 || t.taskId() >= lease.endTaskId()) {
                throw new IllegalArgumentException("task id " + t.taskId() + " is outside lease range " + lease.rangeId());
            }
        }
        TaskQueueKey key = lease.key();
        jdbc.inTransaction("create tasks (" + key + ")", c -> {
            assertLease(c, lease);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO tasks (namespace_id, task_queue_name, task_type, partition_id, task_id, expiry_time, "
                            + "data, data_encoding) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (BacklogTask t : tasks) {
                    int i = bindQueue(ps, 1, key);
                    ps.setLong(i++, t.taskId());
                    if (t.expiryTime() == null) {
                        ps.setNull(i++, Types.TIMESTAMP_WITH_TIMEZONE);
                    } else {
                        ps.setTimestamp(i++, Timestamp.from(t.expiryTime()));
                    }
                    ps.setBytes(i++, t.info().toByteArray());
                    ps.setString(i, ENCODING);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public List<BacklogTask> readTasks(TaskQueueKey key, long afterTaskId, long maxTaskId, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, got " + limit);
        }
        return jdbc.read("read tasks (" + key + ")", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT task_id, expiry_time, data, data_encoding FROM tasks "
                    + "WHERE " + QUEUE + " AND task_id > ? AND task_id <= ? ORDER BY task_id LIMIT ?")) {
                int i = bindQueue(ps, 1, key);
                ps.setLong(i++, afterTaskId);
                ps.setLong(i++, maxTaskId);
                ps.setInt(i, limit);
                List<BacklogTask> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        Timestamp expiry = rs.getTimestamp(2);
                        out.add(new BacklogTask(id, decode(key, id, rs.getBytes(3), rs.getString(4)),
                                expiry == null ? null : expiry.toInstant()));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public int deleteTasks(TaskQueueLease lease, Collection<Long> taskIds) {
        if (taskIds.isEmpty()) {
            return 0;
        }
        TaskQueueKey key = lease.key();
        return jdbc.inTransaction("delete tasks (" + key + ")", c -> {
            assertLease(c, lease);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM tasks WHERE " + QUEUE + " AND task_id = ANY (?)")) {
                int i = bindQueue(ps, 1, key);
                Array ids = c.createArrayOf("bigint", taskIds.toArray());
                ps.setArray(i, ids);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public int deleteServedTasks(TaskQueueKey key, Collection<Long> taskIds) {
        if (taskIds.isEmpty()) {
            return 0;
        }
        return jdbc.read("delete served tasks (" + key + ")", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM tasks WHERE " + QUEUE + " AND task_id = ANY (?)")) {
                int i = bindQueue(ps, 1, key);
                ps.setArray(i, c.createArrayOf("bigint", taskIds.toArray()));
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public long countTasks(TaskQueueKey key) {
        return jdbc.read("count tasks (" + key + ")", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM tasks WHERE " + QUEUE)) {
                bindQueue(ps, 1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public java.time.Instant oldestTaskCreatedAt(TaskQueueKey key) {
        return jdbc.read("oldest task (" + key + ")", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT min(created_at) FROM tasks WHERE " + QUEUE)) {
                bindQueue(ps, 1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    java.sql.Timestamp t = rs.getTimestamp(1);
                    return t == null ? null : t.toInstant();
                }
            }
        });
    }

    @Override
    public int deleteExpiredTasks(java.time.Duration grace, int limit) {
        return jdbc.read("scavenge expired tasks", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM tasks WHERE ctid IN (SELECT ctid FROM tasks "
                    + "WHERE expiry_time < now() - make_interval(secs => ?) LIMIT ?)")) {
                ps.setDouble(1, grace.toMillis() / 1000.0);
                ps.setInt(2, limit);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public int deleteIdleStickyQueues(java.time.Duration idle, int limit) {
        return jdbc.read("scavenge idle sticky queues", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM task_queues q WHERE ctid IN (SELECT ctid FROM "
                    + "task_queues s WHERE s.kind = 2 AND s.updated_at < now() - make_interval(secs => ?) AND NOT EXISTS "
                    + "(SELECT 1 FROM tasks t WHERE t.namespace_id = s.namespace_id AND t.task_queue_name = "
                    + "s.task_queue_name AND t.task_type = s.task_type AND t.partition_id = s.partition_id) LIMIT ?)")) {
                ps.setDouble(1, idle.toMillis() / 1000.0);
                ps.setInt(2, limit);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<QueueRow> queues(int limit) {
        return jdbc.read("read task queues", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT q.namespace_id, q.task_queue_name, q.task_type, "
                    + "q.kind, q.range_id, q.owner, (SELECT count(*) FROM tasks t WHERE t.namespace_id = q.namespace_id "
                    + "AND t.task_queue_name = q.task_queue_name AND t.task_type = q.task_type "
                    + "AND t.partition_id = q.partition_id), q.updated_at FROM task_queues q "
                    + "ORDER BY q.updated_at DESC LIMIT ?")) {
                ps.setInt(1, limit);
                List<QueueRow> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new QueueRow(rs.getObject(1).toString(), rs.getString(2), rs.getShort(3), rs.getShort(4),
                                rs.getLong(5), rs.getString(6), rs.getLong(7), rs.getTimestamp(8).toInstant()));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public TaskQueueConfig readConfig(NamespaceId namespaceId, String name, TaskQueueType type) {
        return jdbc.read("read task queue config", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT data, data_encoding FROM task_queue_configs WHERE " + CONFIG)) {
                bindConfig(ps, namespaceId, name, type);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? decodeConfig(name, rs.getBytes(1), rs.getString(2)) : null;
                }
            }
        });
    }

    @Override
    public TaskQueueConfig updateConfig(TaskQueueLease lease, UnaryOperator<TaskQueueConfig> change) {
        TaskQueueKey key = lease.key();
        return jdbc.inTransaction("update task queue config (" + key + ")", c -> {
            assertLease(c, lease);
            return updateConfig(c, key.namespaceId(), key.name(), key.type(), change);
        });
    }

    @Override
    public TaskQueueConfig updateConfig(NamespaceId namespaceId, String name, TaskQueueType type,
                                        UnaryOperator<TaskQueueConfig> change) {
        return jdbc.inTransaction("update task queue config", c -> updateConfig(c, namespaceId, name, type, change));
    }

    /** Read-modify-write under the row's lock; the row is created first so two first updates serialize too. */
    private static TaskQueueConfig updateConfig(Connection c, NamespaceId namespaceId, String name, TaskQueueType type,
                                                UnaryOperator<TaskQueueConfig> change) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO task_queue_configs (namespace_id, task_queue_name, "
                + "task_type, data, data_encoding) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            int i = bindConfig(ps, namespaceId, name, type);
            ps.setBytes(i++, TaskQueueConfig.getDefaultInstance().toByteArray());
            ps.setString(i, ENCODING);
            ps.executeUpdate();
        }
        TaskQueueConfig current;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT data, data_encoding FROM task_queue_configs WHERE " + CONFIG + " FOR UPDATE")) {
            bindConfig(ps, namespaceId, name, type);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                current = decodeConfig(name, rs.getBytes(1), rs.getString(2));
            }
        }
        TaskQueueConfig updated = change.apply(current);
        try (PreparedStatement ps = c.prepareStatement("UPDATE task_queue_configs SET data = ?, data_encoding = ?, "
                + "updated_at = now() WHERE " + CONFIG)) {
            ps.setBytes(1, updated.toByteArray());
            ps.setString(2, ENCODING);
            bindConfig(ps, 3, namespaceId, name, type);
            ps.executeUpdate();
        }
        return updated;
    }

    private static int bindConfig(PreparedStatement ps, NamespaceId namespaceId, String name, TaskQueueType type)
            throws SQLException {
        return bindConfig(ps, 1, namespaceId, name, type);
    }

    private static int bindConfig(PreparedStatement ps, int start, NamespaceId namespaceId, String name,
                                  TaskQueueType type) throws SQLException {
        int i = start;
        ps.setObject(i++, namespaceId.uuid());
        ps.setString(i++, name);
        ps.setShort(i++, (short) type.getNumber());
        return i;
    }

    private static TaskQueueConfig decodeConfig(String name, byte[] data, String encoding) {
        if (!ENCODING.equals(encoding)) {
            throw new PersistenceException("config of task queue " + name + " has unknown data encoding " + encoding,
                    null, null);
        }
        try {
            return TaskQueueConfig.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new PersistenceException("config of task queue " + name + " is corrupt", null, e);
        }
    }

    /** Locks the queue row for share (an acquire waits for us, and we for it) and compares range_id. */
    private static void assertLease(Connection c, TaskQueueLease lease) throws SQLException {
        long actual = currentRangeId(c, lease.key(), true);
        if (actual != lease.rangeId()) {
            throw new TaskQueueLeaseLostException(lease.key(), lease.rangeId(), actual);
        }
    }

    private static long currentRangeId(Connection c, TaskQueueKey key, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT range_id FROM task_queues WHERE " + QUEUE + (lock ? " FOR SHARE" : ""))) {
            bindQueue(ps, 1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    private static int bindQueue(PreparedStatement ps, int start, TaskQueueKey key) throws SQLException {
        int i = start;
        ps.setObject(i++, key.namespaceId().uuid());
        ps.setString(i++, key.name());
        ps.setShort(i++, (short) key.type().getNumber());
        ps.setInt(i++, ROOT_PARTITION);
        return i;
    }

    private static BacklogTaskInfo decode(TaskQueueKey key, long taskId, byte[] data, String encoding) {
        if (!ENCODING.equals(encoding)) {
            throw new PersistenceException("task " + taskId + " of " + key + " has unknown data encoding " + encoding,
                    null, null);
        }
        try {
            return BacklogTaskInfo.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new PersistenceException("task " + taskId + " of " + key + " has corrupt data", null, e);
        }
    }
}
