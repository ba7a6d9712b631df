package io.kairos.persistence.schedule;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.schedule.ScheduleStore.ScheduleRow;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.DuplicateKeyException;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.proto.persistence.v1.ScheduleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresScheduleStoreTest {
    private static HikariDataSource ds;
    private static ScheduleStore store;
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @BeforeAll
    static void db() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        store = new PostgresScheduleStore(new Jdbc(ds));
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    private static ScheduleRow row(NamespaceId ns, String id, int bucket, Instant wake) {
        return new ScheduleRow(ns, id, UUID.randomUUID(), bucket, 1, "req-" + id, wake, false,
                ScheduleRecord.newBuilder().setNamespace("ns").setConflictToken(1).build());
    }

    @Test
    void createIsUniquePerNamespaceAndId() {
        NamespaceId ns = NamespaceId.random();
        store.create(row(ns, "a", 1, T));
        assertThrows(DuplicateKeyException.class, () -> store.create(row(ns, "a", 1, T)));
        store.create(row(NamespaceId.random(), "a", 1, T));
        ScheduleRow read = store.get(ns, "a").orElseThrow();
        assertEquals(1, read.version());
        assertEquals("req-a", read.createRequestId());
        assertEquals(T, read.nextWakeup());
    }

    @Test
    void updatesAreACompareAndSwapOnTheVersion() {
        NamespaceId ns = NamespaceId.random();
        store.create(row(ns, "s", 2, T));
        ScheduleRow v1 = store.get(ns, "s").orElseThrow();
        ScheduleRow changed = v1.withRecord(v1.record().toBuilder().setConflictToken(2).build(), null, true);
        assertTrue(store.update(changed));
        assertFalse(store.update(changed), "the second writer of version 1 loses");
        ScheduleRow v2 = store.get(ns, "s").orElseThrow();
        assertEquals(2, v2.version());
        assertEquals(2, v2.record().getConflictToken());
        assertTrue(v2.watching());
        assertEquals(null, v2.nextWakeup());
        assertFalse(store.deleteAt(ns, "s", 1), "a stale delete changes nothing");
        assertTrue(store.deleteAt(ns, "s", 2));
        assertFalse(store.delete(ns, "s"));
    }

    @Test
    void dueAndWatchingAreReadPerBucket() {
        NamespaceId ns = NamespaceId.random();
        store.create(row(ns, "late", 10, T.plusSeconds(10)));
        store.create(row(ns, "early", 10, T));
        store.create(row(ns, "other-bucket", 11, T));
        store.create(row(ns, "idle", 10, null));
        List<ScheduleStore.Due> due = store.due(Set.of(10), T.plusSeconds(10), 10).stream()
                .filter(d -> d.namespaceId().equals(ns)).toList();
        assertEquals(List.of("early", "late"), due.stream().map(ScheduleStore.Due::scheduleId).toList());
        assertEquals(List.of("early"), store.due(Set.of(10), T.plusSeconds(5), 10).stream()
                .filter(d -> d.namespaceId().equals(ns)).map(ScheduleStore.Due::scheduleId).toList());
        assertTrue(store.due(Set.of(), T, 10).isEmpty());
        ScheduleRow idle = store.get(ns, "idle").orElseThrow();
        store.update(idle.withRecord(idle.record(), null, true));
        assertEquals(List.of("idle"), store.watching(Set.of(10)).stream().filter(d -> d.namespaceId().equals(ns))
                .map(ScheduleStore.Due::scheduleId).toList());
    }
}
