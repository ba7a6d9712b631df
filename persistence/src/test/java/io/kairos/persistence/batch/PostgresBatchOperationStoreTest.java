package io.kairos.persistence.batch;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.batch.BatchOperationStore.BatchRow;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.DuplicateKeyException;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.testing.EmbeddedDb;
import io.kairos.proto.persistence.v1.BatchOperationRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresBatchOperationStoreTest {
    private static HikariDataSource ds;
    private static BatchOperationStore store;
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @BeforeAll
    static void db() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        store = new PostgresBatchOperationStore(new Jdbc(ds));
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    private static BatchRow row(NamespaceId ns, String job, int bucket, Instant start) {
        return new BatchRow(ns, job, bucket, 1, BatchOperationStore.RUNNING, start, null,
                BatchOperationRecord.newBuilder().setNamespace("ns").build());
    }

    @Test
    void jobsAreUniqueAndProgressIsACompareAndSwap() {
        NamespaceId ns = NamespaceId.random();
        store.create(row(ns, "j", 3, T));
        assertThrows(DuplicateKeyException.class, () -> store.create(row(ns, "j", 3, T)));
        assertEquals(1, store.countRunning(ns));
        BatchRow v1 = store.get(ns, "j").orElseThrow();
        BatchRow done = v1.with(BatchOperationStore.COMPLETED, T.plusSeconds(5), v1.record().toBuilder().setSuccessCount(4).build());
        assertTrue(store.update(done));
        assertFalse(store.update(done));
        BatchRow v2 = store.get(ns, "j").orElseThrow();
        assertEquals(BatchOperationStore.COMPLETED, v2.state());
        assertEquals(T.plusSeconds(5), v2.closeTime());
        assertEquals(4, v2.record().getSuccessCount());
        assertEquals(0, store.countRunning(ns));
        assertTrue(store.running(Set.of(3)).stream().noneMatch(k -> k.namespaceId().equals(ns)));
    }

    @Test
    void listPagesNewestFirst() {
        NamespaceId ns = NamespaceId.random();
        for (int i = 0; i < 5; i++) {
            store.create(row(ns, "job-" + i, 1, T.plusSeconds(i)));
        }
        List<String> seen = new ArrayList<>();
        byte[] token = new byte[0];
        do {
            BatchOperationStore.Page p = store.list(ns, 2, token);
            p.rows().forEach(r -> seen.add(r.jobId()));
            token = p.nextToken();
        } while (token.length > 0);
        assertEquals(List.of("job-4", "job-3", "job-2", "job-1", "job-0"), seen);
        assertThrows(InvalidArgumentException.class, () -> store.list(ns, 2, new byte[]{1, 2}));
    }
}
