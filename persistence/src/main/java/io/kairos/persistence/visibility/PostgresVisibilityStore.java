package io.kairos.persistence.visibility;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.visibility.query.CompiledQuery;
import io.temporal.api.enums.v1.IndexedValueType;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** executions_visibility and search_attributes in the temporal_visibility database. */
public final class PostgresVisibilityStore {
    private static final String COLUMNS = "namespace_id, run_id, workflow_id, workflow_type_name, start_time, "
            + "execution_time, close_time, status, history_length, history_size_bytes, execution_duration, "
            + "state_transition_count, task_queue, parent_workflow_id, parent_run_id, root_workflow_id, root_run_id, "
            + "memo, memo_encoding, search_attributes, namespace_division, _version";
    private static final String UPSERT = "INSERT INTO executions_visibility (" + COLUMNS + ") VALUES "
            + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?) "
            + "ON CONFLICT (namespace_id, run_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id, "
            + "workflow_type_name = EXCLUDED.workflow_type_name, start_time = EXCLUDED.start_time, "
            + "execution_time = EXCLUDED.execution_time, close_time = EXCLUDED.close_time, status = EXCLUDED.status, "
            + "history_length = EXCLUDED.history_length, history_size_bytes = EXCLUDED.history_size_bytes, "
            + "execution_duration = EXCLUDED.execution_duration, "
            + "state_transition_count = EXCLUDED.state_transition_count, task_queue = EXCLUDED.task_queue, "
            + "parent_workflow_id = EXCLUDED.parent_workflow_id, parent_run_id = EXCLUDED.parent_run_id, "
            + "root_workflow_id = EXCLUDED.root_workflow_id, root_run_id = EXCLUDED.root_run_id, memo = EXCLUDED.memo, "
            + "memo_encoding = EXCLUDED.memo_encoding, search_attributes = EXCLUDED.search_attributes, "
            + "namespace_division = EXCLUDED.namespace_division, _version = EXCLUDED._version "
            + "WHERE executions_visibility._version < EXCLUDED._version";

    private final Jdbc jdbc;

    public PostgresVisibilityStore(Jdbc jdbc) {
        this(jdbc, new java.util.concurrent.ConcurrentHashMap<>());
    }

    private PostgresVisibilityStore(Jdbc jdbc,
                                    java.util.concurrent.ConcurrentMap<NamespaceId, CachedAttributes> attributeCache) {
        this.jdbc = jdbc;
        this.attributeCache = attributeCache;
    }

    /**
     * This store through another {@link Jdbc} (another service's metrics), sharing its search-attribute cache so that
     * a change made through one is seen at once through the others.
     */
    public PostgresVisibilityStore via(Jdbc other) {
        return new PostgresVisibilityStore(other, attributeCache);
    }

    /** Writes the record unless the row already holds this or a newer version. */
    public void upsert(VisibilityRecord r) {
        upsertAll(List.of(r));
    }

    /** {@link #upsert} for several records, in one transaction (the visibility writer's group commit). */
    public void upsertAll(List<VisibilityRecord> records) {
        jdbc.inTransaction(records.size() == 1 ? "upsert visibility" : "upsert visibility batch", c -> {
            try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
                for (VisibilityRecord r : records) {
                    bind(ps, r);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    private static void bind(PreparedStatement ps, VisibilityRecord r) throws java.sql.SQLException {
        ps.setObject(1, r.namespaceId());
        ps.setObject(2, r.runId());
        ps.setString(3, r.workflowId());
        ps.setString(4, r.workflowType());
        ps.setObject(5, ts(r.startTime()));
        ps.setObject(6, ts(r.executionTime()));
        ps.setObject(7, ts(r.closeTime()), Types.TIMESTAMP_WITH_TIMEZONE);
        ps.setShort(8, (short) r.status());
        setLong(ps, 9, r.historyLength());
        setLong(ps, 10, r.historySizeBytes());
        setLong(ps, 11, r.executionDuration());
        setLong(ps, 12, r.stateTransitionCount());
        ps.setString(13, r.taskQueue());
        ps.setString(14, r.parentWorkflowId());
        ps.setObject(15, r.parentRunId());
        ps.setString(16, r.rootWorkflowId());
        ps.setObject(17, r.rootRunId());
        ps.setBytes(18, r.memo());
        ps.setString(19, r.memoEncoding());
        ps.setString(20, r.searchAttributes() == null ? "{}" : r.searchAttributes());
        ps.setString(21, r.namespaceDivision());
        ps.setLong(22, r.version());
    }

    public void delete(NamespaceId ns, UUID runId) {
        jdbc.read("delete visibility", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM executions_visibility WHERE namespace_id = ? AND run_id = ?")) {
                ps.setObject(1, ns.uuid());
                ps.setObject(2, runId);
                return ps.executeUpdate();
            }
        });
    }

    /**
     * One page in the query's order. The page token holds the last row's sort key values (keyset paging), so
     * rows written or closed meanwhile never make a later page repeat or skip a row that kept its key.
     */
    public VisibilityPage list(NamespaceId ns, CompiledQuery q, int pageSize, byte[] pageToken) {
        List<CompiledQuery.SortKey> order = q.order();
        List<String> after = decodeToken(pageToken, order);
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS);
        for (int i = 0; i < order.size(); i++) {
            sql.append(", (").append(order.get(i).sql()).append(")::text AS k").append(i);
        }
        sql.append(" FROM executions_visibility WHERE namespace_id = ? AND ").append(q.where());
        List<Object> params = new ArrayList<>(q.params());
        if (after != null) {
            sql.append(" AND ").append(keyset(order, after, params));
        }
        sql.append(" ORDER BY ");
        for (int i = 0; i < order.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(order.get(i).sql()).append(order.get(i).descending() ? " DESC" : " ASC");
        }
        sql.append(" LIMIT ?");
        return jdbc.read("list visibility", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setObject(i++, ns.uuid());
                for (Object p : params) {
                    bind(ps, i++, p);
                }
                ps.setInt(i, pageSize + 1);
                List<VisibilityRecord> out = new ArrayList<>();
                List<String> lastKey = null;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (out.size() == pageSize) {
                            return new VisibilityPage(out, encodeToken(lastKey, order));
                        }
                        out.add(record(rs));
                        lastKey = new ArrayList<>();
                        for (int k = 0; k < order.size(); k++) {
                            lastKey.add(rs.getString("k" + k));
                        }
                    }
                }
                return new VisibilityPage(out, new byte[0]);
            }
        });
    }

    /** Rows strictly after the token's key in the sort order; a row comparison when all keys share a direction. */
    private static String keyset(List<CompiledQuery.SortKey> order, List<String> after, List<Object> params) {
        boolean uniform = order.stream().allMatch(k -> k.descending() == order.get(0).descending());
        if (uniform) {
            StringBuilder l = new StringBuilder("(");
            StringBuilder r = new StringBuilder("(");
            for (int i = 0; i < order.size(); i++) {
                l.append(i == 0 ? "" : ", ").append(order.get(i).sql());
                r.append(i == 0 ? "" : ", ").append("CAST(? AS ").append(order.get(i).sqlType()).append(")");
                params.add(after.get(i));
            }
            return l + ") " + (order.get(0).descending() ? "<" : ">") + " " + r + ")";
        }
        List<String> ors = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            StringBuilder and = new StringBuilder("(");
            for (int j = 0; j < i; j++) {
                and.append(order.get(j).sql()).append(" = CAST(? AS ").append(order.get(j).sqlType()).append(") AND ");
                params.add(after.get(j));
            }
            and.append(order.get(i).sql()).append(order.get(i).descending() ? " < " : " > ")
                    .append("CAST(? AS ").append(order.get(i).sqlType()).append("))");
            params.add(after.get(i));
            ors.add(and.toString());
        }
        return "(" + String.join(" OR ", ors) + ")";
    }

    private static String signature(List<CompiledQuery.SortKey> order) {
        StringBuilder sb = new StringBuilder();
        order.forEach(k -> sb.append(k.sql()).append(k.descending() ? "-" : "+"));
        return Integer.toHexString(sb.toString().hashCode());
    }

    private static byte[] encodeToken(List<String> key, List<CompiledQuery.SortKey> order) {
        JsonArray a = new JsonArray();
        a.add(signature(order));
        key.forEach(a::add);
        return a.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> decodeToken(byte[] token, List<CompiledQuery.SortKey> order) {
        if (token == null || token.length == 0) {
            return null;
        }
        try {
            JsonArray a = JsonParser.parseString(new String(token, StandardCharsets.UTF_8)).getAsJsonArray();
            if (a.size() != order.size() + 1 || !a.get(0).getAsString().equals(signature(order))) {
                throw new InvalidArgumentException("invalid next_page_token: it belongs to a query with another order");
            }
            List<String> out = new ArrayList<>();
            for (int i = 1; i < a.size(); i++) {
                String key = a.get(i).getAsString();
                if (key.indexOf('\0') >= 0) {
                    throw new InvalidArgumentException("invalid next_page_token: unable to deserialize page token");
                }
                out.add(key);
            }
            return out;
        } catch (RuntimeException e) {
            if (e instanceof InvalidArgumentException iae) {
                throw iae;
            }
            throw new InvalidArgumentException("invalid next_page_token: unable to deserialize page token");
        }
    }

    public long count(NamespaceId ns, CompiledQuery q) {
        return jdbc.read("count visibility", c -> {
            try (PreparedStatement ps = prepare(c, "SELECT count(*) FROM executions_visibility WHERE namespace_id = ? AND "
                    + q.where(), ns, q.params()); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** Counts by status number, largest group first. */
    public Map<Integer, Long> countByStatus(NamespaceId ns, CompiledQuery q) {
        return jdbc.read("count visibility", c -> {
            try (PreparedStatement ps = prepare(c, "SELECT status, count(*) FROM executions_visibility WHERE namespace_id = ? AND "
                    + q.where() + " GROUP BY status ORDER BY count(*) DESC, status", ns, q.params());
                 ResultSet rs = ps.executeQuery()) {
                Map<Integer, Long> out = new LinkedHashMap<>();
                while (rs.next()) {
                    out.put((int) rs.getShort(1), rs.getLong(2));
                }
                return out;
            }
        });
    }

    private static PreparedStatement prepare(Connection c, String sql, NamespaceId ns, List<Object> params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        ps.setObject(1, ns.uuid());
        int i = 2;
        for (Object p : params) {
            bind(ps, i++, p);
        }
        return ps;
    }

    private static void bind(PreparedStatement ps, int i, Object p) throws SQLException {
        switch (p) {
            case OffsetDateTime t -> ps.setObject(i, t);
            case Short s -> ps.setShort(i, s);
            case Long l -> ps.setLong(i, l);
            case Double d -> ps.setDouble(i, d);
            case Boolean b -> ps.setBoolean(i, b);
            case String s -> ps.setString(i, s);
            default -> throw new IllegalArgumentException("unsupported query parameter " + p.getClass());
        }
    }

    private record CachedAttributes(Map<String, IndexedValueType> attributes, long readAtNanos) {
    }

    /** Search attributes are read on every start and upsert that sets any: keep them briefly (as Temporal does). */
    private static final long ATTRIBUTES_TTL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    private final java.util.concurrent.ConcurrentMap<NamespaceId, CachedAttributes> attributeCache;

    /**
     * Custom search attributes of a namespace, by name. Changes made through this process are seen at once; those
     * made by other processes within {@link #ATTRIBUTES_TTL_NANOS}.
     */
    public Map<String, IndexedValueType> searchAttributes(NamespaceId ns) {
        CachedAttributes c = attributeCache.get(ns);
        if (c != null && System.nanoTime() - c.readAtNanos() < ATTRIBUTES_TTL_NANOS) {
            return c.attributes();
        }
        long now = System.nanoTime();
        Map<String, IndexedValueType> read = java.util.Collections.unmodifiableMap(readSearchAttributes(ns));
        attributeCache.put(ns, new CachedAttributes(read, now));
        return read;
    }

    private Map<String, IndexedValueType> readSearchAttributes(NamespaceId ns) {
        return jdbc.read("get search attributes", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT name, type FROM search_attributes WHERE namespace_id = ? ORDER BY name")) {
                ps.setObject(1, ns.uuid());
                Map<String, IndexedValueType> out = new LinkedHashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), IndexedValueType.forNumber(rs.getShort(2)));
                    }
                }
                return out;
            }
        });
    }

    /** Adds attributes in one transaction; existing names are left as they are (the caller checked types). */
    public void addSearchAttributes(NamespaceId ns, Map<String, IndexedValueType> attrs) {
        try {
            jdbc.inTransaction("add search attributes", c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO search_attributes (namespace_id, name, type) "
                        + "VALUES (?, ?, ?) ON CONFLICT (namespace_id, name) DO NOTHING")) {
                    for (var e : attrs.entrySet()) {
                        ps.setObject(1, ns.uuid());
                        ps.setString(2, e.getKey());
                        ps.setShort(3, (short) e.getValue().getNumber());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
        } finally {
            attributeCache.remove(ns); // after the commit, so no reader caches the old set
        }
    }

    public void removeSearchAttributes(NamespaceId ns, Collection<String> names) {
        try {
            jdbc.inTransaction("remove search attributes", c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM search_attributes WHERE namespace_id = ? AND name = ?")) {
                    for (String n : names) {
                        ps.setObject(1, ns.uuid());
                        ps.setString(2, n);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
        } finally {
            attributeCache.remove(ns); // after the commit, so no reader caches the old set
        }
    }

    private static VisibilityRecord record(ResultSet rs) throws SQLException {
        return new VisibilityRecord(rs.getObject("namespace_id", UUID.class), rs.getObject("run_id", UUID.class),
                rs.getString("workflow_id"), rs.getString("workflow_type_name"), instant(rs, "start_time"),
                instant(rs, "execution_time"), instant(rs, "close_time"), rs.getShort("status"),
                getLong(rs, "history_length"), getLong(rs, "history_size_bytes"), getLong(rs, "execution_duration"),
                getLong(rs, "state_transition_count"), rs.getString("task_queue"), rs.getString("parent_workflow_id"),
                rs.getObject("parent_run_id", UUID.class), rs.getString("root_workflow_id"),
                rs.getObject("root_run_id", UUID.class), rs.getBytes("memo"), rs.getString("memo_encoding"),
                rs.getString("search_attributes"), rs.getString("namespace_division"), rs.getLong("_version"));
    }

    private static Instant instant(ResultSet rs, String col) throws SQLException {
        OffsetDateTime t = rs.getObject(col, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static Long getLong(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

    private static OffsetDateTime ts(Instant i) {
        return i == null ? null : OffsetDateTime.ofInstant(i, java.time.ZoneOffset.UTC);
    }
}
