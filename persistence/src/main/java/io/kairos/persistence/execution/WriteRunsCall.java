package io.kairos.persistence.execution;

import io.kairos.common.ids.WorkflowKey;
import io.kairos.persistence.sql.ConditionFailedException;
import io.kairos.persistence.sql.ShardOwnershipLostException;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.history.v1.History;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A group commit of creates and updates as one call of {@code kairos_write_runs} (migration V2) in autocommit:
 * one round trip to the database for the fence, every write and the commit, where the statement-by-statement
 * path takes five or more per write. Each write keeps its own outcome, as {@link ExecutionStore#commit} promises.
 */
final class WriteRunsCall {
    private static final String SQL = "SELECT kairos_write_runs(?::int4[], ?::int8[], ?::int2[], ?::uuid[], ?::text[], "
            + "?::uuid[], ?::uuid[], ?::text[], ?::timestamptz[], ?::int8[], ?::int8[], ?::int2[], ?::int2[], ?::bool[], "
            + "?::bytea[], ?::int8[], ?::int8[], ?::bytea[], ?::int4[], ?::int8[], ?::bytea[], ?::int4[], "
            + "?::timestamptz[], ?::int8[], ?::bytea[])";
    private static final short WRITTEN = 0;
    private static final short SHARD_MOVED = 2;
    private static final short KIND_UPDATE = 0;
    private static final short KIND_CREATE = 1;

    private WriteRunsCall() {
    }

    /** True when every write is a create or an update (the kinds the function knows). */
    static boolean handles(List<FencedWrite> writes) {
        return writes.stream().allMatch(w -> w.write() instanceof ExecutionWrite.Create
                || w.write() instanceof ExecutionWrite.Update);
    }

    static List<RuntimeException> call(Connection c, List<FencedWrite> writes) throws SQLException {
        int n = writes.size();
        int[] shard = new int[n];
        long[] range = new long[n];
        short[] kind = new short[n];
        UUID[] ns = new UUID[n];
        String[] wf = new String[n];
        UUID[] run = new UUID[n];
        UUID[] prevRun = new UUID[n];
        String[] requestId = new String[n];
        Timestamp[] startTime = new Timestamp[n];
        Long[] expected = new Long[n];
        long[] nextEvent = new long[n];
        short[] state = new short[n];
        short[] status = new short[n];
        boolean[] close = new boolean[n];
        byte[][] data = new byte[n][];
        Long[] histNode = new Long[n];
        Long[] histTxn = new Long[n];
        byte[][] histData = new byte[n][];
        int transfers = 0;
        int timers = 0;
        for (FencedWrite fw : writes) {
            WorkflowWrite w = fw.write() instanceof ExecutionWrite.Update u ? u.write()
                    : fw.write() instanceof ExecutionWrite.Create cr ? cr.write() : null;
            if (w != null) {
                transfers += w.transferTasks().size();
                timers += w.timerTasks().size();
            }
        }
        int[] trWrite = new int[transfers];
        long[] trId = new long[transfers];
        byte[][] trData = new byte[transfers][];
        int[] tmWrite = new int[timers];
        Timestamp[] tmTime = new Timestamp[timers];
        long[] tmId = new long[timers];
        byte[][] tmData = new byte[timers][];
        int tr = 0;
        int tm = 0;
        for (int i = 0; i < n; i++) {
            FencedWrite fw = writes.get(i);
            WorkflowKey key;
            WorkflowWrite w;
            switch (fw.write()) {
                case ExecutionWrite.Update u -> {
                    key = u.key();
                    w = u.write();
                    kind[i] = KIND_UPDATE;
                    expected[i] = w.expectedRecordVersion();
                }
                case ExecutionWrite.Create cr -> {
                    key = cr.key();
                    w = cr.write();
                    kind[i] = KIND_CREATE;
                    prevRun[i] = cr.previousRunId();
                    requestId[i] = cr.createRequestId();
                    var st = w.state().getExecution().getStartTime();
                    startTime[i] = Timestamp.from(Instant.ofEpochSecond(st.getSeconds(), st.getNanos()));
                }
                default -> throw new IllegalArgumentException("not a create or update: " + fw.write());
            }
            WorkflowMutableState s = w.state();
            shard[i] = fw.shard().value();
            range[i] = fw.rangeId();
            ns[i] = key.namespaceId().uuid();
            wf[i] = key.workflowId();
            run[i] = key.runId();
            nextEvent[i] = s.getNextEventId();
            state[i] = (short) s.getExecution().getStateValue();
            status[i] = (short) s.getExecution().getStatusValue();
            close[i] = s.getExecution().getState() != ExecutionState.EXECUTION_STATE_RUNNING;
            data[i] = s.toByteArray(); // the version lives in its column; get() puts it back
            if (!w.events().isEmpty()) {
                histNode[i] = w.events().get(0).getEventId();
                histTxn[i] = w.historyTxnId();
                histData[i] = History.newBuilder().addAllEvents(w.events()).build().toByteArray();
            }
            for (QueueTask t : w.transferTasks()) {
                trWrite[tr] = i + 1;
                trId[tr] = t.taskId();
                trData[tr++] = t.task().toByteArray();
            }
            for (QueueTask t : w.timerTasks()) {
                tmWrite[tm] = i + 1;
                tmTime[tm] = Timestamp.from(PostgresExecutionStore.micros(t.fireAt()));
                tmId[tm] = t.taskId();
                tmData[tm++] = t.task().toByteArray();
            }
        }
        Short[] codes;
        try (PreparedStatement ps = c.prepareStatement(SQL)) {
            // Java arrays of numbers, strings and byte[] go to the server in binary (setObject); createArrayOf would
            // spell them out as text, bytea as hex, for the server to parse again. pgjdbc has no binary form for
            // uuid[] and timestamptz[].
            int p = 1;
            ps.setObject(p++, shard);
            ps.setObject(p++, range);
            ps.setObject(p++, kind);
            ps.setArray(p++, c.createArrayOf("uuid", ns));
            ps.setObject(p++, wf);
            ps.setArray(p++, c.createArrayOf("uuid", run));
            ps.setArray(p++, c.createArrayOf("uuid", prevRun));
            ps.setObject(p++, requestId);
            ps.setArray(p++, c.createArrayOf("timestamptz", startTime));
            ps.setObject(p++, expected);
            ps.setObject(p++, nextEvent);
            ps.setObject(p++, state);
            ps.setObject(p++, status);
            ps.setObject(p++, close);
            ps.setObject(p++, data);
            ps.setObject(p++, histNode);
            ps.setObject(p++, histTxn);
            ps.setObject(p++, histData);
            ps.setObject(p++, trWrite);
            ps.setObject(p++, trId);
            ps.setObject(p++, trData);
            ps.setObject(p++, tmWrite);
            ps.setArray(p++, c.createArrayOf("timestamptz", tmTime));
            ps.setObject(p++, tmId);
            ps.setObject(p, tmData);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Array a = rs.getArray(1);
                codes = (Short[]) a.getArray();
            }
        }
        for (int i = 0; i < n; i++) {
            if (codes[i] == SHARD_MOVED) { // the fence failed: nothing of the batch was written
                throw new ShardOwnershipLostException(shard[i], range[i], -1);
            }
        }
        List<RuntimeException> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (codes[i] == WRITTEN) {
                out.add(null);
            } else {
                out.add(new ConditionFailedException(kind[i] == KIND_UPDATE
                        ? "workflow " + wf[i] + " run " + run[i] + " was changed concurrently"
                        : "workflow " + wf[i] + " was started or changed concurrently"));
            }
        }
        return out;
    }
}
