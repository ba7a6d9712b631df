package io.kairos.membership;

import io.kairos.common.config.ServiceRole;
import io.kairos.persistence.membership.MemberRecord;
import io.kairos.persistence.membership.MembershipStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A heartbeat that hangs (a connection dead in a network partition) instead of failing: after a ttl without a
 * successful heartbeat the process still drops itself from its own view, so it stops routing to itself as an owner.
 */
class MembershipWatchdogTest {
    /** Answers the first heartbeat, then blocks every later one until released. */
    private static final class HangingStore implements MembershipStore {
        final CountDownLatch release = new CountDownLatch(1);
        private volatile boolean answered;

        @Override
        public List<MemberRecord> heartbeat(UUID processId, String identity, List<Registration> services, Duration ttl,
                                            boolean evictOthers) {
            if (answered) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("connection reset");
            }
            answered = true;
            List<MemberRecord> rows = new ArrayList<>();
            Instant now = Instant.now();
            for (Registration r : services) {
                rows.add(new MemberRecord(r.hostId(), processId, r.role(), r.address(), identity, now, now, now.plus(ttl)));
            }
            rows.add(new MemberRecord(UUID.randomUUID(), UUID.randomUUID(), ServiceRole.HISTORY, "10.0.0.9:7234", "peer:1",
                    now, now, now.plus(ttl)));
            return rows;
        }

        @Override
        public int evictPredecessors(UUID processId, List<Registration> services) {
            return 0;
        }

        @Override
        public void leave(UUID processId) {
        }

        @Override
        public List<MemberRecord> all() {
            return List.of();
        }

        @Override
        public int deleteExpired(Duration olderThan) {
            return 0;
        }
    }

    @Test
    void aHungHeartbeatStillDropsThisProcessAfterTheTtl() throws Exception {
        HangingStore store = new HangingStore();
        Duration beat = Duration.ofMillis(100);
        Duration ttl = Duration.ofMillis(500);
        Membership m = new Membership(store, new MembershipConfig(beat, ttl),
                List.of(new Membership.Service(ServiceRole.HISTORY, "10.0.0.1:7234")), false, null);
        try {
            m.start();
            assertTrue(m.view().selfLive(ServiceRole.HISTORY), "registered and live at first");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (m.view().selfLive(ServiceRole.HISTORY) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertFalse(m.view().selfLive(ServiceRole.HISTORY),
                    "dropped itself although the hung heartbeat never returned");
            assertTrue(m.view().addresses(ServiceRole.HISTORY).contains("10.0.0.9:7234"), "peers stay in the view");
        } finally {
            store.release.countDown();
            m.close();
        }
    }
}
