package io.kairos.worker.jobs;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.systemjob.PostgresSystemJobLeaseStore;
import io.kairos.persistence.systemjob.SystemJobLeaseStore;
import io.kairos.persistence.testing.EmbeddedDb;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two worker processes, one job: it runs on exactly one of them, and moves when that one stops or stalls. */
class SystemJobRunnerTest {
    private static HikariDataSource ds;
    private static SystemJobLeaseStore leases;

    @BeforeAll
    static void db() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        leases = new PostgresSystemJobLeaseStore(new Jdbc(ds));
    }

    @AfterAll
    static void close() {
        ds.close();
    }

    private static String job() {
        return "test-job-" + UUID.randomUUID();
    }

    @Test
    void onlyOneWorkerRunsTheJob() {
        String name = job();
        AtomicInteger ranOnA = new AtomicInteger();
        AtomicInteger ranOnB = new AtomicInteger();
        SystemJobRunner a = new SystemJobRunner(leases, "a:1", List.of(new SystemJob(name, Duration.ZERO, ranOnA::incrementAndGet)),
                Duration.ofSeconds(1), Duration.ofSeconds(30));
        SystemJobRunner b = new SystemJobRunner(leases, "b:2", List.of(new SystemJob(name, Duration.ZERO, ranOnB::incrementAndGet)),
                Duration.ofSeconds(1), Duration.ofSeconds(30));
        SystemJob jobA = new SystemJob(name, Duration.ZERO, ranOnA::incrementAndGet);
        SystemJob jobB = new SystemJob(name, Duration.ZERO, ranOnB::incrementAndGet);
        for (int i = 0; i < 5; i++) {
            a.tick(jobA);
            b.tick(jobB);
        }
        assertEquals(5, ranOnA.get(), "the first worker holds the lease and runs the job each time it is due");
        assertEquals(0, ranOnB.get(), "the second worker never runs it meanwhile");
        assertEquals(List.of(name), a.heldJobs());
        assertTrue(b.heldJobs().isEmpty());

        a.close(); // gives the lease back
        b.tick(jobB);
        assertEquals(1, ranOnB.get(), "the job moves at once when its holder stops cleanly");
        a.tick(jobA);
        assertEquals(5, ranOnA.get(), "and the stopped one does not take it back while the other holds it");
        b.close();
    }

    @Test
    void anExpiredLeaseMovesAndTheOldHolderStops() throws Exception {
        String name = job();
        AtomicInteger ranOnA = new AtomicInteger();
        AtomicInteger ranOnB = new AtomicInteger();
        Duration ttl = Duration.ofMillis(600);
        SystemJobRunner a = new SystemJobRunner(leases, "a:1", List.of(), Duration.ofMillis(200), ttl);
        SystemJobRunner b = new SystemJobRunner(leases, "b:2", List.of(), Duration.ofMillis(200), ttl);
        SystemJob jobA = new SystemJob(name, Duration.ZERO, ranOnA::incrementAndGet);
        SystemJob jobB = new SystemJob(name, Duration.ZERO, ranOnB::incrementAndGet);
        a.tick(jobA);
        b.tick(jobB);
        assertEquals(1, ranOnA.get());
        assertEquals(0, ranOnB.get());

        Thread.sleep(ttl.toMillis() + 300); // a stalls past its lease (a pause, a lost database connection)
        b.tick(jobB);
        assertEquals(1, ranOnB.get(), "another worker takes the expired lease");
        a.tick(jobA);
        assertEquals(1, ranOnA.get(), "the stale holder's renewal fails, so it does not run the job again");
        assertFalse(a.heldJobs().contains(name));
        a.close();
        b.close();
    }

    @Test
    void leaseStoreFencesByRangeId() {
        String name = job();
        long first = leases.tryAcquire(name, "a:1", Duration.ofSeconds(30)).orElseThrow();
        assertTrue(leases.tryAcquire(name, "b:2", Duration.ofSeconds(30)).isEmpty(), "a live lease is not taken");
        long again = leases.tryAcquire(name, "a:1", Duration.ofSeconds(30)).orElseThrow();
        assertTrue(again > first, "re-taking bumps range_id");
        assertFalse(leases.renew(name, "a:1", first, Duration.ofSeconds(30)), "the older range_id no longer renews");
        assertTrue(leases.renew(name, "a:1", again, Duration.ofSeconds(30)));
        leases.release(name, "a:1", again);
        long b = leases.tryAcquire(name, "b:2", Duration.ofSeconds(30)).orElseThrow();
        assertTrue(b > again);
        assertTrue(leases.all().stream().anyMatch(l -> l.job().equals(name) && l.owner().equals("b:2")));
    }

    @Test
    void renewAllRenewsOnlyCurrentRangesOfTheOwner() {
        String mine = job();
        String moved = job();
        String theirs = job();
        long m = leases.tryAcquire(mine, "a:1", Duration.ofSeconds(30)).orElseThrow();
        long stale = leases.tryAcquire(moved, "a:1", Duration.ofSeconds(30)).orElseThrow();
        long current = leases.forceAcquire(moved, "a:1", Duration.ofSeconds(30));
        long t = leases.tryAcquire(theirs, "b:2", Duration.ofSeconds(30)).orElseThrow();
        assertEquals(java.util.Set.of(mine), leases.renewAll(java.util.Map.of(mine, m, moved, stale, theirs, t), "a:1",
                Duration.ofSeconds(30)), "a moved range_id and another owner's lease do not renew");
        assertEquals(java.util.Set.of(mine, moved), leases.renewAll(java.util.Map.of(mine, m, moved, current), "a:1",
                Duration.ofSeconds(30)));
        assertEquals(java.util.Set.of(), leases.renewAll(java.util.Map.of(), "a:1", Duration.ofSeconds(30)));
    }
}
