package io.kairos.history.engine;

import io.kairos.common.ids.WorkflowKey;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Wakes long polls of GetWorkflowExecutionHistory when a run's history changes. */
public final class HistoryNotifier {
    private final ConcurrentMap<WorkflowKey, CompletableFuture<Void>> waiters = new ConcurrentHashMap<>();

    /** A future completed at the next change of this run; register before re-reading to not miss one. */
    public CompletableFuture<Void> nextChange(WorkflowKey key) {
        return waiters.computeIfAbsent(key, k -> new CompletableFuture<>());
    }

    public void changed(WorkflowKey key) {
        CompletableFuture<Void> f = waiters.remove(key);
        if (f != null) {
            f.complete(null);
        }
    }

    /** Wakes every waiter (a shard moved away): each re-reads, and its re-read finds out where the shard went. */
    public void wakeAll() {
        waiters.keySet().forEach(this::changed);
    }
}
