package io.kairos.history.shard;

import io.kairos.common.errors.OwnershipMovedException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardId;
import io.kairos.common.ids.ShardMapper;
import io.kairos.persistence.execution.ExecutionStore;
import io.kairos.persistence.shard.ShardStore;
import io.kairos.persistence.sql.ShardOwnershipLostException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Owns this host's history shards. {@link Placement} says which shards this host should own (the hashing over live
 * history hosts); the controller thread reconciles: it releases shards that moved away and acquires the new ones by
 * bumping their range_id, so the previous owner's next write fails its fence. It also re-reads the range_id of every
 * owned shard each interval, so a host that was deposed without writing notices within one interval.
 *
 * <p>Tolerated race, named: during a membership change two hosts may both believe they own a shard. The one that
 * acquired last holds the range_id; the other's commits fail (ShardOwnershipLost), it releases the shard, and does
 * not take it back for {@code cooldown} (long enough for its view to catch up), so the shard does not ping-pong.
 */
public final class ShardController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ShardController.class);

    /** Which shards this host should own, and who owns the others, per this host's membership view. */
    public interface Placement {
        Set<ShardId> desired();

        /** The owner's address as this host sees it; null when unknown. */
        String ownerOf(ShardId shard);
    }

    /** Every shard, to this host: a single history host (tests, embedded use). */
    public static Placement allShards(int shardCount) {
        Set<ShardId> all = new TreeSet<>(Comparator.comparingInt(ShardId::value));
        for (int i = 1; i <= shardCount; i++) {
            all.add(new ShardId(i));
        }
        return new Placement() {
            @Override
            public Set<ShardId> desired() {
                return all;
            }

            @Override
            public String ownerOf(ShardId shard) {
                return null;
            }
        };
    }

    private final ShardStore store;
    private final ExecutionStore executions;
    private final int shardCount;
    private final String address;
    private final Placement placement;
    private final Duration interval;
    private final Duration cooldown;
    private final Map<ShardId, ShardContext> owned = new ConcurrentHashMap<>();
    private final Map<ShardId, Long> lostAt = new ConcurrentHashMap<>();
    private final List<Consumer<ShardContext>> onAcquired = new CopyOnWriteArrayList<>();
    private final List<Consumer<ShardContext>> onReleased = new CopyOnWriteArrayList<>();
    private final Semaphore wake = new Semaphore(0);
    private final Counter created;
    private final Counter removed;
    private final Counter closedByFence;
    private final Timer acquireLatency;
    private final Counter acquireRounds;
    private final Timer shardAcquisitionLatency;
    private final Timer ownershipDuration;
    private volatile boolean stopping;
    private volatile boolean firstReconcileDone;
    private Thread loop;

    /**
     * @param address   this host's advertised address: written as the shards' owner, compared with placements
     * @param interval  how often ownership is re-checked without a membership change
     * @param cooldown  how long a shard lost to another host is not re-acquired
     */
    public ShardController(ShardStore store, ExecutionStore executions, int shardCount, String address,
                           Placement placement, Duration interval, Duration cooldown, MeterRegistry metrics) {
        this.store = store;
        this.executions = executions;
        this.shardCount = shardCount;
        this.address = address;
        this.placement = placement;
        this.interval = interval;
        this.cooldown = cooldown;
        MeterRegistry m = metrics == null ? new CompositeMeterRegistry() : metrics;
        this.created = Counter.builder("sharditem_created_count").description("Shards this host acquired").register(m);
        this.removed = Counter.builder("sharditem_removed_count").description("Shards this host released").register(m);
        this.closedByFence = Counter.builder("shard_closed_count")
                .description("Shards this host lost because another host acquired them").register(m);
        this.acquireLatency = Timer.builder("acquire_shards_latency").description("One acquisition of a batch of shards")
                .register(m);
        // Temporal counts every acquisition round (acquireShards), whether or not it finds shards to take.
        this.acquireRounds = Counter.builder("acquire_shards_count").description("Shard acquisition rounds")
                .register(m);
        this.shardAcquisitionLatency = Timer.builder("sharditem_acquisition_latency")
                .description("From the start of a shard's acquisition until it is ready (queues started)").register(m);
        this.ownershipDuration = Timer.builder("sharditem_ownership_duration")
                .description("How long this host owned a shard it released").register(m);
        Gauge.builder("numshards_gauge", owned, Map::size).description("Shards this host owns").register(m);
        Gauge.builder("shard_ownership_age_min_seconds", this, c -> c.youngestOwnershipSeconds())
                .description("Age of this host's most recently acquired shard (low values: shards keep moving)")
                .register(m);
    }

    public int shardCount() {
        return shardCount;
    }

    /** This host's advertised address (the owner recorded for its shards). */
    public String address() {
        return address;
    }

    /** Runs for every shard this host acquires (queue processors start this way). */
    public void onShardAcquired(Consumer<ShardContext> listener) {
        onAcquired.add(listener);
    }

    /** Runs for every shard this host releases or loses, after it stopped serving it. */
    public void onShardReleased(Consumer<ShardContext> listener) {
        onReleased.add(listener);
    }

    /** Starts reconciling: the first pass runs before this returns, so a lone host serves at once. */
    public synchronized void start() {
        if (loop != null) {
            return;
        }
        reconcileQuietly();
        loop = Thread.ofPlatform().daemon().name("kairos-shard-controller").start(this::run);
    }

    /** Re-evaluates ownership soon (membership changed). */
    public void trigger() {
        wake.release();
    }

    private void run() {
        while (!stopping) {
            try {
                wake.tryAcquire(interval.toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
            if (!stopping) {
                reconcileQuietly();
            }
        }
    }

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            log.warn("component=history msg=\"shard reconcile failed, retrying\" error=\"{}\"", e.getMessage());
        } finally {
            firstReconcileDone = true;
        }
    }

    /** One pass: release what moved away, verify what stays, acquire what is new. */
    synchronized void reconcile() {
        acquireRounds.increment();
        Set<ShardId> desired = stopping ? Set.of() : placement.desired();
        long now = System.nanoTime();
        lostAt.entrySet().removeIf(e -> now - e.getValue() > cooldown.toNanos());
        for (ShardContext ctx : new ArrayList<>(owned.values())) {
            if (!desired.contains(ctx.shardId())) {
                release(ctx, "moved to " + String.valueOf(placement.ownerOf(ctx.shardId())));
            }
        }
        verify();
        List<ShardId> missing = new ArrayList<>();
        for (ShardId s : desired) {
            if (!owned.containsKey(s) && !lostAt.containsKey(s)) {
                missing.add(s);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        Map<ShardId, Long> ranges = store.acquireAll(missing, address);
        acquireLatency.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        for (var e : ranges.entrySet()) {
            ShardContext ctx = new ShardContext(e.getKey(), e.getValue(), store, new GroupCommitter(executions));
            owned.put(e.getKey(), ctx);
            created.increment();
            onAcquired.forEach(l -> l.accept(ctx));
            shardAcquisitionLatency.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
        log.info("component=history msg=\"acquired shards\" count={} shards={} owned={} address={}", ranges.size(),
                compact(ranges.keySet()), owned.size(), address);
    }

    /** Drops shards whose range_id moved on in the database (another host acquired them). */
    private void verify() {
        if (owned.isEmpty()) {
            return;
        }
        Map<ShardId, Long> actual = store.rangeIds(owned.keySet());
        for (ShardContext ctx : new ArrayList<>(owned.values())) {
            Long r = actual.get(ctx.shardId());
            if (r == null || r != ctx.rangeId()) {
                lost(ctx, "range_id is " + r + ", this host holds " + ctx.rangeId());
            }
        }
    }

    /** A write of the shard failed its fence: another host owns it now. */
    public void lost(ShardId shard, ShardOwnershipLostException e) {
        ShardContext ctx = owned.get(shard);
        if (ctx != null && (e.expectedRangeId() < 0 || e.expectedRangeId() == ctx.rangeId())) {
            lost(ctx, e.getMessage());
        }
    }

    private void lost(ShardContext ctx, String why) {
        lostAt.put(ctx.shardId(), System.nanoTime());
        if (release(ctx, "lost: " + why)) {
            closedByFence.increment();
        }
        trigger();
    }

    private boolean release(ShardContext ctx, String reason) {
        if (!owned.remove(ctx.shardId(), ctx)) {
            return false;
        }
        ctx.close();
        removed.increment();
        ownershipDuration.record(Duration.between(ctx.acquiredAt(), Instant.now()));
        log.info("component=history msg=\"released shard\" shard={} range_id={} reason=\"{}\" owned={}", ctx.shardId(),
                ctx.rangeId(), reason, owned.size());
        for (Consumer<ShardContext> l : onReleased) {
            try {
                l.accept(ctx);
            } catch (RuntimeException e) {
                log.warn("component=history msg=\"shard release listener failed\" shard={} error=\"{}\"", ctx.shardId(),
                        e.toString());
            }
        }
        return true;
    }

    /** Shard id to the range_id this host holds. */
    public Map<ShardId, Long> ownedShards() {
        Map<ShardId, Long> out = new TreeMap<>(Comparator.comparingInt(ShardId::value));
        owned.forEach((id, ctx) -> out.put(id, ctx.rangeId()));
        return out;
    }

    /** The first reconcile pass ran (owning nothing is a valid outcome: more hosts than shards). */
    public boolean ready() {
        return firstReconcileDone;
    }

    /**
     * The owned shard of a workflow.
     *
     * @throws OwnershipMovedException when this host does not own it (the caller follows the hint)
     */
    public ShardContext contextFor(NamespaceId namespaceId, String workflowId) {
        ShardId id = ShardMapper.shardFor(namespaceId, workflowId, shardCount);
        ShardContext ctx = owned.get(id);
        if (ctx == null || ctx.isClosed()) {
            throw moved(id);
        }
        return ctx;
    }

    /** The "not here" error for a shard, naming its owner when this host knows a different one. */
    public OwnershipMovedException moved(ShardId id) {
        String owner = placement.ownerOf(id);
        return new OwnershipMovedException(OwnershipMovedException.HISTORY, "shard " + id,
                owner == null || owner.equals(address) ? "" : owner);
    }

    /**
     * Graceful shutdown: releases every shard, then waits (at most {@code timeout}) until other hosts have acquired
     * them, so callers routed here meanwhile are told where to go instead of finding nobody.
     */
    public void handOver(Duration timeout) {
        stopping = true;
        trigger();
        List<ShardContext> held;
        synchronized (this) {
            held = new ArrayList<>(owned.values());
            held.forEach(ctx -> release(ctx, "host leaving"));
        }
        if (held.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<ShardId, Long> mine = new TreeMap<>(Comparator.comparingInt(ShardId::value));
        held.forEach(c -> mine.put(c.shardId(), c.rangeId()));
        while (System.nanoTime() < deadline) {
            try {
                Map<ShardId, Long> now = store.rangeIds(mine.keySet());
                mine.entrySet().removeIf(e -> !e.getValue().equals(now.get(e.getKey())));
                if (mine.isEmpty()) {
                    log.info("component=history msg=\"every shard taken over by other hosts\" shards={}", held.size());
                    return;
                }
            } catch (RuntimeException e) {
                log.debug("component=history msg=\"cannot read shard ranges during hand-over\" error=\"{}\"", e.getMessage());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        log.info("component=history msg=\"shards not yet taken over when leaving\" shards={}", compact(mine.keySet()));
    }

    private double youngestOwnershipSeconds() {
        Instant now = Instant.now();
        return owned.values().stream().mapToDouble(c -> Duration.between(c.acquiredAt(), now).toMillis() / 1000.0)
                .min().orElse(0);
    }

    private static String compact(Set<ShardId> ids) {
        return ids.stream().map(ShardId::toString).reduce((a, b) -> a + "," + b).orElse("");
    }

    @Override
    public void close() {
        stopping = true;
        Thread t = loop;
        if (t != null) {
            t.interrupt();
        }
        synchronized (this) {
            for (ShardContext ctx : new ArrayList<>(owned.values())) {
                release(ctx, "host stopping");
            }
        }
    }
}
