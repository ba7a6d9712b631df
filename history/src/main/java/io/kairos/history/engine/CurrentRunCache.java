package io.kairos.history.engine;

import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.execution.CurrentExecution;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which run is current per workflow id, as this host last committed it (the shard owner writes every
 * current_executions change of its workflows), so starts and run-less lookups need not read it back.
 */
final class CurrentRunCache {
    private record Id(NamespaceId namespaceId, String workflowId) {
    }

    private final Map<Id, CurrentExecution> map;

    CurrentRunCache(int capacity) {
        this.map = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Id, CurrentExecution> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized CurrentExecution get(NamespaceId ns, String workflowId) {
        return map.get(new Id(ns, workflowId));
    }

    synchronized void put(NamespaceId ns, String workflowId, CurrentExecution current) {
        map.put(new Id(ns, workflowId), current);
    }

    /** A run closed: if it is the cached current run, the cache now says so. */
    synchronized void closed(NamespaceId ns, String workflowId, java.util.UUID runId,
                             io.temporal.api.enums.v1.WorkflowExecutionStatus status) {
        Id id = new Id(ns, workflowId);
        CurrentExecution c = map.get(id);
        if (c != null && c.runId().equals(runId)) {
            map.put(id, new CurrentExecution(c.runId(), c.createRequestId(), false, status, c.startTime()));
        }
    }

    synchronized void remove(NamespaceId ns, String workflowId) {
        map.remove(new Id(ns, workflowId));
    }

    synchronized void clear() {
        map.clear();
    }
}
