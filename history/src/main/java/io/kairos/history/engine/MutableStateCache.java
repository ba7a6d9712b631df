package io.kairos.history.engine;

import io.kairos.common.ids.WorkflowKey;
import io.kairos.proto.persistence.v1.WorkflowMutableState;

import java.util.LinkedHashMap;
import java.util.Map;

/** A bounded, least-recently-used map of committed mutable state. */
final class MutableStateCache {
    private final Map<WorkflowKey, WorkflowMutableState> map;

    MutableStateCache(int capacity) {
        this.map = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<WorkflowKey, WorkflowMutableState> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized WorkflowMutableState get(WorkflowKey key) {
        return map.get(key);
    }

    synchronized void put(WorkflowKey key, WorkflowMutableState state) {
        map.put(key, state);
    }

    synchronized void remove(WorkflowKey key) {
        map.remove(key);
    }

    synchronized void clear() {
        map.clear();
    }
}
