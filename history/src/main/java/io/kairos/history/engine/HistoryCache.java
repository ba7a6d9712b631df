package io.kairos.history.engine;

import io.kairos.common.ids.WorkflowKey;
import io.temporal.api.history.v1.HistoryEvent;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The committed history of recently written runs, from event 1, so that workflow task responses, the SDK's
 * wait for the close event and continue-as-new need not read it back. Filled only from this host's own commits
 * (the shard owner writes every event of its runs), bounded by total bytes; a run whose history grows past
 * {@link #MAX_RUN_BYTES} or has a gap is dropped and read from the database.
 */
final class HistoryCache {
    static final long MAX_RUN_BYTES = 256 * 1024;

    private final long maxBytes;
    private final LinkedHashMap<WorkflowKey, Entry> map = new LinkedHashMap<>(1024, 0.75f, true);
    private long bytes;

    private static final class Entry {
        final List<HistoryEvent> events = new ArrayList<>();
        long bytes;

        long lastEventId() {
            return events.get(events.size() - 1).getEventId();
        }
    }

    HistoryCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Records a committed batch; a run's first batch (from event 1) starts its entry. */
    synchronized void appended(WorkflowKey key, List<HistoryEvent> batch) {
        if (batch.isEmpty()) {
            return;
        }
        Entry e = map.get(key);
        long first = batch.get(0).getEventId();
        if (first == 1) {
            remove(key);
            e = new Entry();
            map.put(key, e);
        } else if (e == null) {
            return;
        } else if (e.lastEventId() + 1 != first) {
            remove(key);
            return;
        }
        long size = 0;
        for (HistoryEvent ev : batch) {
            size += ev.getSerializedSize();
        }
        if (e.bytes + size > MAX_RUN_BYTES) {
            remove(key);
            return;
        }
        e.events.addAll(batch);
        e.bytes += size;
        bytes += size;
        evict();
    }

    /** Events with ids in [from, toExclusive), at most max; null when this cache does not hold all of them. */
    synchronized List<HistoryEvent> read(WorkflowKey key, long from, long toExclusive, int max) {
        Entry e = map.get(key);
        if (e == null || toExclusive - 1 > e.lastEventId()) {
            return null;
        }
        List<HistoryEvent> out = new ArrayList<>();
        // Event ids are dense from 1, so an event's index is its id - 1.
        for (long id = Math.max(1, from); id < toExclusive && out.size() < max; id++) {
            out.add(e.events.get((int) (id - 1)));
        }
        return out;
    }

    synchronized void remove(WorkflowKey key) {
        Entry e = map.remove(key);
        if (e != null) {
            bytes -= e.bytes;
        }
    }

    synchronized void clear() {
        map.clear();
        bytes = 0;
    }

    private void evict() {
        Iterator<Map.Entry<WorkflowKey, Entry>> it = map.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            bytes -= it.next().getValue().bytes;
            it.remove();
        }
    }
}
