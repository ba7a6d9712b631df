package io.kairos.frontend.namespace;

import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.namespace.NamespaceRow;
import io.kairos.persistence.namespace.NamespaceStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Namespace cache of one process. A refresh loop reloads everything when the global notification version
 * moved, so a change made through another process shows here within one refresh interval. Misses read
 * through to the database; a miss is remembered for one second, as Temporal's registry does.
 */
public final class NamespaceRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NamespaceRegistry.class);
    static final Duration NEGATIVE_TTL = Duration.ofSeconds(1);

    private record Snapshot(long version, Map<String, NamespaceRow> byName, Map<NamespaceId, NamespaceRow> byId) {
    }

    private final NamespaceStore store;
    private final Duration refreshInterval;
    private final Clock clock;
    private final Map<String, Instant> notFoundUntil = new ConcurrentHashMap<>();
    private volatile Snapshot snapshot = new Snapshot(-1, Map.of(), Map.of());
    private volatile Thread refresher;

    public NamespaceRegistry(NamespaceStore store, Duration refreshInterval, Clock clock) {
        this.store = store;
        this.refreshInterval = refreshInterval;
        this.clock = clock;
    }

    /** Loads once and starts the refresh loop on a virtual thread. */
    public void start() {
        refresh();
        refresher = Thread.ofVirtual().name("namespace-registry-refresh").start(this::refreshLoop);
    }

    private void refreshLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(refreshInterval);
                refresh();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("component=namespace-registry msg=\"refresh failed, keeping the cached copy\" error=\"{}\"", e.toString());
            }
        }
    }

    /** Reloads when the database's notification version differs from the cached one. */
    public void refresh() {
        long version = store.metadataVersion();
        if (version == snapshot.version()) {
            return;
        }
        Map<String, NamespaceRow> byName = new HashMap<>();
        Map<NamespaceId, NamespaceRow> byId = new HashMap<>();
        for (NamespaceRow row : store.listAll()) {
            byName.put(row.name(), row);
            byId.put(row.id(), row);
        }
        snapshot = new Snapshot(version, Map.copyOf(byName), Map.copyOf(byId));
        notFoundUntil.clear();
    }

    public Optional<NamespaceRow> getByName(String name) {
        NamespaceRow row = snapshot.byName().get(name);
        if (row != null) {
            return Optional.of(row);
        }
        Instant until = notFoundUntil.get(name);
        if (until != null && clock.instant().isBefore(until)) {
            return Optional.empty();
        }
        Optional<NamespaceRow> loaded = store.getByName(name);
        if (loaded.isEmpty()) {
            notFoundUntil.put(name, clock.instant().plus(NEGATIVE_TTL));
        }
        return loaded;
    }

    /** Whether the cached snapshot has this name; never reads the database (for bounded metric tags). */
    public boolean isCached(String name) {
        return snapshot.byName().containsKey(name);
    }

    public Optional<NamespaceRow> getById(NamespaceId id) {
        NamespaceRow row = snapshot.byId().get(id);
        return row != null ? Optional.of(row) : store.getById(id);
    }

    /** Called after a local write so this process never serves its own stale copy. */
    public void invalidate(String name) {
        notFoundUntil.remove(name);
        snapshot = new Snapshot(-1, snapshot.byName(), snapshot.byId());
        try {
            refresh();
        } catch (RuntimeException e) {
            log.warn("component=namespace-registry msg=\"refresh after local change failed\" error=\"{}\"", e.toString());
        }
    }

    @Override
    public void close() {
        Thread t = refresher;
        if (t != null) {
            t.interrupt();
        }
    }
}
