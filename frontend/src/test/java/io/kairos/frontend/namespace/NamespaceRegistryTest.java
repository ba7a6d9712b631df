package io.kairos.frontend.namespace;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.config.DatabaseConfig;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.DataSources;
import io.kairos.persistence.namespace.NamespacePage;
import io.kairos.persistence.namespace.NamespaceRow;
import io.kairos.persistence.namespace.NamespaceStore;
import io.kairos.persistence.namespace.PostgresNamespaceStore;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.proto.persistence.v1.NamespaceRecord;
import io.temporal.api.enums.v1.NamespaceState;
import io.temporal.api.namespace.v1.NamespaceInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two registries, as two server processes would have, each over its own store and pool on one database:
 * changes made through process A reach process B's cache by B's refresh loop.
 */
class NamespaceRegistryTest {
    private static final Duration REFRESH = Duration.ofMillis(100);
    private static final Duration WAIT = Duration.ofSeconds(2);

    /** Counts point reads so a test can tell the refresh loop from a read-through. */
    private static final class CountingStore implements NamespaceStore {
        final NamespaceStore delegate;
        final AtomicInteger getByName = new AtomicInteger();
        final AtomicInteger getById = new AtomicInteger();

        CountingStore(NamespaceStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public NamespaceRow create(NamespaceId id, NamespaceRecord record) {
            return delegate.create(id, record);
        }

        @Override
        public Optional<NamespaceRow> getByName(String name) {
            getByName.incrementAndGet();
            return delegate.getByName(name);
        }

        @Override
        public Optional<NamespaceRow> getById(NamespaceId id) {
            getById.incrementAndGet();
            return delegate.getById(id);
        }

        @Override
        public NamespacePage list(int pageSize, byte[] pageToken) {
            return delegate.list(pageSize, pageToken);
        }

        @Override
        public List<NamespaceRow> listAll() {
            return delegate.listAll();
        }

        @Override
        public NamespaceRow update(NamespaceRow expected, NamespaceRecord record) {
            return delegate.update(expected, record);
        }

        @Override
        public long metadataVersion() {
            return delegate.metadataVersion();
        }
    }

    private HikariDataSource poolA;
    private HikariDataSource poolB;
    private PostgresNamespaceStore storeA;
    private CountingStore storeB;
    private NamespaceRegistry registryA;
    private NamespaceRegistry registryB;

    @BeforeEach
    void setUp() {
        poolA = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        // process B: its own pool and store on the same database
        poolB = DataSources.create("process-b", new DatabaseConfig(poolA.getJdbcUrl(), poolA.getUsername(), null, 3));

        storeA = new PostgresNamespaceStore(new Jdbc(poolA));
        storeB = new CountingStore(new PostgresNamespaceStore(new Jdbc(poolB)));
        registryA = new NamespaceRegistry(storeA, REFRESH, Clock.systemUTC());
        registryB = new NamespaceRegistry(storeB, REFRESH, Clock.systemUTC());
        registryA.start();
        registryB.start();
    }

    @AfterEach
    void tearDown() {
        if (registryA != null) {
            registryA.close();
        }
        if (registryB != null) {
            registryB.close();
        }
        if (poolB != null) {
            poolB.close();
        }
        if (poolA != null) {
            poolA.close();
        }
    }

    private static NamespaceRecord record(NamespaceId id, String name, NamespaceState state) {
        return NamespaceRecord.newBuilder()
                .setInfo(NamespaceInfo.newBuilder().setId(id.toString()).setName(name).setState(state))
                .build();
    }

    private static <T> T await(String what, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() > deadline) {
                fail(what + " not visible within " + WAIT);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    @Test
    void unknownNameIsEmpty() {
        assertTrue(registryA.getByName("no-such-namespace").isEmpty());
        assertTrue(registryB.getByName("no-such-namespace").isEmpty());
        assertTrue(registryB.getById(NamespaceId.random()).isEmpty());
    }

    @Test
    void namespacesPresentAtStartAreServedFromTheCache() {
        NamespaceId id = NamespaceId.random();
        storeA.create(id, record(id, "preexisting", NamespaceState.NAMESPACE_STATE_REGISTERED));
        try (NamespaceRegistry late = new NamespaceRegistry(storeB, REFRESH, Clock.systemUTC())) {
            late.start();
            int before = storeB.getByName.get();
            int beforeById = storeB.getById.get();
            assertEquals(id, late.getByName("preexisting").orElseThrow().id());
            assertEquals("preexisting", late.getById(id).orElseThrow().name());
            assertEquals(before, storeB.getByName.get(), "served by the start() load, not a read-through");
            assertEquals(beforeById, storeB.getById.get());
        }
    }

    @Test
    void creationThroughAnotherProcessReachesTheCacheByRefresh() {
        // seeds B's one-second negative cache for the name
        assertTrue(registryB.getByName("orders").isEmpty());
        assertEquals(1, storeB.getByName.get());

        NamespaceId id = NamespaceId.random();
        NamespaceRow created = storeA.create(id, record(id, "orders", NamespaceState.NAMESPACE_STATE_REGISTERED));

        long start = System.nanoTime();
        NamespaceRow seen = await("orders in registry B", () -> registryB.getByName("orders"));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(created, seen);
        assertEquals(1, storeB.getByName.get(),
                "B never read through: the row came from its refresh loop (took " + took + ")");
        assertEquals(created, registryB.getById(id).orElseThrow());
        assertEquals(0, storeB.getById.get(), "getById served from the refreshed snapshot");
    }

    @Test
    void renameThroughAnotherProcessIsSeen() throws InterruptedException {
        // As above, a seeded negative entry makes sure "billing" reaches B by its refresh loop, so B's whole
        // snapshot (by name and by id) is at the version of the create before the rename happens.
        assertTrue(registryB.getByName("billing").isEmpty());
        NamespaceId id = NamespaceId.random();
        NamespaceRow row = storeA.create(id, record(id, "billing", NamespaceState.NAMESPACE_STATE_REGISTERED));
        assertEquals(row, await("billing in registry B", () -> registryB.getByName("billing")));
        assertEquals(1, storeB.getByName.get());
        assertEquals(row, registryB.getById(id).orElseThrow());
        // the refresh clears the negative cache right after it swaps the snapshot in: let it finish
        Thread.sleep(REFRESH.toMillis());

        // seeds B's negative cache for the new name, so only B's refresh can reveal it within the wait
        assertTrue(registryB.getByName("billing-deleted-x1").isEmpty());
        int readsBefore = storeB.getByName.get();
        assertEquals(2, readsBefore);

        NamespaceRow renamed = storeA.update(row,
                record(id, "billing-deleted-x1", NamespaceState.NAMESPACE_STATE_DELETED).toBuilder()
                        .setOriginalName("billing").build());

        NamespaceRow seen = await("renamed namespace in registry B", () -> registryB.getByName("billing-deleted-x1"));
        assertEquals(renamed, seen);
        assertEquals(NamespaceState.NAMESPACE_STATE_DELETED, seen.state());
        assertEquals("billing", seen.record().getOriginalName());
        assertEquals(renamed, registryB.getById(id).orElseThrow(), "the id maps to the new row");
        assertEquals(readsBefore, storeB.getByName.get(), "seen through the refresh, not a read-through");

        // the old name is gone from B once the refresh replaced the snapshot
        assertTrue(registryB.getByName("billing").isEmpty());
    }

    @Test
    void updateThroughAnotherProcessReplacesTheCachedRow() {
        NamespaceId id = NamespaceId.random();
        NamespaceRow row = storeA.create(id, record(id, "shipping", NamespaceState.NAMESPACE_STATE_REGISTERED));
        assertEquals(row, await("shipping in B", () -> registryB.getByName("shipping")));

        NamespaceRow deprecated = storeA.update(row, record(id, "shipping", NamespaceState.NAMESPACE_STATE_DEPRECATED));
        NamespaceRow seen = await("deprecated shipping in B", () -> registryB.getByName("shipping")
                .filter(r -> r.state() == NamespaceState.NAMESPACE_STATE_DEPRECATED));
        assertEquals(deprecated, seen);
    }

    @Test
    void invalidateMakesALocalWriteVisibleImmediately() {
        assertTrue(registryA.getByName("local").isEmpty());
        NamespaceId id = NamespaceId.random();
        NamespaceRow created = storeA.create(id, record(id, "local", NamespaceState.NAMESPACE_STATE_REGISTERED));
        registryA.invalidate("local");
        assertEquals(created, registryA.getByName("local").orElseThrow());
    }

    @Test
    void closeStopsTheRefreshLoop() throws Exception {
        registryB.close();
        // let a refresh that was in flight at close() finish
        Thread.sleep(REFRESH.toMillis() * 3);

        NamespaceId id = NamespaceId.random();
        storeA.create(id, record(id, "after-close", NamespaceState.NAMESPACE_STATE_REGISTERED));
        Thread.sleep(REFRESH.toMillis() * 5);

        // B's snapshot never picked the namespace up, so this lookup has to read through
        assertEquals("after-close", registryB.getById(id).orElseThrow().name());
        assertEquals(1, storeB.getById.get(), "a running refresh loop would have served it from the snapshot");

        // while A, still running, has it in its snapshot
        assertTrue(registryA.getById(id).isPresent());
    }
}
