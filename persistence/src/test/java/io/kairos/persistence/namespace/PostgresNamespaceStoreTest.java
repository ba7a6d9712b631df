package io.kairos.persistence.namespace;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.ConditionFailedException;
import io.kairos.persistence.sql.DuplicateKeyException;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.proto.persistence.v1.NamespaceRecord;
import io.temporal.api.enums.v1.NamespaceState;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.namespace.v1.NamespaceInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresNamespaceStoreTest {
    private HikariDataSource ds;
    private Jdbc jdbc;
    private PostgresNamespaceStore store;

    @BeforeEach
    void setUp() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        jdbc = new Jdbc(ds);
        store = new PostgresNamespaceStore(jdbc);
    }

    @AfterEach
    void tearDown() {
        ds.close();
    }

    private static NamespaceRecord record(NamespaceId id, String name, NamespaceState state, String description) {
        return NamespaceRecord.newBuilder()
                .setInfo(NamespaceInfo.newBuilder()
                        .setName(name)
                        .setId(id.toString())
                        .setState(state)
                        .setDescription(description)
                        .setOwnerEmail("ops@example.com")
                        .putData("team", "payments"))
                .setConfig(NamespaceConfig.newBuilder()
                        .setWorkflowExecutionRetentionTtl(Duration.newBuilder().setSeconds(86_400)))
                .setConfigVersion(1)
                .setCreatedTime(Timestamp.newBuilder().setSeconds(1_700_000_000).setNanos(123_000))
                .build();
    }

    private static NamespaceRecord record(NamespaceId id, String name) {
        return record(id, name, NamespaceState.NAMESPACE_STATE_REGISTERED, "desc of " + name);
    }

    /** The name column, read directly, to check it follows the record. */
    private Optional<String> nameColumn(NamespaceId id) {
        return jdbc.read("read name", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT name FROM namespaces WHERE id = ?")) {
                ps.setObject(1, id.uuid());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Test
    void createThenGetByNameAndByIdRoundTripTheRecord() {
        NamespaceId id = NamespaceId.random();
        NamespaceRecord rec = record(id, "orders");

        NamespaceRow created = store.create(id, rec);
        assertEquals(id, created.id());
        assertEquals(rec, created.record());
        assertEquals("orders", created.name());
        assertEquals(NamespaceState.NAMESPACE_STATE_REGISTERED, created.state());

        NamespaceRow byName = store.getByName("orders").orElseThrow();
        NamespaceRow byId = store.getById(id).orElseThrow();
        for (NamespaceRow row : List.of(byName, byId)) {
            assertEquals(created, row);
            assertEquals(rec, row.record());
            assertEquals("orders", row.record().getInfo().getName());
            assertEquals(id.toString(), row.record().getInfo().getId());
            assertEquals(NamespaceState.NAMESPACE_STATE_REGISTERED, row.record().getInfo().getState());
            assertEquals("payments", row.record().getInfo().getDataOrThrow("team"));
            assertEquals(86_400, row.record().getConfig().getWorkflowExecutionRetentionTtl().getSeconds());
        }
        assertEquals(Optional.of("orders"), nameColumn(id));
    }

    @Test
    void unknownNamespacesAreEmpty() {
        store.create(NamespaceId.random(), record(NamespaceId.random(), "present"));
        assertTrue(store.getByName("absent").isEmpty());
        assertTrue(store.getById(NamespaceId.random()).isEmpty());
    }

    @Test
    void duplicateNameIsRejectedAndLeavesTheFirstRow() {
        NamespaceId first = NamespaceId.random();
        NamespaceRow row = store.create(first, record(first, "dup"));
        long version = store.metadataVersion();

        NamespaceId second = NamespaceId.random();
        DuplicateKeyException e = assertThrows(DuplicateKeyException.class,
                () -> store.create(second, record(second, "dup")));
        assertEquals("23505", e.sqlState());

        assertEquals(row, store.getByName("dup").orElseThrow());
        assertTrue(store.getById(second).isEmpty());
        assertEquals(version, store.metadataVersion(), "the failed insert rolled back the version bump");
        assertEquals(1, store.listAll().size());
    }

    @Test
    void duplicateIdIsRejected() {
        NamespaceId id = NamespaceId.random();
        store.create(id, record(id, "one"));
        assertThrows(DuplicateKeyException.class, () -> store.create(id, record(id, "two")));
        assertTrue(store.getByName("two").isEmpty());
    }

    @Test
    void metadataVersionIncreasesOnCreateAndUpdate() {
        long v0 = store.metadataVersion();

        NamespaceId id = NamespaceId.random();
        NamespaceRow created = store.create(id, record(id, "versions"));
        long v1 = store.metadataVersion();
        assertTrue(v1 > v0, v0 + " -> " + v1);
        assertEquals(v1, created.notificationVersion(), "row carries the global version of its change");

        NamespaceRow updated = store.update(created,
                record(id, "versions", NamespaceState.NAMESPACE_STATE_REGISTERED, "changed"));
        long v2 = store.metadataVersion();
        assertTrue(v2 > v1, v1 + " -> " + v2);
        assertEquals(v2, updated.notificationVersion());
        assertEquals(v2, store.getById(id).orElseThrow().notificationVersion());

        NamespaceId other = NamespaceId.random();
        store.create(other, record(other, "another"));
        long v3 = store.metadataVersion();
        assertTrue(v3 > v2);
        // reads do not move it
        store.listAll();
        store.getByName("versions");
        assertEquals(v3, store.metadataVersion());
    }

    @Test
    void updateWithAStaleRowFailsAndLeavesTheRowUnchanged() {
        NamespaceId id = NamespaceId.random();
        NamespaceRow original = store.create(id, record(id, "cas"));
        NamespaceRow current = store.update(original,
                record(id, "cas", NamespaceState.NAMESPACE_STATE_REGISTERED, "first writer"));
        long version = store.metadataVersion();

        assertThrows(ConditionFailedException.class, () -> store.update(original,
                record(id, "cas", NamespaceState.NAMESPACE_STATE_DEPRECATED, "second writer")));
        assertThrows(ConditionFailedException.class, () -> store.update(original,
                record(id, "cas-renamed", NamespaceState.NAMESPACE_STATE_REGISTERED, "second writer")));

        NamespaceRow stored = store.getById(id).orElseThrow();
        assertEquals(current, stored);
        assertEquals("first writer", stored.record().getInfo().getDescription());
        assertEquals(NamespaceState.NAMESPACE_STATE_REGISTERED, stored.state());
        assertEquals(Optional.of("cas"), nameColumn(id));
        assertTrue(store.getByName("cas-renamed").isEmpty());
        assertEquals(version, store.metadataVersion(), "a failed update rolls back the version bump");

        // the fresh row still works
        NamespaceRow next = store.update(stored,
                record(id, "cas", NamespaceState.NAMESPACE_STATE_DEPRECATED, "retry"));
        assertEquals(NamespaceState.NAMESPACE_STATE_DEPRECATED, store.getById(id).orElseThrow().state());
        assertEquals(next, store.getByName("cas").orElseThrow());
    }

    @Test
    void updateOfAMissingRowFails() {
        NamespaceId id = NamespaceId.random();
        NamespaceRow ghost = new NamespaceRow(id, record(id, "ghost"), 1);
        assertThrows(ConditionFailedException.class, () -> store.update(ghost, record(id, "ghost")));
        assertTrue(store.getById(id).isEmpty());
    }

    @Test
    void updateCanRename() {
        NamespaceId id = NamespaceId.random();
        NamespaceRow row = store.create(id, record(id, "old-name"));

        NamespaceRecord renamed = record(id, "old-name-deleted-1a2b", NamespaceState.NAMESPACE_STATE_DELETED, "gone")
                .toBuilder().setOriginalName("old-name").build();
        NamespaceRow updated = store.update(row, renamed);
        assertEquals("old-name-deleted-1a2b", updated.name());

        assertEquals(Optional.of("old-name-deleted-1a2b"), nameColumn(id));
        assertTrue(store.getByName("old-name").isEmpty());
        NamespaceRow byNewName = store.getByName("old-name-deleted-1a2b").orElseThrow();
        assertEquals(updated, byNewName);
        assertEquals("old-name", byNewName.record().getOriginalName());
        assertEquals(NamespaceState.NAMESPACE_STATE_DELETED, byNewName.state());
        assertEquals(byNewName, store.getById(id).orElseThrow());

        // the old name is free again
        NamespaceId reuse = NamespaceId.random();
        store.create(reuse, record(reuse, "old-name"));
        assertEquals(reuse, store.getByName("old-name").orElseThrow().id());
    }

    @Test
    void renameOntoATakenNameIsADuplicate() {
        NamespaceId a = NamespaceId.random();
        NamespaceId b = NamespaceId.random();
        store.create(a, record(a, "alpha"));
        NamespaceRow rowB = store.create(b, record(b, "beta"));

        assertThrows(DuplicateKeyException.class, () -> store.update(rowB, record(b, "alpha")));
        assertEquals(rowB, store.getById(b).orElseThrow());
        assertEquals(a, store.getByName("alpha").orElseThrow().id());
    }

    /** Postgres orders uuids by their bytes, unsigned, which is the order of the lowercase text form. */
    private static final Comparator<UUID> PG_UUID_ORDER = Comparator.comparing(UUID::toString);

    private List<NamespaceId> createMany(int n) {
        List<NamespaceId> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            NamespaceId id = NamespaceId.random();
            store.create(id, record(id, "ns-" + i));
            ids.add(id);
        }
        ids.sort(Comparator.comparing(NamespaceId::uuid, PG_UUID_ORDER));
        return ids;
    }

    @Test
    void listPagesThroughAllNamespacesInIdOrder() {
        List<NamespaceId> expected = createMany(5);

        List<NamespaceId> seen = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        byte[] token = null;
        int calls = 0;
        do {
            NamespacePage page = store.list(2, token);
            calls++;
            assertTrue(page.rows().size() <= 2);
            pageSizes.add(page.rows().size());
            page.rows().forEach(r -> seen.add(r.id()));
            if (page.rows().size() == 2) {
                assertNotNull(page.nextPageToken(), "a full page has a next token");
                assertArrayEquals(PostgresNamespaceStore.uuidToToken(page.rows().get(1).id().uuid()),
                        page.nextPageToken(), "the token is the last row's id");
            } else {
                assertNull(page.nextPageToken(), "a short page is the last");
            }
            token = page.nextPageToken();
            assertTrue(calls <= 10, "paging does not terminate");
        } while (token != null);

        assertEquals(List.of(2, 2, 1), pageSizes);
        assertEquals(expected, seen, "id order, every namespace exactly once");
        Set<NamespaceId> unique = new HashSet<>(seen);
        assertEquals(5, unique.size());
        assertEquals(expected, store.listAll().stream().map(NamespaceRow::id).toList());
    }

    @Test
    void listWhenTheLastPageIsFullEndsWithAnEmptyPage() {
        List<NamespaceId> expected = createMany(4);

        NamespacePage p1 = store.list(2, null);
        NamespacePage p2 = store.list(2, p1.nextPageToken());
        NamespacePage p3 = store.list(2, p2.nextPageToken());
        assertEquals(expected.subList(0, 2), p1.rows().stream().map(NamespaceRow::id).toList());
        assertEquals(expected.subList(2, 4), p2.rows().stream().map(NamespaceRow::id).toList());
        assertNotNull(p2.nextPageToken(), "a full page cannot know it is the last");
        assertTrue(p3.rows().isEmpty());
        assertNull(p3.nextPageToken());
    }

    @Test
    void listOfAnEmptyTableAndEmptyToken() {
        NamespacePage page = store.list(10, new byte[0]);
        assertTrue(page.rows().isEmpty());
        assertNull(page.nextPageToken());
    }

    @Test
    void malformedPageTokenIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> store.list(2, new byte[] {1, 2, 3}));
    }

    @Test
    void tokenRoundTrips() {
        UUID u = UUID.randomUUID();
        byte[] token = PostgresNamespaceStore.uuidToToken(u);
        assertEquals(16, token.length);
        assertEquals(u, PostgresNamespaceStore.tokenToUuid(token));
    }
}
