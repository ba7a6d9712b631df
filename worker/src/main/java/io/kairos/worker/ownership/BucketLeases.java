package io.kairos.worker.ownership;

import io.kairos.persistence.systemjob.SystemJobLeaseStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Which schedule and batch buckets this worker process runs. Every {@code check} it gives back the leases of buckets
 * placed elsewhere, renews the ones it keeps and tries to take the ones placed on it (free or expired leases only, so
 * a bucket moves once its old holder let go or died). Listeners hear each bucket gained and lost.
 *
 * <p>Tolerated race, named: a holder frozen past the ttl may finish a step after another worker took the bucket.
 * Every write of schedule and batch state is a compare-and-swap on the row's version and every start carries a fixed
 * request id, so the late step's writes fail and its starts are deduplicated by history.
 */
public final class BucketLeases implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BucketLeases.class);

    /** Hears buckets this process gains and loses; called on the lease thread. */
    public interface Listener {
        void acquired(int bucket);

        void released(int bucket);
    }

    private final SystemJobLeaseStore store;
    private final String owner;
    private final Supplier<Set<Integer>> placed;
    private final boolean exclusive;
    private final Duration check;
    private final Duration ttl;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Map<Integer, Long> held = new TreeMap<>();
    private volatile Set<Integer> owned = Set.of();
    private volatile boolean closed;
    private Thread loop;

    /**
     * @param placed    the buckets placed on this process now (membership placement)
     * @param exclusive dev mode: the only process on its database, so leases are taken whoever holds them
     */
    public BucketLeases(SystemJobLeaseStore store, String owner, Supplier<Set<Integer>> placed, boolean exclusive,
                        Duration check, Duration ttl) {
        if (ttl.compareTo(check.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("lease ttl must cover at least three checks");
        }
        this.store = store;
        this.owner = owner;
        this.placed = placed;
        this.exclusive = exclusive;
        this.check = check;
        this.ttl = ttl;
    }

    static String leaseName(int bucket) {
        return "worker-bucket-" + bucket;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    /** The buckets whose lease this process holds. */
    public Set<Integer> owned() {
        return owned;
    }

    public boolean owns(int bucket) {
        return owned.contains(bucket);
    }

    public synchronized void start() {
        if (loop == null) {
            reconcile();
            loop = Thread.ofPlatform().daemon().name("kairos-worker-buckets").start(this::run);
        }
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(check);
            } catch (InterruptedException e) {
                return;
            }
            try {
                reconcile();
            } catch (RuntimeException e) {
                log.warn("component=worker msg=\"bucket leases step failed\" error=\"{}\"", e.getMessage());
            }
        }
    }

    /** One step: release, renew, acquire. Public for tests. */
    public synchronized void reconcile() {
        if (closed) {
            return;
        }
        Set<Integer> want = new java.util.TreeSet<>(placed.get()); // in bucket order: steady logs and tests
        Map<String, Long> keep = new java.util.HashMap<>();
        for (var it = held.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            int b = e.getKey();
            if (!want.contains(b)) {
                it.remove();
                publish();
                notifyReleased(b);
                release(b, e.getValue());
            } else {
                keep.put(leaseName(b), e.getValue());
            }
        }
        Set<String> renewed = store.renewAll(keep, owner, ttl);
        for (var it = held.entrySet().iterator(); it.hasNext(); ) {
            int b = it.next().getKey();
            if (!renewed.contains(leaseName(b))) {
                log.info("component=worker bucket={} msg=\"bucket lease taken by another worker\"", b);
                it.remove();
                publish();
                notifyReleased(b);
            }
        }
        for (int b : want) {
            if (held.containsKey(b)) {
                continue;
            }
            OptionalLong range = exclusive ? OptionalLong.of(store.forceAcquire(leaseName(b), owner, ttl))
                    : store.tryAcquire(leaseName(b), owner, ttl);
            if (range.isPresent()) {
                held.put(b, range.getAsLong());
                publish();
                log.debug("component=worker bucket={} msg=\"running bucket here\" range_id={}", b, range.getAsLong());
                for (Listener l : listeners) {
                    l.acquired(b);
                }
            }
        }
    }

    private void publish() {
        owned = Set.copyOf(held.keySet());
    }

    private void notifyReleased(int b) {
        for (Listener l : listeners) {
            try {
                l.released(b);
            } catch (RuntimeException e) {
                log.warn("component=worker bucket={} msg=\"release listener failed\" error=\"{}\"", b, e.getMessage());
            }
        }
    }

    private void release(int b, long range) {
        try {
            store.release(leaseName(b), owner, range);
        } catch (RuntimeException e) {
            log.debug("component=worker bucket={} msg=\"cannot release lease; it expires\" error=\"{}\"", b, e.getMessage());
        }
    }

    /** Gives every lease back, so other workers take the buckets at their next check. */
    @Override
    public void close() {
        closed = true;
        Thread t = loop;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            Map<Integer, Long> copy = Map.copyOf(held);
            held.clear();
            publish();
            copy.forEach((b, range) -> {
                notifyReleased(b);
                release(b, range);
            });
        }
    }
}
