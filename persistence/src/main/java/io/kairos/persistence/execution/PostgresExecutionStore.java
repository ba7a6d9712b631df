package io.kairos.persistence.execution;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.persistence.shard.ShardStore;
import io.kairos.persistence.sql.ConditionFailedException;
import io.kairos.persistence.sql.DuplicateKeyException;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.sql.PersistenceException;
import io.kairos.persistence.sql.SqlErrors;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

public final class PostgresExecutionStore implements ExecutionStore {
    private final Jdbc jdbc;
    private final ShardStore shards;

    public PostgresExecutionStore(Jdbc jdbc, ShardStore shards) {
        this.jdbc = jdbc;
        this.shards = shards;
    }

    @Override
    public Optional<CurrentExecution> getCurrent(ShardId shard, NamespaceId ns, String workflowId) {
        return jdbc.read("get current execution", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT run_id, create_request_id, state, status, start_time "
                    + "FROM current_executions WHERE shard_id = ? AND namespace_id = ? AND workflow_id = ?")) {
                ps.setInt(1, shard.value());
                ps.setObject(2, ns.uuid());
                ps.setString(3, workflowId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    Timestamp start = rs.getTimestamp(5);
                    return Optional.of(new CurrentExecution(rs.getObject(1, UUID.class), rs.getString(2),
                            rs.getShort(3) == ExecutionState.EXECUTION_STATE_RUNNING_VALUE,
                            WorkflowExecutionStatus.forNumber(rs.getShort(4)), start == null ? null : start.toInstant()));
                }
            }
        });
    }

    @Override
    public Optional<WorkflowMutableState> get(ShardId shard, WorkflowKey key) {
        return jdbc.read("get execution", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT data, db_record_version FROM executions "
                    + "WHERE shard_id = ? AND namespace_id = ? AND workflow_id = ? AND run_id = ?")) {
                bindKey(ps, 1, shard, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    try {
                        return Optional.of(WorkflowMutableState.parseFrom(rs.getBytes(1)).toBuilder()
                                .setDbRecordVersion(rs.getLong(2)).build());
                    } catch (InvalidProtocolBufferException e) {
                        throw new PersistenceException("corrupt mutable state of " + key, null, e);
                    }
                }
            }
        });
    }

    @Override
    public void create(ShardId shard, long rangeId, WorkflowKey key, UUID previousRunId, String createRequestId,
                       WorkflowWrite write) {
        single(shard, rangeId, new ExecutionWrite.Create(key, previousRunId, createRequestId, write));
    }

    @Override
    public void update(ShardId shard, long rangeId, WorkflowKey key, WorkflowWrite write) {
        single(shard, rangeId, new ExecutionWrite.Update(key, write));
    }

    @Override
    public void continueAsNew(ShardId shard, long rangeId, WorkflowKey closed, WorkflowWrite closing, WorkflowKey next,
                              String createRequestId, WorkflowWrite nextWrite) {
        single(shard, rangeId, new ExecutionWrite.ContinueAsNew(closed, closing, next, createRequestId, nextWrite));
    }

    private void single(ShardId shard, long rangeId, ExecutionWrite write) {
        RuntimeException failed = commit(shard, rangeId, List.of(write)).get(0);
        if (failed != null) {
            throw failed;
        }
    }

    @Override
    public List<RuntimeException> commit(List<FencedWrite> writes) {
        if (WriteRunsCall.handles(writes)) {
            return jdbc.read(writes.size() == 1 ? "write execution" : "write executions",
                    c -> WriteRunsCall.call(c, writes));
        }
        return jdbc.inTransaction(writes.size() == 1 ? "write execution" : "write executions", c -> {
            java.util.Set<ShardId> checked = new java.util.HashSet<>();
            for (FencedWrite w : writes) {
                if (checked.add(w.shard())) {
                    shards.assertOwned(c, w.shard(), w.rangeId());
                }
            }
            List<RuntimeException> out = new ArrayList<>(writes.size());
            for (FencedWrite w : writes) {
                try {
                    apply(c, w.shard(), w.write());
                    out.add(null);
                } catch (ConditionFailedException skipped) {
                    out.add(skipped);
                }
            }
            return out;
        });
    }

    /**
     * Applies one write. Its first statement is its condition: when that matches no row, nothing of the write
     * happened and ConditionFailedException lets the batch go on. A condition failing later (after rows were
     * written) would leave half a write, so it is rethrown as an error that rolls the whole transaction back.
     */
    private static void apply(Connection c, ShardId shard, ExecutionWrite w) throws SQLException {
        switch (w) {
            case ExecutionWrite.Create cr -> {
                makeCurrent(c, shard, cr.key(), cr.previousRunId(), cr.createRequestId(), cr.write().state());
                afterCondition(() -> insertRun(c, shard, cr.key(), cr.write()));
            }
            case ExecutionWrite.Update up -> updateRun(c, shard, up.key(), up.write());
            case ExecutionWrite.ContinueAsNew can -> {
                updateRun(c, shard, can.closed(), can.closing());
                afterCondition(() -> {
                    makeCurrent(c, shard, can.next(), can.closed().runId(), can.createRequestId(), can.nextWrite().state());
                    insertRun(c, shard, can.next(), can.nextWrite());
                });
            }
            case ExecutionWrite.Reset r -> {
                // The condition: the current run's record version when it is terminated here, else the current row.
                if (r.currentWrite() != null) {
                    updateRun(c, shard, r.current(), r.currentWrite());
                } else {
                    makeCurrent(c, shard, r.next(), r.current().runId(), r.createRequestId(), r.nextWrite().state());
                }
                afterCondition(() -> {
                    if (r.currentWrite() != null) {
                        makeCurrent(c, shard, r.next(), r.current().runId(), r.createRequestId(), r.nextWrite().state());
                    }
                    insertHistory(c, shard, r.next(), r.copied());
                    insertRun(c, shard, r.next(), r.nextWrite());
                });
            }
        }
    }

    private interface Statements {
        void run() throws SQLException;
    }

    private static void afterCondition(Statements s) throws SQLException {
        try {
            s.run();
        } catch (ConditionFailedException late) {
            throw new PersistenceException("write failed after its condition held: " + late.getMessage(), null, late);
        }
    }

    /** Inserts current_executions for a never-used workflow id, or moves it from {@code previousRunId}. */
    private static void makeCurrent(Connection c, ShardId shard, WorkflowKey key, UUID previousRunId, String createRequestId,
                                    WorkflowMutableState s) throws SQLException {
        if (previousRunId == null) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO current_executions (shard_id, namespace_id, "
                    + "workflow_id, run_id, create_request_id, state, status, start_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    + "ON CONFLICT DO NOTHING")) {
                bindCurrent(ps, shard, key, createRequestId, s);
                if (ps.executeUpdate() != 1) {
                    throw new ConditionFailedException("workflow " + key.workflowId() + " was started concurrently");
                }
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE current_executions SET shard_id = ?, namespace_id = ?, "
                + "workflow_id = ?, run_id = ?, create_request_id = ?, state = ?, status = ?, start_time = ? "
                + "WHERE shard_id = ? AND namespace_id = ? AND workflow_id = ? AND run_id = ?")) {
            bindCurrent(ps, shard, key, createRequestId, s);
            ps.setInt(9, shard.value());
            ps.setObject(10, key.namespaceId().uuid());
            ps.setString(11, key.workflowId());
            ps.setObject(12, previousRunId);
            if (ps.executeUpdate() != 1) {
                throw new ConditionFailedException("workflow " + key.workflowId() + " changed concurrently");
            }
        }
    }

    private static void insertRun(Connection c, ShardId shard, WorkflowKey key, WorkflowWrite write) throws SQLException {
        WorkflowMutableState s = write.state();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO executions (shard_id, namespace_id, workflow_id, "
                + "run_id, next_event_id, db_record_version, state, status, data) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)")) {
            bindKey(ps, 1, shard, key);
            ps.setLong(5, s.getNextEventId());
            ps.setShort(6, (short) s.getExecution().getStateValue());
            ps.setShort(7, (short) s.getExecution().getStatusValue());
            ps.setBytes(8, s.toByteArray()); // the version lives in its column; get() puts it back
            ps.executeUpdate();
        } catch (SQLException e) {
            if (SqlErrors.UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw new DuplicateKeyException("run " + key.runId() + " exists", e.getSQLState(), e);
            }
            throw e;
        }
        writeHistoryAndTasks(c, shard, key, write);
    }

    /** Compare-and-swap of the run row; a closed run also closes its current_executions row. */
    private static void updateRun(Connection c, ShardId shard, WorkflowKey key, WorkflowWrite write) throws SQLException {
        WorkflowMutableState s = write.state();
        long newVersion = write.expectedRecordVersion() + 1;
        try (PreparedStatement ps = c.prepareStatement("UPDATE executions SET next_event_id = ?, db_record_version = ?, "
                + "state = ?, status = ?, data = ? WHERE shard_id = ? AND namespace_id = ? AND workflow_id = ? "
                + "AND run_id = ? AND db_record_version = ?")) {
            ps.setLong(1, s.getNextEventId());
            ps.setLong(2, newVersion);
            ps.setShort(3, (short) s.getExecution().getStateValue());
            ps.setShort(4, (short) s.getExecution().getStatusValue());
            ps.setBytes(5, s.toByteArray());
            bindKey(ps, 6, shard, key);
            ps.setLong(10, write.expectedRecordVersion());
            if (ps.executeUpdate() != 1) {
                throw new ConditionFailedException("workflow " + key + " was changed concurrently");
            }
        }
        if (s.getExecution().getState() != ExecutionState.EXECUTION_STATE_RUNNING) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE current_executions SET state = ?, status = ? "
                    + "WHERE shard_id = ? AND namespace_id = ? AND workflow_id = ? AND run_id = ?")) {
                ps.setShort(1, (short) s.getExecution().getStateValue());
                ps.setShort(2, (short) s.getExecution().getStatusValue());
                bindKey(ps, 3, shard, key);
                ps.executeUpdate();
            }
        }
        writeHistoryAndTasks(c, shard, key, write);
    }

    private static void insertHistory(Connection c, ShardId shard, WorkflowKey key, List<HistoryBatch> batches) throws SQLException {
        if (batches.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO history_node (shard_id, tree_id, branch_id, node_id, "
                + "txn_id, data) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (HistoryBatch b : batches) {
                ps.setInt(1, shard.value());
                ps.setObject(2, key.runId());
                ps.setObject(3, key.runId());
                ps.setLong(4, b.events().get(0).getEventId());
                ps.setLong(5, b.txnId());
                ps.setBytes(6, History.newBuilder().addAllEvents(b.events()).build().toByteArray());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void writeHistoryAndTasks(Connection c, ShardId shard, WorkflowKey key, WorkflowWrite w) throws SQLException {
        if (!w.events().isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO history_node (shard_id, tree_id, branch_id, node_id, "
                    + "txn_id, data) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setInt(1, shard.value());
                ps.setObject(2, key.runId());
                ps.setObject(3, key.runId());
                ps.setLong(4, w.events().get(0).getEventId());
                ps.setLong(5, w.historyTxnId());
                ps.setBytes(6, History.newBuilder().addAllEvents(w.events()).build().toByteArray());
                ps.executeUpdate();
            }
        }
        if (!w.transferTasks().isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO transfer_tasks (shard_id, task_id, data) VALUES (?, ?, ?)")) {
                for (QueueTask t : w.transferTasks()) {
                    ps.setInt(1, shard.value());
                    ps.setLong(2, t.taskId());
                    ps.setBytes(3, t.task().toByteArray());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        if (!w.timerTasks().isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO timer_tasks (shard_id, visibility_timestamp, task_id, data) "
                    + "VALUES (?, ?, ?, ?)")) {
                for (QueueTask t : w.timerTasks()) {
                    ps.setInt(1, shard.value());
                    ps.setTimestamp(2, Timestamp.from(micros(t.fireAt())));
                    ps.setLong(3, t.taskId());
                    ps.setBytes(4, t.task().toByteArray());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    @Override
    public List<HistoryEvent> readHistory(ShardId shard, WorkflowKey key, long fromEventId, long toEventIdExclusive, int maxEvents) {
        List<HistoryEvent> out = new ArrayList<>();
        scanHistory("read history", shard, key, fromEventId, toEventIdExclusive, (txnId, events) -> {
            out.addAll(events);
            return out.size() < maxEvents;
        });
        return out;
    }

    @Override
    public List<HistoryBatch> readHistoryBatches(ShardId shard, WorkflowKey key, long fromEventId, long toEventIdExclusive) {
        List<HistoryBatch> out = new ArrayList<>();
        scanHistory("read history batches", shard, key, fromEventId, toEventIdExclusive, (txnId, events) -> {
            if (!events.isEmpty()) {
                out.add(new HistoryBatch(txnId, events));
            }
            return true;
        });
        return out;
    }

    /** Receives each history_node row's events within the range, in order; false stops the scan. */
    private interface BatchSink {
        boolean accept(long txnId, List<HistoryEvent> eventsInRange);
    }

    private void scanHistory(String operation, ShardId shard, WorkflowKey key, long fromEventId, long toEventIdExclusive,
                             BatchSink sink) {
        jdbc.read(operation, c -> {
            // A batch starting before fromEventId may still contain it: start from the last batch at or before it.
            try (PreparedStatement ps = c.prepareStatement("SELECT txn_id, data FROM history_node WHERE shard_id = ? "
                    + "AND tree_id = ? AND branch_id = ? AND node_id >= COALESCE((SELECT max(node_id) FROM history_node "
                    + "WHERE shard_id = ? AND tree_id = ? AND branch_id = ? AND node_id <= ?), 0) AND node_id < ? "
                    + "ORDER BY node_id")) {
                ps.setInt(1, shard.value());
                ps.setObject(2, key.runId());
                ps.setObject(3, key.runId());
                ps.setInt(4, shard.value());
                ps.setObject(5, key.runId());
                ps.setObject(6, key.runId());
                ps.setLong(7, fromEventId);
                ps.setLong(8, toEventIdExclusive);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        List<HistoryEvent> in = new ArrayList<>();
                        for (HistoryEvent e : History.parseFrom(rs.getBytes(2)).getEventsList()) {
                            if (e.getEventId() >= fromEventId && e.getEventId() < toEventIdExclusive) {
                                in.add(e);
                            }
                        }
                        if (!sink.accept(rs.getLong(1), in)) {
                            break;
                        }
                    }
                } catch (InvalidProtocolBufferException e) {
                    throw new PersistenceException("corrupt history of " + key, null, e);
                }
                return null;
            }
        });
    }

    @Override
    public List<QueueTask> readTransferTasks(ShardId shard, long afterTaskId, int limit) {
        return jdbc.read("read transfer tasks", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT task_id, data FROM transfer_tasks WHERE shard_id = ? "
                    + "AND task_id > ? ORDER BY task_id LIMIT ?")) {
                ps.setInt(1, shard.value());
                ps.setLong(2, afterTaskId);
                ps.setInt(3, limit);
                List<QueueTask> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new QueueTask(rs.getLong(1), null, parseTask(rs.getBytes(2))));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public void deleteTransferTasks(ShardId shard, java.util.Collection<Long> taskIds) {
        if (taskIds.isEmpty()) {
            return;
        }
        jdbc.read("delete transfer tasks", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM transfer_tasks WHERE shard_id = ? AND task_id = ANY(?)")) {
                ps.setInt(1, shard.value());
                ps.setArray(2, c.createArrayOf("bigint", taskIds.toArray()));
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<QueueTask> readTimerTasks(ShardId shard, Instant afterTime, long afterTaskId, Instant before, int limit) {
        return jdbc.read("read timer tasks", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT visibility_timestamp, task_id, data FROM timer_tasks "
                    + "WHERE shard_id = ? AND (visibility_timestamp, task_id) > (?, ?) AND visibility_timestamp < ? "
                    + "ORDER BY visibility_timestamp, task_id LIMIT ?")) {
                ps.setInt(1, shard.value());
                ps.setTimestamp(2, Timestamp.from(afterTime));
                ps.setLong(3, afterTaskId);
                ps.setTimestamp(4, Timestamp.from(before));
                ps.setInt(5, limit);
                List<QueueTask> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new QueueTask(rs.getLong(2), rs.getTimestamp(1).toInstant(), parseTask(rs.getBytes(3))));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public void deleteTimerTasks(ShardId shard, java.util.Collection<QueueTask> tasks) {
        if (tasks.isEmpty()) {
            return;
        }
        jdbc.read("delete timer tasks", c -> {
            // The primary key is (shard, time, id): match on both, from two parallel arrays.
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM timer_tasks t USING unnest(?::timestamptz[], ?::bigint[]) "
                    + "AS d(ts, id) WHERE t.shard_id = ? AND t.visibility_timestamp = d.ts AND t.task_id = d.id")) {
                Timestamp[] times = tasks.stream().map(t -> Timestamp.from(micros(t.fireAt()))).toArray(Timestamp[]::new);
                Long[] ids = tasks.stream().map(QueueTask::taskId).toArray(Long[]::new);
                ps.setArray(1, c.createArrayOf("timestamptz", times));
                ps.setArray(2, c.createArrayOf("bigint", ids));
                ps.setInt(3, shard.value());
                return ps.executeUpdate();
            }
        });
    }

    private static HistoryTask parseTask(byte[] data) {
        try {
            return HistoryTask.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new PersistenceException("corrupt queue task", null, e);
        }
    }

    static Instant micros(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS);
    }

    private static void bindKey(PreparedStatement ps, int first, ShardId shard, WorkflowKey key) throws SQLException {
        ps.setInt(first, shard.value());
        ps.setObject(first + 1, key.namespaceId().uuid());
        ps.setString(first + 2, key.workflowId());
        ps.setObject(first + 3, key.runId());
    }

    private static void bindCurrent(PreparedStatement ps, ShardId shard, WorkflowKey key, String requestId,
                                    WorkflowMutableState s) throws SQLException {
        bindKey(ps, 1, shard, key);
        ps.setString(5, requestId);
        ps.setShort(6, (short) s.getExecution().getStateValue());
        ps.setShort(7, (short) s.getExecution().getStatusValue());
        var st = s.getExecution().getStartTime();
        ps.setTimestamp(8, Timestamp.from(Instant.ofEpochSecond(st.getSeconds(), st.getNanos())));
    }

    @Override
    public void deleteExecution(ShardId shard, long rangeId, WorkflowKey key) {
        jdbc.inTransaction("delete execution", c -> {
            shards.assertOwned(c, shard, rangeId);
            for (String table : List.of("executions", "request_ids", "current_executions")) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table
                        + " WHERE shard_id = ? AND namespace_id = ? AND workflow_id = ? AND run_id = ?")) {
                    bindKey(ps, 1, shard, key);
                    ps.executeUpdate();
                }
            }
            for (String table : List.of("history_node", "history_tree")) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table
                        + " WHERE shard_id = ? AND tree_id = ?")) {
                    ps.setInt(1, shard.value());
                    ps.setObject(2, key.runId());
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }
}
