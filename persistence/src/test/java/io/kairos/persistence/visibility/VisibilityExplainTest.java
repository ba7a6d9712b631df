package io.kairos.persistence.visibility;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.persistence.visibility.query.CompiledQuery;
import io.kairos.persistence.visibility.query.QueryCompiler;
import io.temporal.api.enums.v1.IndexedValueType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * Index evidence for docs/visibility.md: 100k rows, then EXPLAIN of the common queries as the store runs them.
 * Opt-in: {@code -Dkairos.explain=true}.
 */
@EnabledIfSystemProperty(named = "kairos.explain", matches = "true")
class VisibilityExplainTest {
    @Test
    void explainCommonQueries() throws Exception {
        NamespaceId ns = NamespaceId.random();
        try (HikariDataSource ds = EmbeddedDb.migrated(SchemaDatabase.VISIBILITY); Connection c = ds.getConnection()) {
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO executions_visibility (namespace_id, run_id, workflow_id, workflow_type_name, "
                        + "start_time, execution_time, close_time, status, task_queue, search_attributes, _version) "
                        + "SELECT '" + ns.uuid() + "'::uuid, gen_random_uuid(), 'wf-' || i, 'Type' || (i % 20), "
                        + "now() - (i || ' seconds')::interval, now() - (i || ' seconds')::interval, "
                        + "CASE WHEN i % 10 = 0 THEN NULL ELSE now() - (i || ' seconds')::interval + interval '5 seconds' END, "
                        + "CASE WHEN i % 10 = 0 THEN 1 ELSE 2 + (i % 3) END, 'q', "
                        + "jsonb_build_object('CustomKeyword', 'k' || (i % 1000), 'CustomInt', i, 'CustomList', "
                        + "jsonb_build_array('t' || (i % 7))), 1 FROM generate_series(1, 100000) i");
                st.execute("INSERT INTO search_attributes (namespace_id, name, type) VALUES ('" + ns.uuid()
                        + "', 'CustomKeyword', 2), ('" + ns.uuid() + "', 'CustomInt', 3), ('" + ns.uuid()
                        + "', 'CustomList', 7)");
                st.execute("ANALYZE executions_visibility");
            }
            SearchAttributeCatalog cat = new SearchAttributeCatalog(Map.of(
                    "CustomKeyword", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
                    "CustomInt", IndexedValueType.INDEXED_VALUE_TYPE_INT,
                    "CustomList", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST));
            for (String q : List.of("", "WorkflowType = 'Type7'", "ExecutionStatus = 'Running'",
                    "WorkflowId = 'wf-500'", "StartTime > '" + OffsetDateTime.now().minusMinutes(10) + "'",
                    "CustomKeyword = 'k42'", "CustomList = 't3'", "WorkflowType = 'Type7' AND ExecutionStatus = 'Failed'")) {
                CompiledQuery cq = QueryCompiler.compileList(q, cat);
                StringBuilder order = new StringBuilder();
                for (var k : cq.order()) {
                    order.append(order.isEmpty() ? "" : ", ").append(k.sql()).append(k.descending() ? " DESC" : "");
                }
                explain(c, "SELECT * FROM executions_visibility WHERE namespace_id = ? AND " + cq.where()
                        + " ORDER BY " + order + " LIMIT 1000", ns, cq, "List: " + (q.isEmpty() ? "(no filter)" : q));
            }
            CompiledQuery g = QueryCompiler.compileCount("GROUP BY ExecutionStatus", cat);
            explain(c, "SELECT status, count(*) FROM executions_visibility WHERE namespace_id = ? AND " + g.where()
                    + " GROUP BY status", ns, g, "Count: GROUP BY ExecutionStatus");
        }
    }

    private static void explain(Connection c, String sql, NamespaceId ns, CompiledQuery q, String title) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql)) {
            ps.setObject(1, ns.uuid());
            int i = 2;
            for (Object p : q.params()) {
                if (p instanceof Short s) {
                    ps.setShort(i++, s);
                } else {
                    ps.setObject(i++, p);
                }
            }
            StringBuilder out = new StringBuilder("### " + title + "\n");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.append("    ").append(rs.getString(1)).append('\n');
                }
            }
            System.out.println(out);
        }
    }
}
