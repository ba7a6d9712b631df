package io.kairos.membership;

import io.kairos.common.config.ServiceRole;
import io.kairos.persistence.membership.MemberRecord;
import io.kairos.persistence.membership.MembershipStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This process's membership in {@code cluster_membership}: it registers each service the process runs (role and the
 * address peers dial), heartbeats every {@link MembershipConfig#heartbeatInterval()}, and re-reads the live members in
 * the same transaction, so every process sees joins and leaves within one interval and crashed members after
 * {@link MembershipConfig#ttl()}. Listeners get every new view, in order, on the membership thread.
 *
 * <p>A process whose heartbeat has failed for a whole ttl drops itself from its own view: the others have dropped it
 * by then, so it must stop acting as an owner (its writes are fenced anyway).
 */
public final class Membership implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);

    /** One service of this process: its role and host:port (for in-process services a unique name). */
    public record Service(ServiceRole role, String address) {
    }

    private final MembershipStore store;
    private final MembershipConfig config;
    private final boolean exclusive;
    private final UUID processId = UUID.randomUUID();
    private final String identity;
    private final List<MembershipStore.Registration> registrations = new CopyOnWriteArrayList<>();
    private final Map<ServiceRole, String> self = new EnumMap<>(ServiceRole.class);
    private final List<Consumer<MembershipView>> listeners = new CopyOnWriteArrayList<>();
    private final Counter changes;
    private final Object lock = new Object();
    private final java.util.concurrent.locks.ReentrantLock heartbeatLock = new java.util.concurrent.locks.ReentrantLock();
    private volatile MembershipView view = MembershipView.EMPTY;
    private List<MemberRecord> lastRows = List.of();
    private long lastOkNanos;
    private boolean leaving;
    private boolean selfDropped;
    private int failures;
    private Thread ticker;
    private Thread watchdog;
    private volatile boolean closed;

    /**
     * @param exclusive dev mode: this process is the only one on its database; rows of others are deleted
     */
    public Membership(MembershipStore store, MembershipConfig config, List<Service> services, boolean exclusive,
                      MeterRegistry metrics) {
        this.store = store;
        this.config = config;
        this.exclusive = exclusive;
        this.identity = hostName() + ":" + ProcessHandle.current().pid();
        for (Service s : services) {
            registrations.add(new MembershipStore.Registration(UUID.randomUUID(), s.role(), s.address()));
            self.put(s.role(), s.address());
        }
        this.changes = Counter.builder("membership_changed_count").description("Membership changes this process saw")
                .register(metrics == null ? new CompositeMeterRegistry() : metrics);
    }

    public MembershipConfig config() {
        return config;
    }

    /** hostname:pid, as peers and operators see this process. */
    public String identity() {
        return identity;
    }

    public UUID processId() {
        return processId;
    }

    /** Registers (replacing rows a dead predecessor left on the same addresses) and reads the first view. */
    public void start() {
        if (!exclusive) {
            int evicted = store.evictPredecessors(processId, registrations);
            if (evicted > 0) {
                log.info("component=membership msg=\"removed rows of a previous process on the same addresses\" count={}",
                        evicted);
            }
        }
        tick();
        if (view.version() == 0) {
            throw new IllegalStateException("cannot register in cluster membership");
        }
        ticker = Thread.ofPlatform().daemon().name("kairos-membership").start(this::run);
        watchdog = Thread.ofPlatform().daemon().name("kairos-membership-watchdog").start(this::watch);
    }

    public MembershipView view() {
        return view;
    }

    /**
     * Adds a service once the process knows its address (the frontend listens last); it joins with the next
     * heartbeat, which runs now.
     */
    public void register(Service service) {
        MembershipStore.Registration r = new MembershipStore.Registration(UUID.randomUUID(), service.role(),
                service.address());
        synchronized (lock) {
            registrations.add(r);
            self.put(service.role(), service.address());
        }
        if (!exclusive) {
            store.evictPredecessors(processId, List.of(r));
        }
        tick();
    }

    /** Called with every new view (and once at once with the current one). */
    public void addListener(Consumer<MembershipView> listener) {
        listeners.add(listener);
        MembershipView v = view;
        if (v.version() > 0) {
            listener.accept(v);
        }
    }

    private void run() {
        long interval = config.heartbeatInterval().toNanos();
        while (!closed) {
            try {
                Thread.sleep(Duration.ofNanos(interval));
            } catch (InterruptedException e) {
                return;
            }
            tick();
        }
    }

    /** One heartbeat and refresh; publishes a new view when the members changed. */
    void tick() {
        // Heartbeats run one at a time, outside the view lock: a call stuck on a dead connection must not keep the
        // watchdog from dropping this process out of its own view.
        heartbeatLock.lock();
        try {
            synchronized (lock) {
                if (leaving || closed) {
                    return;
                }
            }
            List<MemberRecord> rows;
            try {
                rows = store.heartbeat(processId, identity, registrations, config.ttl(), exclusive);
            } catch (RuntimeException e) {
                synchronized (lock) {
                    failures++;
                    if (failures == 1 || failures % 30 == 0) {
                        log.warn("component=membership msg=\"heartbeat failed\" attempts={} error=\"{}\"", failures,
                                e.getMessage());
                    }
                    dropSelfIfStale();
                }
                return;
            }
            synchronized (lock) {
                lastOkNanos = System.nanoTime();
                if (failures > 0 || selfDropped) {
                    log.info("component=membership msg=\"heartbeat restored\" failed_attempts={}", failures);
                }
                failures = 0;
                selfDropped = false;
                lastRows = rows;
                publish(rows, false);
            }
        } finally {
            heartbeatLock.unlock();
        }
    }

    /** Once no heartbeat succeeded for a whole ttl, the others have dropped this process: so does its own view. */
    private void dropSelfIfStale() {
        if (!selfDropped && !leaving && lastOkNanos != 0 && System.nanoTime() - lastOkNanos > config.ttl().toNanos()) {
            selfDropped = true;
            log.warn("component=membership msg=\"no heartbeat for a whole ttl: this process considers itself "
                    + "out of the cluster until the database answers\" ttl={}", config.ttl());
            publish(lastRows, true);
        }
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(config.heartbeatInterval());
            } catch (InterruptedException e) {
                return;
            }
            synchronized (lock) {
                if (!closed) {
                    dropSelfIfStale();
                }
            }
        }
    }

    /**
     * Graceful leave (SIGTERM): deletes this process's rows so peers drop it at their next refresh and take over what
     * it owns, and keeps serving for {@code drain} meanwhile (peers' views converge). This process's own view is not
     * changed: its services hand over explicitly afterwards.
     */
    public void leave(Duration drain) {
        synchronized (lock) {
            if (leaving) {
                return;
            }
            leaving = true;
        }
        // An in-flight heartbeat must not re-insert the rows after they are deleted; one stuck longer than the ttl is
        // not waited for (its rows expire anyway).
        boolean locked = false;
        try {
            locked = heartbeatLock.tryLock(config.ttl().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            store.leave(processId);
            log.info("component=membership msg=\"left the cluster\" identity={} drain_ms={}", identity, drain.toMillis());
        } catch (RuntimeException e) {
            log.warn("component=membership msg=\"cannot delete membership rows; peers drop them after the ttl\" error=\"{}\"",
                    e.getMessage());
        } finally {
            if (locked) {
                heartbeatLock.unlock();
            }
        }
        sleep(drain);
    }

    private void publish(List<MemberRecord> rows, boolean withoutSelf) {
        Set<java.util.UUID> own = new HashSet<>();
        registrations.forEach(r -> own.add(r.hostId()));
        Map<ServiceRole, List<MemberRecord>> byRole = new EnumMap<>(ServiceRole.class);
        for (MemberRecord m : rows) {
            if (withoutSelf && own.contains(m.hostId())) {
                continue;
            }
            byRole.computeIfAbsent(m.role(), r -> new ArrayList<>()).add(m);
        }
        MembershipView old = view;
        MembershipView next = new MembershipView(old.version() + 1, byRole, self);
        if (old.version() > 0 && old.signature().equals(next.signature())) {
            return;
        }
        logChanges(old, next);
        view = next;
        if (old.version() > 0) {
            changes.increment();
        }
        for (Consumer<MembershipView> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                log.warn("component=membership msg=\"membership listener failed\" error=\"{}\"", e.toString());
            }
        }
    }

    private static void logChanges(MembershipView old, MembershipView next) {
        for (ServiceRole r : ServiceRole.values()) {
            List<String> before = old.addresses(r);
            List<String> after = next.addresses(r);
            for (MemberRecord m : next.members(r)) {
                if (!before.contains(m.address())) {
                    log.info("component=membership msg=\"member joined\" role={} address={} identity={} members={}",
                            r.configName(), m.address(), m.identity(), after.size());
                }
            }
            for (MemberRecord m : old.members(r)) {
                if (!after.contains(m.address())) {
                    log.info("component=membership msg=\"member left\" role={} address={} identity={} members={}",
                            r.configName(), m.address(), m.identity(), after.size());
                }
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    /**
     * Stops heartbeating; the rows stay until {@link #leave} or the ttl. Waits (bounded) for a heartbeat in flight,
     * so none is written after close returns: a successor on the same address may already have evicted this row.
     */
    @Override
    public void close() {
        closed = true;
        for (Thread t : new Thread[] {ticker, watchdog}) {
            if (t != null) {
                t.interrupt();
            }
        }
        for (Thread t : new Thread[] {ticker, watchdog}) {
            if (t != null && t != Thread.currentThread()) {
                try {
                    t.join(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
