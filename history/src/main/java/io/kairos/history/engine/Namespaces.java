package io.kairos.history.engine;

import io.kairos.common.errors.NamespaceNotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.namespace.NamespaceRow;
import io.kairos.persistence.namespace.NamespaceStore;
import io.temporal.api.enums.v1.NamespaceState;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Namespace names and ids as history needs them: commands name their target namespace, events carry both name
 * and id. A short-lived cache, as Temporal's namespace registry in history: a rename or delete is seen within
 * {@link #TTL}.
 */
public final class Namespaces {
    static final Duration TTL = Duration.ofSeconds(10);

    private record Entry(Optional<NamespaceRow> row, Instant loaded) {
    }

    private final NamespaceStore store;
    private final Clock clock;
    private final Map<String, Entry> byName = new ConcurrentHashMap<>();
    private final Map<NamespaceId, Entry> byId = new ConcurrentHashMap<>();

    public Namespaces(NamespaceStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** The id of a registered (not deleted) namespace, or empty. */
    public Optional<NamespaceId> idOf(String name) {
        Entry e = byName.get(name);
        if (e == null || stale(e)) {
            e = new Entry(store.getByName(name), clock.instant());
            byName.put(name, e);
        }
        return e.row().filter(Namespaces::usable).map(NamespaceRow::id);
    }

    /** @throws NamespaceNotFoundException as Temporal's registry does for an unknown name */
    public NamespaceId requireId(String name) {
        return idOf(name).orElseThrow(() -> new NamespaceNotFoundException(name));
    }

    /** The name of a namespace id; the id itself when it is gone (events still need a value, as in Temporal). */
    public String nameOf(NamespaceId id) {
        Entry e = byId.get(id);
        if (e == null || stale(e)) {
            e = new Entry(store.getById(id), clock.instant());
            byId.put(id, e);
        }
        return e.row().map(NamespaceRow::name).orElse(id.toString());
    }

    /** The namespace's workflow execution retention; zero when it is unknown. */
    public Duration retentionOf(NamespaceId id) {
        Entry e = byId.get(id);
        if (e == null || stale(e)) {
            e = new Entry(store.getById(id), clock.instant());
            byId.put(id, e);
        }
        return e.row().map(r -> {
            var ttl = r.record().getConfig().getWorkflowExecutionRetentionTtl();
            return Duration.ofSeconds(ttl.getSeconds(), ttl.getNanos());
        }).orElse(Duration.ZERO);
    }

    /** The namespace's config (retention, archival), or empty when it is unknown. */
    public Optional<io.temporal.api.namespace.v1.NamespaceConfig> configOf(NamespaceId id) {
        Entry e = byId.get(id);
        if (e == null || stale(e)) {
            e = new Entry(store.getById(id), clock.instant());
            byId.put(id, e);
        }
        return e.row().map(r -> r.record().getConfig());
    }

    /** Whether the id names a namespace that exists and is not deleted. */
    public boolean isRegistered(NamespaceId id) {
        Entry e = byId.get(id);
        if (e == null || stale(e)) {
            e = new Entry(store.getById(id), clock.instant());
            byId.put(id, e);
        }
        return e.row().filter(Namespaces::usable).isPresent();
    }

    private boolean stale(Entry e) {
        return e.loaded().plus(TTL).isBefore(clock.instant());
    }

    private static boolean usable(NamespaceRow row) {
        return row.state() != NamespaceState.NAMESPACE_STATE_DELETED;
    }
}
