package io.kairos.worker.ownership;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.systemjob.PostgresSystemJobLeaseStore;
import io.kairos.persistence.testing.EmbeddedDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two worker processes on one database: each bucket is run by one of them, and moves only once let go. */
class BucketLeasesTest {
    private static HikariDataSource ds;
    private static PostgresSystemJobLeaseStore store;

    @BeforeAll
    static void db() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        store = new PostgresSystemJobLeaseStore(new Jdbc(ds));
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    private static final class Recorder implements BucketLeases.Listener {
        final List<String> events = new ArrayList<>();

        @Override
        public void acquired(int bucket) {
            events.add("+" + bucket);
        }

        @Override
        public void released(int bucket) {
            events.add("-" + bucket);
        }
    }

    @Test
    void aBucketMovesOnlyWhenItsHolderLetsGo() {
        AtomicReference<Set<Integer>> placedOnA = new AtomicReference<>(Set.of(1, 2));
        AtomicReference<Set<Integer>> placedOnB = new AtomicReference<>(Set.of(2, 3));
        BucketLeases a = new BucketLeases(store, "a:1", placedOnA::get, false, Duration.ofSeconds(1), Duration.ofSeconds(30));
        BucketLeases b = new BucketLeases(store, "b:2", placedOnB::get, false, Duration.ofSeconds(1), Duration.ofSeconds(30));
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        a.addListener(ra);
        b.addListener(rb);
        a.reconcile();
        b.reconcile();
        assertEquals(Set.of(1, 2), a.owned());
        assertEquals(Set.of(3), b.owned(), "bucket 2 is held by a; b waits for it");
        // The placement moves bucket 2 to b: a lets go at its next step, then b takes it.
        placedOnA.set(Set.of(1));
        a.reconcile();
        b.reconcile();
        assertEquals(Set.of(1), a.owned());
        assertEquals(Set.of(2, 3), b.owned());
        assertEquals(List.of("+1", "+2", "-2"), ra.events);
        assertEquals(List.of("+3", "+2"), rb.events);
        a.close();
        b.close();
        assertTrue(a.owned().isEmpty() && b.owned().isEmpty());
    }

    @Test
    void devModeTakesLeasesAKilledPredecessorLeft() {
        BucketLeases dead = new BucketLeases(store, "dead:1", () -> Set.of(7), false, Duration.ofSeconds(1), Duration.ofSeconds(30));
        dead.reconcile();
        assertEquals(Set.of(7), dead.owned());
        // No close: the process was killed. A normal worker must wait for the ttl; dev mode (exclusive) need not.
        BucketLeases waiting = new BucketLeases(store, "next:2", () -> Set.of(7), false, Duration.ofSeconds(1), Duration.ofSeconds(30));
        waiting.reconcile();
        assertTrue(waiting.owned().isEmpty());
        BucketLeases dev = new BucketLeases(store, "dev:3", () -> Set.of(7), true, Duration.ofSeconds(1), Duration.ofSeconds(30));
        dev.reconcile();
        assertEquals(Set.of(7), dev.owned());
        dev.reconcile();
        assertEquals(Set.of(7), dev.owned(), "its own lease renews");
        dead.reconcile();
        assertTrue(dead.owned().isEmpty(), "the old holder's renewal fails once the lease moved");
        dev.close();
        waiting.close();
    }
}
