package io.kairos.membership;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.config.ServiceRole;
import io.kairos.persistence.membership.MemberRecord;
import io.kairos.persistence.membership.MembershipStore;
import io.kairos.persistence.membership.PostgresMembershipStore;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.testing.EmbeddedDb;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Membership against a real Postgres with short timings (heartbeat 200 ms, ttl 1 s): joins are seen within about a
 * heartbeat, a crashed (silent) process is dropped after the ttl and not before, a leaving process within a heartbeat
 * or two, and a process restarted on the same address replaces its predecessor at once.
 */
class MembershipExpiryTest {
    private static final Duration HEARTBEAT = Duration.ofMillis(200);
    private static final Duration TTL = Duration.ofSeconds(1);
    private static final MembershipConfig CONFIG = new MembershipConfig(HEARTBEAT, TTL);
    /**
     * Scheduling and transaction time on a loaded 2-core machine, for the wall-clock bounds. The exact claims are
     * checked on the heartbeats themselves (which tick saw what, on the database's clock), which load does not skew.
     */
    private static final long SLACK_MS = 800;

    private static final String A = "10.0.0.1:7234";
    private static final String B = "10.0.0.2:7234";

    private HikariDataSource ds;
    private Jdbc jdbc;
    private PostgresMembershipStore store;
    private final List<Membership> started = new ArrayList<>();

    @BeforeEach
    void setUp() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        jdbc = new Jdbc(ds);
        store = new PostgresMembershipStore(jdbc);
    }

    @AfterEach
    void tearDown() {
        started.forEach(Membership::close);
        ds.close();
    }

    private Membership process(MembershipStore s, boolean exclusive, Membership.Service... services) {
        Membership m = new Membership(s, CONFIG, List.of(services), exclusive, null);
        started.add(m);
        return m;
    }

    private Membership history(String address) {
        return process(store, false, new Membership.Service(ServiceRole.HISTORY, address));
    }

    private Membership history(RecordingStore recording, String address) {
        return process(recording, false, new Membership.Service(ServiceRole.HISTORY, address));
    }

    /** One heartbeat of a process: when it ran (this JVM's clock) and the live members it read. */
    private record Beat(long startNanos, long endNanos, List<MemberRecord> rows) {
        boolean has(String address) {
            return rows.stream().anyMatch(m -> m.address().equals(address));
        }

        /** The database time of this heartbeat (the transaction's now(), written as the process's last_heartbeat). */
        java.time.Instant dbTime(UUID processId) {
            return rows.stream().filter(m -> m.processId().equals(processId)).findFirst().orElseThrow().lastHeartbeat();
        }
    }

    /** A store that passes everything but the heartbeat on to a real one. */
    private interface ForwardingStore extends MembershipStore {
        MembershipStore delegate();

        @Override
        default int evictPredecessors(UUID processId, List<Registration> services) {
            return delegate().evictPredecessors(processId, services);
        }

        @Override
        default void leave(UUID processId) {
            delegate().leave(processId);
        }

        @Override
        default List<MemberRecord> all() {
            return delegate().all();
        }

        @Override
        default int deleteExpired(Duration olderThan) {
            return delegate().deleteExpired(olderThan);
        }
    }

    /** Records every heartbeat a process makes. */
    private static final class RecordingStore implements ForwardingStore {
        final MembershipStore delegate;
        final List<Beat> beats = new CopyOnWriteArrayList<>();

        RecordingStore(MembershipStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public MembershipStore delegate() {
            return delegate;
        }

        /** Heartbeats that started after {@code nanos}. */
        List<Beat> after(long nanos) {
            return beats.stream().filter(b -> b.startNanos() > nanos).toList();
        }

        @Override
        public List<MemberRecord> heartbeat(UUID processId, String identity, List<Registration> services, Duration ttl,
                                            boolean evictOthers) {
            long start = System.nanoTime();
            List<MemberRecord> rows = delegate.heartbeat(processId, identity, services, ttl, evictOthers);
            beats.add(new Beat(start, System.nanoTime(), rows));
            return rows;
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    /** Waits for the condition at most {@code timeout}; returns the milliseconds it took. */
    private static long await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out after " + timeout.toMillis() + " ms waiting for " + what);
            Thread.sleep(5);
        }
        return millisSince(start);
    }

    private static boolean sees(Membership m, String address) {
        return m.view().addresses(ServiceRole.HISTORY).contains(address);
    }

    /** Records when {@code observer} first publishes a view without {@code address}. */
    private static AtomicLong droppedAt(Membership observer, String address) {
        AtomicLong at = new AtomicLong();
        observer.addListener(v -> {
            if (!v.addresses(ServiceRole.HISTORY).contains(address)) {
                at.compareAndSet(0, System.nanoTime());
            }
        });
        return at;
    }

    @Test
    void twoProcessesSeeEachOtherWithinAboutOneHeartbeat() throws Exception {
        RecordingStore beatsOfA = new RecordingStore(store);
        Membership a = history(beatsOfA, A);
        a.start();
        assertTrue(a.view().version() > 0, "start reads the first view");
        assertEquals(List.of(A), a.view().addresses(ServiceRole.HISTORY));
        assertTrue(a.view().selfLive(ServiceRole.HISTORY));

        List<MembershipView> seenByA = new CopyOnWriteArrayList<>();
        a.addListener(seenByA::add);
        assertEquals(1, seenByA.size(), "a listener gets the current view at once");

        Membership b = history(B);
        long bStarted = System.nanoTime();
        b.start();
        long bRegistered = System.nanoTime();
        assertEquals(List.of(A, B), b.view().addresses(ServiceRole.HISTORY),
                "the newcomer's first view already has the running process");

        await("A to see B", HEARTBEAT.multipliedBy(5).plusMillis(SLACK_MS), () -> sees(a, B));
        long sawAfter = millisSince(bStarted);
        assertTrue(sawAfter <= HEARTBEAT.toMillis() + SLACK_MS,
                "A saw B " + sawAfter + " ms after B started, heartbeat " + HEARTBEAT);
        // Exactly: A's first heartbeat after B registered already read B (one interval at most).
        await("a heartbeat of A after B joined", HEARTBEAT.multipliedBy(2).plusMillis(SLACK_MS),
                () -> !beatsOfA.after(bRegistered).isEmpty());
        Beat first = beatsOfA.after(bRegistered).getFirst();
        assertTrue(first.has(B), "A's first heartbeat after B joined did not see it: " + first.rows());
        assertTrue((first.startNanos() - bRegistered) / 1_000_000 <= HEARTBEAT.toMillis() + SLACK_MS,
                "A's next heartbeat came " + (first.startNanos() - bRegistered) / 1_000_000 + " ms after B joined");
        assertEquals(List.of(A, B), a.view().addresses(ServiceRole.HISTORY), "ordered by address");
        MembershipView last = seenByA.getLast();
        assertEquals(List.of(A, B), last.addresses(ServiceRole.HISTORY), "the listener got the new view");
        assertTrue(last.version() > seenByA.getFirst().version());
        assertEquals(A, last.selfAddress(ServiceRole.HISTORY));
        assertEquals(b.processId(), last.members(ServiceRole.HISTORY).get(1).processId());
        assertEquals(b.identity(), last.members(ServiceRole.HISTORY).get(1).identity());
        assertTrue(a.view().members(ServiceRole.MATCHING).isEmpty());

        // Heartbeats without a change publish nothing new.
        int views = seenByA.size();
        int beats = beatsOfA.beats.size();
        Thread.sleep(HEARTBEAT.multipliedBy(3).toMillis());
        assertTrue(beatsOfA.beats.size() > beats, "A keeps heartbeating");
        assertEquals(views, seenByA.size(), "no new view without a membership change: " + seenByA);
    }

    @Test
    void aSilentProcessIsDroppedAfterTheTtlAndNotBefore() throws Exception {
        RecordingStore beatsOfA = new RecordingStore(store);
        RecordingStore beatsOfB = new RecordingStore(store);
        Membership a = history(beatsOfA, A);
        Membership b = history(beatsOfB, B);
        a.start();
        b.start();
        await("A to see B", HEARTBEAT.multipliedBy(5).plusMillis(SLACK_MS), () -> sees(a, B));
        AtomicLong dropped = droppedAt(a, B);

        long closed = System.nanoTime();
        b.close(); // a crash: no more heartbeats, the rows stay
        assertTrue(store.all().stream().anyMatch(m -> m.processId().equals(b.processId())), "the rows stay");

        Duration bound = TTL.plus(HEARTBEAT.multipliedBy(2)).plusMillis(SLACK_MS);
        await("A to drop B", bound.plus(HEARTBEAT), () -> dropped.get() != 0);
        long afterMs = (dropped.get() - closed) / 1_000_000;
        // B's last heartbeat was at most one interval before close, so its row expires no earlier than ttl - heartbeat.
        assertTrue(afterMs >= TTL.minus(HEARTBEAT).toMillis() - 50,
                "A dropped B " + afterMs + " ms after it went silent: before its ttl ran out");
        assertTrue(afterMs <= bound.toMillis(), "A dropped B only " + afterMs + " ms after it went silent");
        assertFalse(sees(a, B));
        assertTrue(sees(a, A), "A keeps itself");
        assertTrue(store.all().stream().anyMatch(m -> m.processId().equals(b.processId())),
                "an expired row is only hidden, not deleted, by the heartbeat");

        // Exactly, on the database's clock: B's row expires ttl after its last heartbeat; every heartbeat of A before
        // that instant still saw B, every one after it did not.
        MemberRecord lastOfB = store.all().stream().filter(m -> m.processId().equals(b.processId())).findFirst()
                .orElseThrow();
        assertEquals(TTL, Duration.between(lastOfB.lastHeartbeat(), lastOfB.expiresAt()));
        int before = 0;
        int after = 0;
        for (Beat beat : beatsOfA.beats) {
            java.time.Instant t = beat.dbTime(a.processId());
            if (t.isBefore(lastOfB.lastHeartbeat())) {
                continue;
            }
            if (t.isBefore(lastOfB.expiresAt())) {
                before++;
                assertTrue(beat.has(B), "A's heartbeat at " + t + " dropped B, which expires at " + lastOfB.expiresAt());
            } else {
                after++;
                assertFalse(beat.has(B), "A's heartbeat at " + t + " still saw B, expired at " + lastOfB.expiresAt());
            }
        }
        assertTrue(before >= 2, "A heartbeated while B's row was live: " + before);
        assertTrue(after >= 1, "A heartbeated after B's row expired: " + after);
        assertEquals(lastOfB.lastHeartbeat(), beatsOfB.beats.getLast().dbTime(b.processId()),
                "the row keeps B's last heartbeat");
    }

    @Test
    void aLeavingProcessIsDroppedWithinAboutTwoHeartbeats() throws Exception {
        RecordingStore beatsOfA = new RecordingStore(store);
        Membership a = history(beatsOfA, A);
        Membership b = history(B);
        a.start();
        b.start();
        await("A to see B", HEARTBEAT.multipliedBy(5).plusMillis(SLACK_MS), () -> sees(a, B));
        AtomicLong dropped = droppedAt(a, B);

        long left = System.nanoTime();
        b.leave(Duration.ZERO);
        long rowsGone = System.nanoTime();
        assertFalse(store.all().stream().anyMatch(m -> m.processId().equals(b.processId())), "leave deletes the rows");
        await("A to drop B", HEARTBEAT.multipliedBy(2).plusMillis(SLACK_MS), () -> dropped.get() != 0);
        long afterMs = (dropped.get() - left) / 1_000_000;
        assertTrue(afterMs <= HEARTBEAT.multipliedBy(2).toMillis() + SLACK_MS, "dropped after " + afterMs + " ms");
        // Exactly: A's first heartbeat after the rows were deleted no longer has B.
        await("a heartbeat of A after B left", HEARTBEAT.multipliedBy(2).plusMillis(SLACK_MS),
                () -> !beatsOfA.after(rowsGone).isEmpty());
        Beat first = beatsOfA.after(rowsGone).getFirst();
        assertFalse(first.has(B), "A's first heartbeat after B left still saw it");
        assertTrue(dropped.get() <= first.endNanos() + Duration.ofMillis(SLACK_MS).toNanos(),
                "the view changed with that heartbeat");
        assertTrue(first.startNanos() - rowsGone <= Duration.ofMillis(HEARTBEAT.toMillis() + SLACK_MS).toNanos(),
                "A's next heartbeat came within about an interval");

        // The leaver does not write its rows back with later heartbeats, and its own view is unchanged.
        Thread.sleep(HEARTBEAT.multipliedBy(3).toMillis());
        assertFalse(store.all().stream().anyMatch(m -> m.processId().equals(b.processId())),
                "a leaving process stops heartbeating");
        assertFalse(sees(a, B));
        assertEquals(List.of(A, B), b.view().addresses(ServiceRole.HISTORY),
                "leave does not change the leaver's own view (its services hand over explicitly)");
        b.leave(Duration.ZERO); // a second leave is a no-op
    }

    @Test
    void aProcessRestartedOnTheSameAddressEvictsItsPredecessorAtOnce() throws Exception {
        Membership observer = process(store, false, new Membership.Service(ServiceRole.MATCHING, "10.0.0.9:7235"));
        Membership old = history(A);
        Membership other = history(B);
        observer.start();
        old.start();
        other.start();
        await("the observer to see both", HEARTBEAT.multipliedBy(5), () -> sees(observer, A) && sees(observer, B));
        old.close(); // killed: its row would stay for a ttl

        Membership restarted = history(A);
        long t0 = System.nanoTime();
        restarted.start();
        List<MemberRecord> rowsOfA = store.all().stream().filter(m -> m.address().equals(A)).toList();
        assertEquals(1, rowsOfA.size(), "one row for the address: " + rowsOfA);
        assertEquals(restarted.processId(), rowsOfA.getFirst().processId());
        assertTrue(store.all().stream().noneMatch(m -> m.processId().equals(old.processId())), "the old row is gone");
        assertTrue(store.all().stream().anyMatch(m -> m.address().equals(B)), "other addresses are not touched");

        List<MemberRecord> inView = restarted.view().members(ServiceRole.HISTORY);
        assertEquals(List.of(A, B), inView.stream().map(MemberRecord::address).toList(), "no duplicate for A");
        assertEquals(restarted.processId(), inView.getFirst().processId());

        await("the observer to see the new process on A", HEARTBEAT.multipliedBy(2).plusMillis(SLACK_MS),
                () -> observer.view().members(ServiceRole.HISTORY).stream()
                        .anyMatch(m -> m.address().equals(A) && m.processId().equals(restarted.processId())));
        assertTrue(millisSince(t0) < TTL.toMillis(), "no waiting for the predecessor's ttl");
        assertEquals(1, observer.view().members(ServiceRole.HISTORY).stream().filter(m -> m.address().equals(A)).count());
    }

    @Test
    void registeringAServiceLaterAlsoEvictsThePredecessor() throws Exception {
        Membership old = process(store, false, new Membership.Service(ServiceRole.FRONTEND, "10.0.0.1:7233"));
        old.start();
        old.close();

        Membership restarted = process(store, false); // the frontend listens last
        restarted.start();
        restarted.register(new Membership.Service(ServiceRole.FRONTEND, "10.0.0.1:7233"));
        List<MemberRecord> frontends = store.all().stream().filter(m -> m.role() == ServiceRole.FRONTEND).toList();
        assertEquals(1, frontends.size(), frontends.toString());
        assertEquals(restarted.processId(), frontends.getFirst().processId());
        assertTrue(restarted.view().selfLive(ServiceRole.FRONTEND), "register heartbeats at once");
        assertEquals(List.of("10.0.0.1:7233"), restarted.view().addresses(ServiceRole.FRONTEND));
    }

    @Test
    void anExclusiveProcessRemovesEveryOtherRow() throws Exception {
        Membership other = history(B);
        other.start();
        other.close();
        Membership dev = process(store, true, new Membership.Service(ServiceRole.HISTORY, A));
        dev.start();
        assertEquals(List.of(A), dev.view().addresses(ServiceRole.HISTORY));
        assertTrue(store.all().stream().allMatch(m -> m.processId().equals(dev.processId())), store.all().toString());
    }

    @Test
    void deleteExpiredRemovesOnlyRowsExpiredLongerAgoThanAsked() throws Exception {
        UUID ancient = UUID.randomUUID();
        UUID recent = UUID.randomUUID();
        insert(ancient, "10.0.0.7:7234", "now() - interval '2 hours'");
        insert(recent, "10.0.0.8:7234", "now() - interval '10 seconds'");
        Membership live = history(A);
        live.start();
        assertEquals(List.of(A), live.view().addresses(ServiceRole.HISTORY), "expired rows are not members");
        assertEquals(3, store.all().size());

        assertEquals(1, store.deleteExpired(Duration.ofHours(1)));
        assertEquals(List.of(recent, live.view().members(ServiceRole.HISTORY).getFirst().hostId()).stream().sorted().toList(),
                store.all().stream().map(MemberRecord::hostId).sorted().toList());
        assertEquals(0, store.deleteExpired(Duration.ofHours(1)), "nothing more that old");
        assertEquals(1, store.deleteExpired(Duration.ZERO), "the recently expired row");
        assertEquals(List.of(A), store.all().stream().map(MemberRecord::address).toList(), "the live row stays");

        // A real process that went silent: deleted once its row has expired, not before.
        Membership silent = history(B);
        silent.start();
        silent.close();
        assertEquals(0, store.deleteExpired(Duration.ZERO), "its row has not expired yet");
        await("the silent row to be deletable", TTL.plus(HEARTBEAT.multipliedBy(3)),
                () -> store.deleteExpired(Duration.ZERO) == 1);
        assertEquals(List.of(A), store.all().stream().map(MemberRecord::address).toList());
    }

    @Test
    void aProcessThatCannotHeartbeatForATtlDropsItselfAndComesBack() throws Exception {
        AtomicBoolean down = new AtomicBoolean();
        MembershipStore flaky = new FlakyStore(store, down);
        Membership a = process(flaky, false, new Membership.Service(ServiceRole.HISTORY, A));
        Membership b = history(B);
        a.start();
        b.start();
        await("A to see B", HEARTBEAT.multipliedBy(5), () -> sees(a, B));
        AtomicLong selfDropped = droppedAt(a, A);

        long cut = System.nanoTime();
        down.set(true);
        await("A to drop itself", TTL.plus(HEARTBEAT.multipliedBy(2)).plusMillis(SLACK_MS), () -> selfDropped.get() != 0);
        long afterMs = (selfDropped.get() - cut) / 1_000_000;
        assertTrue(afterMs >= TTL.minus(HEARTBEAT).toMillis() - 50, "dropped itself after only " + afterMs + " ms");
        assertFalse(a.view().selfLive(ServiceRole.HISTORY));
        assertEquals(List.of(B), a.view().addresses(ServiceRole.HISTORY), "its last view, without itself");
        await("B to drop A", TTL.plus(HEARTBEAT.multipliedBy(2)).plusMillis(SLACK_MS), () -> !sees(b, A));

        down.set(false);
        await("A to be back in its own view", HEARTBEAT.multipliedBy(2).plusMillis(SLACK_MS),
                () -> a.view().selfLive(ServiceRole.HISTORY));
        await("B to see A again", HEARTBEAT.multipliedBy(2).plusMillis(SLACK_MS), () -> sees(b, A));
    }

    @Test
    void startFailsWhenTheDatabaseCannotBeReached() {
        AtomicBoolean down = new AtomicBoolean(true);
        Membership a = process(new FlakyStore(store, down), false, new Membership.Service(ServiceRole.HISTORY, A));
        assertThrows(RuntimeException.class, a::start);
        assertTrue(store.all().isEmpty());
    }

    private void insert(UUID hostId, String address, String expiry) {
        jdbc.read("insert member", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_membership (host_id, process_id, role, "
                    + "rpc_address, rpc_port, identity, session_start, last_heartbeat, record_expiry) "
                    + "VALUES (?, ?, 2, ?, 7234, 'gone:1', now() - interval '3 hours', " + expiry + ", " + expiry + ")")) {
                ps.setObject(1, hostId);
                ps.setObject(2, UUID.randomUUID());
                ps.setString(3, address);
                return ps.executeUpdate();
            }
        });
    }

    /** A store whose heartbeats fail while {@code down} is set (the database unreachable from this process). */
    private record FlakyStore(MembershipStore delegate, AtomicBoolean down) implements ForwardingStore {
        @Override
        public List<MemberRecord> heartbeat(UUID processId, String identity, List<Registration> services, Duration ttl,
                                            boolean evictOthers) {
            if (down.get()) {
                throw new IllegalStateException("database unreachable (test)");
            }
            return delegate.heartbeat(processId, identity, services, ttl, evictOthers);
        }
    }
}
