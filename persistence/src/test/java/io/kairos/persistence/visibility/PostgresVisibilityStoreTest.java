package io.kairos.persistence.visibility;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.persistence.visibility.query.QueryCompiler;
import io.temporal.api.enums.v1.IndexedValueType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PostgresVisibilityStoreTest {
    private static HikariDataSource ds;
    private static PostgresVisibilityStore store;

    @BeforeAll
    static void setUp() {
        ds = EmbeddedDb.migrated(SchemaDatabase.VISIBILITY);
        store = new PostgresVisibilityStore(new Jdbc(ds));
    }

    @AfterAll
    static void tearDown() {
        ds.close();
    }

    private static VisibilityRecord rec(NamespaceId ns, UUID run, String wf, Instant start, Instant close, int status,
                                        String sa, long version) {
        return new VisibilityRecord(ns.uuid(), run, wf, "T", start, start, close, status, null, null, null, null, "q",
                null, null, wf, run, null, null, sa, null, version);
    }

    private static SearchAttributeCatalog catalog(NamespaceId ns) {
        return new SearchAttributeCatalog(store.searchAttributes(ns));
    }

    @Test
    void olderVersionNeverOverwritesNewer() {
        NamespaceId ns = NamespaceId.random();
        UUID run = UUID.randomUUID();
        Instant t = Instant.parse("2024-01-01T00:00:00Z");
        store.upsert(rec(ns, run, "wf", t, t.plusSeconds(5), 2, "{}", 5));
        store.upsert(rec(ns, run, "wf", t, null, 1, "{}", 3)); // late start record
        var page = store.list(ns, QueryCompiler.compileList("", catalog(ns)), 10, null);
        assertEquals(1, page.records().size());
        assertEquals(2, page.records().get(0).status());
        assertEquals(t.plusSeconds(5), page.records().get(0).closeTime());
        store.delete(ns, run);
        assertEquals(0, store.count(ns, QueryCompiler.compileCount("", catalog(ns))));
    }

    @Test
    void keysetPagingIsStableWhileRowsArrive() {
        NamespaceId ns = NamespaceId.random();
        Instant t = Instant.parse("2024-01-01T00:00:00Z");
        List<UUID> runs = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            UUID run = UUID.randomUUID();
            runs.add(run);
            // equal start times in pairs: run_id breaks the tie
            store.upsert(rec(ns, run, "wf-" + i, t.plusSeconds(i / 2), i % 3 == 0 ? t.plusSeconds(100 + i) : null,
                    i % 3 == 0 ? 2 : 1, "{}", 1));
        }
        var q = QueryCompiler.compileList("", catalog(ns));
        List<UUID> seen = new ArrayList<>();
        byte[] token = null;
        int pages = 0;
        do {
            var page = store.list(ns, q, 10, token);
            page.records().forEach(r -> seen.add(r.runId()));
            token = page.nextPageToken();
            pages++;
            if (pages == 1) { // a newer run arriving mid-listing sorts before the cursor and is not repeated
                store.upsert(rec(ns, UUID.randomUUID(), "late", t.plusSeconds(999), null, 1, "{}", 1));
            }
        } while (token.length > 0);
        assertEquals(3, pages);
        assertEquals(25, seen.size());
        assertEquals(new HashSet<>(runs), new HashSet<>(seen));
        // open runs (status 1) first
        assertEquals(1, store.list(ns, q, 1, null).records().get(0).status());
    }

    @Test
    void customAttributesAndGroupBy() {
        NamespaceId ns = NamespaceId.random();
        store.addSearchAttributes(ns, Map.of("Color", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
                "Tags", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
                "Size", IndexedValueType.INDEXED_VALUE_TYPE_INT,
                "Notes", IndexedValueType.INDEXED_VALUE_TYPE_TEXT));
        Instant t = Instant.parse("2024-01-01T00:00:00Z");
        store.upsert(rec(ns, UUID.randomUUID(), "a", t, null, 1,
                "{\"Color\":\"red\",\"Tags\":[\"x\",\"y\"],\"Size\":3,\"Notes\":\"the quick brown fox\"}", 1));
        store.upsert(rec(ns, UUID.randomUUID(), "b", t, t.plusSeconds(1), 2,
                "{\"Color\":\"blue\",\"Tags\":[\"y\"],\"Size\":10}", 1));
        SearchAttributeCatalog c = catalog(ns);
        assertEquals(1, store.count(ns, QueryCompiler.compileCount("Color = 'red'", c)));
        assertEquals(2, store.count(ns, QueryCompiler.compileCount("Tags = 'y'", c)));
        assertEquals(1, store.count(ns, QueryCompiler.compileCount("Tags != 'x'", c)));
        assertEquals(1, store.count(ns, QueryCompiler.compileCount("Size > 5", c)));
        assertEquals(1, store.count(ns, QueryCompiler.compileCount("Notes = 'brown fox'", c)));
        assertEquals(0, store.count(ns, QueryCompiler.compileCount("Notes = 'lazy dog'", c)));
        assertEquals(1, store.count(ns, QueryCompiler.compileCount("Notes IS NULL", c)));
        assertEquals(Map.of(1, 1L, 2, 1L), store.countByStatus(ns, QueryCompiler.compileCount("GROUP BY ExecutionStatus", c)));
        store.removeSearchAttributes(ns, List.of("Notes"));
        assertEquals(3, store.searchAttributes(ns).size());
    }

    @Test
    void foreignPageTokenIsRejected() {
        NamespaceId ns = NamespaceId.random();
        var c = catalog(ns);
        assertThrows(InvalidArgumentException.class, () -> store.list(ns, QueryCompiler.compileList("", c), 10,
                "[\"x\",\"1\"]".getBytes()));
        assertThrows(InvalidArgumentException.class, () -> store.list(ns, QueryCompiler.compileList("", c), 10,
                new byte[]{1, 2, 3}));
    }
}
