package io.kairos.history.engine;

import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.HistoryMetrics;
import io.kairos.history.shard.ShardContext;
import io.kairos.history.shard.ShardController;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.execution.CurrentExecution;
import io.kairos.persistence.execution.ExecutionStore;
import io.kairos.persistence.execution.ExecutionWrite;
import io.kairos.persistence.execution.WorkflowWrite;
import io.temporal.api.history.v1.HistoryEvent;
import io.kairos.persistence.sql.ConditionFailedException;
import io.kairos.persistence.sql.ShardOwnershipLostException;
import io.kairos.proto.persistence.v1.WorkflowMutableState;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Runs one mutation of one workflow run: lock the run in this process, load its state, let the handler decide
 * and append events, then commit state, events and tasks in one transaction guarded by the shard's range_id
 * and the run's record version.
 *
 * <p>Tolerated race, named: two hosts briefly both believing they own a shard. The loser's commit fails its
 * range_id check (it drops the shard and answers "moved", which the caller follows to the new owner) or its
 * record-version check (re-run here); never both commit.
 */
public final class WorkflowUpdater {
    private static final int LOCK_STRIPES = 1024;
    private static final int MAX_ATTEMPTS = 3;
    private static final int CACHE_SIZE = 10_000;
    private static final long HISTORY_CACHE_BYTES = 64L * 1024 * 1024;

    private final ExecutionStore store;
    private final ShardController shards;
    private final HistoryNotifier notifier;
    private final Clock clock;
    private final ReentrantLock[] locks = new ReentrantLock[LOCK_STRIPES];
    /**
     * Mutable state this host committed last, so a mutation does not re-read it. Safe because every write of a
     * run goes through this updater while the shard is owned; any doubt (a failed commit, lost ownership)
     * drops the entry and the database is read again.
     */
    private final MutableStateCache cache = new MutableStateCache(CACHE_SIZE);
    private final HistoryCache history = new HistoryCache(HISTORY_CACHE_BYTES);
    private final CurrentRunCache currentRuns = new CurrentRunCache(CACHE_SIZE);
    private final java.util.concurrent.atomic.AtomicLong deletions = new java.util.concurrent.atomic.AtomicLong();
    private volatile HistoryMetrics metrics = HistoryMetrics.NOOP;

    public WorkflowUpdater(ExecutionStore store, ShardController shards, HistoryNotifier notifier, Clock clock) {
        this.store = store;
        this.shards = shards;
        this.notifier = notifier;
        this.clock = clock;
        for (int i = 0; i < LOCK_STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
        // Another host may have written a shard's runs while this one did not own it: what is cached is stale.
        shards.onShardAcquired(ctx -> clearCaches());
        shards.onShardReleased(ctx -> {
            clearCaches();
            notifier.wakeAll();
        });
    }

    /** Where the engine's metrics go (completion stats, state transitions, caches, commands, timeouts). */
    public void metrics(HistoryMetrics m) {
        this.metrics = m;
    }

    HistoryMetrics metrics() {
        return metrics;
    }

    /** Namespace retention, for the retention timer a closing run gets; null schedules none. */
    private volatile java.util.function.Function<NamespaceId, java.time.Duration> retention;

    public void retention(java.util.function.Function<NamespaceId, java.time.Duration> r) {
        this.retention = r;
    }

    /** Whether a closing run gets an ArchiveExecution task: the cluster has history or visibility archival. */
    private volatile boolean archiveOnClose;

    public void archiveOnClose(boolean on) {
        this.archiveOnClose = on;
    }

    /** Deletes a run from the database and forgets it, under the run's lock so no mutation races the delete. */
    public void delete(WorkflowKey key) {
        ShardContext shard = shards.contextFor(key.namespaceId(), key.workflowId());
        ReentrantLock lock = lockFor(key.workflowId());
        lock.lock();
        deletions.incrementAndGet();
        try {
            store.deleteExecution(shard.shardId(), shard.rangeId(), key);
        } catch (ShardOwnershipLostException lost) {
            throw deposed(shard, lost);
        } finally {
            cache.remove(key);
            history.remove(key);
            currentRuns.remove(key.namespaceId(), key.workflowId());
            deletions.incrementAndGet();
            lock.unlock();
        }
    }

    /**
     * Changes whenever a deletion starts or ends. A reader that saw the same value before loading a run and after
     * acting on it knows no deletion overlapped (the visibility writer uses it not to write back a deleted run).
     */
    public long deletionEpoch() {
        return deletions.get();
    }

    ExecutionStore store() {
        return store;
    }

    ShardController shards() {
        return shards;
    }

    Clock clock() {
        return clock;
    }

    public HistoryNotifier notifier() {
        return notifier;
    }

    ReentrantLock lockFor(String workflowId) {
        return locks[Math.floorMod(workflowId.hashCode(), LOCK_STRIPES)];
    }

    /** The committed state: from the cache when this host wrote it last, else from the database. */
    public Optional<WorkflowMutableState> load(WorkflowKey key) {
        ShardContext shard = shards.contextFor(key.namespaceId(), key.workflowId());
        long t0 = System.nanoTime();
        WorkflowMutableState cached = cache.get(key);
        if (cached != null) {
            metrics.cacheLookup(MUTABLE_STATE, GET_OR_CREATE, true, System.nanoTime() - t0);
            return Optional.of(cached);
        }
        Optional<WorkflowMutableState> read = loadFromStore(shard, key);
        metrics.cacheLookup(MUTABLE_STATE, GET_OR_CREATE, false, System.nanoTime() - t0);
        return read;
    }

    // Temporal's names for its mutable state cache and its lookups (workflow/cache/cache.go).
    private static final String MUTABLE_STATE = "mutablestate";
    private static final String GET_OR_CREATE = "HistoryCacheGetOrCreate";
    private static final String GET_OR_CREATE_CURRENT = "HistoryCacheGetOrCreateCurrent";
    private static final String EVENTS = "events";

    private Optional<WorkflowMutableState> loadFromStore(ShardContext shard, WorkflowKey key) {
        try {
            return store.get(shard.shardId(), key);
        } catch (RuntimeException e) {
            metrics.cacheError(MUTABLE_STATE, GET_OR_CREATE);
            throw e;
        }
    }

    /** Applies {@code handler} to the run; the handler's return value is returned after the commit. */
    public <T> T update(WorkflowKey key, Function<Mutation, T> handler) {
        ShardContext shard = shards.contextFor(key.namespaceId(), key.workflowId());
        ReentrantLock lock = lockFor(key.workflowId());
        lock.lock();
        try {
            return updateLocked(key, shard, handler);
        } catch (ShardOwnershipLostException lost) {
            throw deposed(shard, lost); // e.g. the shard's next id range could not be taken
        } finally {
            lock.unlock();
        }
    }

    private <T> T updateLocked(WorkflowKey key, ShardContext shard, Function<Mutation, T> handler) {
        for (int attempt = 1; ; attempt++) {
            long t0 = System.nanoTime();
            WorkflowMutableState s = cache.get(key);
            boolean hit = s != null;
            if (s == null) {
                s = loadFromStore(shard, key).orElseThrow(() -> notFound(key));
            }
            metrics.cacheLookup(MUTABLE_STATE, GET_OR_CREATE, hit, System.nanoTime() - t0);
            Mutation m = new Mutation(key, shard, s.toBuilder(), clock.instant());
            m.retention(retention);
            m.archiveOnClose(archiveOnClose);
            m.startedEventReader(() -> readHistory(key, 1, 2, 1).get(0));
            T result;
            try {
                result = handler.apply(m);
            } catch (RuntimeException e) {
                cache.remove(key); // the handler may have failed on a state we should not trust
                history.remove(key);
                throw e;
            }
            if (!m.hasChanges()) {
                m.runAfterCommit();
                return result;
            }
            WorkflowWrite write = m.toWrite();
            ExecutionWrite op;
            Mutation next = null;
            WorkflowKey nextKey = null;
            if (m.continuation() == null) {
                op = new ExecutionWrite.Update(key, write);
            } else {
                nextKey = new WorkflowKey(key.namespaceId(), key.workflowId(), m.continuation().runId());
                // The chain's completion callbacks go on to its next run (continue-as-new, retry, cron).
                m.state().getCallbacksList().forEach(cb -> m.continuation().started().addCompletionCallbacks(cb.getCallback()));
                next = StartWorkflow.newRun(nextKey, shard, m.now(), java.util.UUID.randomUUID().toString(),
                        m.continuation().started(), null, null);
                WorkflowWrite nextWrite = next.toWrite();
                op = new ExecutionWrite.ContinueAsNew(key, write, nextKey,
                        nextWrite.state().getExecution().getCreateRequestId(), nextWrite);
            }
            try {
                commit(shard, op);
            } catch (ConditionFailedException raced) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw raced;
                }
                continue;
            }
            m.runAfterCommit();
            notifier.changed(key);
            if (nextKey != null) {
                notifier.changed(nextKey);
            }
            return result;
        }
    }

    /** The shard was acquired by another host: it is dropped here and the caller is sent to the owner. */
    private RuntimeException deposed(ShardContext shard, ShardOwnershipLostException lost) {
        shards.lost(shard.shardId(), lost);
        return shards.moved(shard.shardId());
    }

    /**
     * Commits one write through the shard's group committer, then keeps the caches in step and hands the new
     * tasks to the shard's queue processors. On any failure the caches forget what the write touched.
     */
    void commit(ShardContext shard, ExecutionWrite op) {
        try {
            shard.commit(op);
        } catch (ConditionFailedException raced) {
            forget(op);
            throw raced;
        } catch (ShardOwnershipLostException lost) {
            clearCaches(); // another host owns these workflows now
            throw deposed(shard, lost);
        } catch (RuntimeException unknownOutcome) {
            forget(op); // the commit may or may not have happened: reload next time
            shard.commitOutcomeUnknown();
            throw unknownOutcome;
        }
        switch (op) {
            case ExecutionWrite.Create c -> {
                committed(c.key(), c.write());
                currentRuns.put(c.key().namespaceId(), c.key().workflowId(), current(c.key(), c.createRequestId(), c.write()));
            }
            case ExecutionWrite.Update u -> committed(u.key(), u.write());
            case ExecutionWrite.ContinueAsNew can -> {
                committed(can.closed(), can.closing());
                committed(can.next(), can.nextWrite());
                currentRuns.put(can.next().namespaceId(), can.next().workflowId(),
                        current(can.next(), can.createRequestId(), can.nextWrite()));
            }
            case ExecutionWrite.Reset r -> {
                if (r.currentWrite() != null) {
                    committed(r.current(), r.currentWrite());
                }
                history.remove(r.next());
                for (var batch : r.copied()) {
                    history.appended(r.next(), batch.events()); // the copied prefix first, from event 1
                }
                committed(r.next(), r.nextWrite());
                currentRuns.put(r.next().namespaceId(), r.next().workflowId(),
                        current(r.next(), r.createRequestId(), r.nextWrite()));
            }
        }
        for (WorkflowWrite w : op.writes()) {
            shard.tasksCommitted(w.transferTasks(), w.timerTasks());
        }
        // Only here, after the commit succeeded: a raced or failed write is retried and must not count twice.
        NamespaceId ns = switch (op) {
            case ExecutionWrite.Create c -> c.key().namespaceId();
            case ExecutionWrite.Update u -> u.key().namespaceId();
            case ExecutionWrite.ContinueAsNew can -> can.closed().namespaceId();
            case ExecutionWrite.Reset r -> r.current().namespaceId();
        };
        for (WorkflowWrite w : op.writes()) {
            var e = w.state().getExecution();
            metrics.stateTransitions(ns, e.getStateTransitionCount());
            metrics.runWritten(ns, e.getWorkflowType(), e.getTaskQueue().getName(),
                    e.hasStartTime() ? java.time.Instant.ofEpochSecond(e.getStartTime().getSeconds(),
                            e.getStartTime().getNanos()) : null, w.events());
        }
    }

    private static CurrentExecution current(WorkflowKey key, String createRequestId, WorkflowWrite w) {
        var e = w.state().getExecution();
        return new CurrentExecution(key.runId(), createRequestId, true, e.getStatus(),
                java.time.Instant.ofEpochSecond(e.getStartTime().getSeconds(), e.getStartTime().getNanos()));
    }

    /** Caches what was just committed, with the record version the database now has. */
    private void committed(WorkflowKey key, WorkflowWrite write) {
        cache.put(key, write.state().toBuilder().setDbRecordVersion(write.expectedRecordVersion() + 1).build());
        if (!write.events().isEmpty()) {
            long t0 = System.nanoTime();
            history.appended(key, write.events());
            metrics.cacheRequest(EVENTS, "EventsCachePutEvent", System.nanoTime() - t0);
        }
        var e = write.state().getExecution();
        if (e.getState() != io.kairos.proto.persistence.v1.ExecutionState.EXECUTION_STATE_RUNNING) {
            currentRuns.closed(key.namespaceId(), key.workflowId(), key.runId(), e.getStatus());
        }
    }

    private void forget(ExecutionWrite op) {
        WorkflowKey key = switch (op) {
            case ExecutionWrite.Create c -> c.key();
            case ExecutionWrite.Update u -> u.key();
            case ExecutionWrite.ContinueAsNew can -> {
                cache.remove(can.next());
                history.remove(can.next());
                yield can.closed();
            }
            case ExecutionWrite.Reset r -> {
                cache.remove(r.next());
                history.remove(r.next());
                yield r.current();
            }
        };
        cache.remove(key);
        history.remove(key);
        currentRuns.remove(key.namespaceId(), key.workflowId());
    }

    private void clearCaches() {
        cache.clear();
        history.clear();
        currentRuns.clear();
    }

    /** Committed events with ids in [from, toExclusive), at most max (whole batches from the database). */
    public List<HistoryEvent> readHistory(WorkflowKey key, long from, long toExclusive, int max) {
        ShardContext shard = shards.contextFor(key.namespaceId(), key.workflowId());
        long t0 = System.nanoTime();
        List<HistoryEvent> cached = history.read(key, from, toExclusive, max);
        if (cached != null) {
            metrics.cacheLookup(EVENTS, "EventsCacheGetEvent", true, System.nanoTime() - t0);
            return cached;
        }
        long t1 = System.nanoTime();
        try {
            List<HistoryEvent> read = store.readHistory(shard.shardId(), key, from, toExclusive, max);
            long t2 = System.nanoTime();
            metrics.cacheRequest(EVENTS, "EventsCacheGetFromStore", t2 - t1);
            metrics.cacheLookup(EVENTS, "EventsCacheGetEvent", false, t2 - t0);
            return read;
        } catch (RuntimeException e) {
            metrics.cacheError(EVENTS, "EventsCacheGetFromStore");
            throw e;
        }
    }

    /** The current run of a workflow id, from what this host committed last or else from the database. */
    public Optional<CurrentExecution> currentRun(NamespaceId ns, String workflowId) {
        ShardContext shard = shards.contextFor(ns, workflowId);
        long t0 = System.nanoTime();
        CurrentExecution cached = currentRuns.get(ns, workflowId);
        if (cached != null) {
            metrics.cacheLookup(MUTABLE_STATE, GET_OR_CREATE_CURRENT, true, System.nanoTime() - t0);
            return Optional.of(cached);
        }
        Optional<CurrentExecution> read;
        try {
            read = store.getCurrent(shard.shardId(), ns, workflowId);
        } catch (RuntimeException e) {
            metrics.cacheError(MUTABLE_STATE, GET_OR_CREATE_CURRENT);
            throw e;
        }
        read.ifPresent(c -> currentRuns.put(ns, workflowId, c));
        metrics.cacheLookup(MUTABLE_STATE, GET_OR_CREATE_CURRENT, false, System.nanoTime() - t0);
        return read;
    }

    /** The cached current run only: null when this host does not know it. */
    CurrentExecution cachedCurrentRun(NamespaceId ns, String workflowId) {
        return currentRuns.get(ns, workflowId);
    }

    static NotFoundException notFound(WorkflowKey key) {
        return new NotFoundException("Workflow execution not found for workflow ID \"" + key.workflowId()
                + "\" and run ID \"" + key.runId() + "\".");
    }
}
