package io.kairos.history.engine;

import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.shard.ShardContext;
import io.kairos.history.shard.ShardController;
import io.kairos.persistence.execution.ExecutionStore;
import io.kairos.persistence.execution.WorkflowWrite;
import io.kairos.persistence.sql.ConditionFailedException;
import io.kairos.persistence.sql.ShardOwnershipLostException;
import io.kairos.proto.persistence.v1.WorkflowMutableState;

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Runs one mutation of one workflow run: lock the run in this process, load its state, let the handler decide
 * and append events, then commit state, events and tasks in one transaction guarded by the shard's range_id
 * and the run's record version.
 *
 * <p>Tolerated race, named: two hosts briefly both believing they own a shard. The loser's commit fails its
 * range_id check (ShardOwnershipLost, retryable) or its record-version check (re-run here), never both commit.
 */
public final class WorkflowUpdater {
    private static final int LOCK_STRIPES = 1024;
    private static final int MAX_ATTEMPTS = 3;
    private static final int CACHE_SIZE = 10_000;

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

    public WorkflowUpdater(ExecutionStore store, ShardController shards, HistoryNotifier notifier, Clock clock) {
        this.store = store;
        this.shards = shards;
        this.notifier = notifier;
        this.clock = clock;
        for (int i = 0; i < LOCK_STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
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

    HistoryNotifier notifier() {
        return notifier;
    }

    ReentrantLock lockFor(String workflowId) {
        return locks[Math.floorMod(workflowId.hashCode(), LOCK_STRIPES)];
    }

    /** The committed state: from the cache when this host wrote it last, else from the database. */
    public Optional<WorkflowMutableState> load(WorkflowKey key) {
        WorkflowMutableState cached = cache.get(key);
        if (cached != null) {
            return Optional.of(cached);
        }
        ShardContext shard = shards.contextFor(key.namespaceId(), key.workflowId());
        return store.get(shard.shardId(), key);
    }

    /** Applies {@code handler} to the run; the handler's return value is returned after the commit. */
    public <T> T update(WorkflowKey key, Function<Mutation, T> handler) {
        ShardContext shard = shards.contextFor(key.namespaceId(), key.workflowId());
        ReentrantLock lock = lockFor(key.workflowId());
        lock.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                WorkflowMutableState s = cache.get(key);
                if (s == null) {
                    s = store.get(shard.shardId(), key).orElseThrow(() -> notFound(key));
                }
                Mutation m = new Mutation(key, shard, s.toBuilder(), clock.instant());
                m.startedEventReader(() -> store.readHistory(shard.shardId(), key, 1, 2, 1).get(0));
                T result;
                try {
                    result = handler.apply(m);
                } catch (RuntimeException e) {
                    cache.remove(key); // the handler may have failed on a state we should not trust
                    throw e;
                }
                if (!m.hasChanges()) {
                    return result;
                }
                WorkflowWrite write = m.toWrite();
                Mutation next = null;
                WorkflowWrite nextWrite = null;
                WorkflowKey nextKey = null;
                if (m.continuation() != null) {
                    nextKey = new WorkflowKey(key.namespaceId(), key.workflowId(), m.continuation().runId());
                    next = StartWorkflow.newRun(nextKey, shard, m.now(), java.util.UUID.randomUUID().toString(),
                            m.continuation().started(), null);
                    nextWrite = next.toWrite();
                }
                try {
                    if (next == null) {
                        store.update(shard.shardId(), shard.rangeId(), key, write);
                    } else {
                        store.continueAsNew(shard.shardId(), shard.rangeId(), key, write, nextKey,
                                nextWrite.state().getExecution().getCreateRequestId(), nextWrite);
                    }
                } catch (ConditionFailedException raced) {
                    cache.remove(key);
                    if (attempt >= MAX_ATTEMPTS) {
                        throw raced;
                    }
                    continue;
                } catch (ShardOwnershipLostException lost) {
                    cache.clear(); // another host owns these workflows now
                    throw lost;
                } catch (RuntimeException unknownOutcome) {
                    cache.remove(key); // the commit may or may not have happened: reload next time
                    throw unknownOutcome;
                }
                committed(key, write);
                afterCommit(key, shard, m);
                if (next != null) {
                    committed(nextKey, nextWrite);
                    afterCommit(nextKey, shard, next);
                }
                return result;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Caches what was just committed, with the record version the database now has. */
    void committed(WorkflowKey key, WorkflowWrite write) {
        cache.put(key, write.state().toBuilder().setDbRecordVersion(write.expectedRecordVersion() + 1).build());
    }

    void afterCommit(WorkflowKey key, ShardContext shard, Mutation m) {
        if (m.hasTransferTasks()) {
            shard.notifyTransferTasks();
        }
        if (m.hasTimerTasks()) {
            shard.notifyTimerTasks(m.earliestTimer());
        }
        notifier.changed(key);
    }

    static NotFoundException notFound(WorkflowKey key) {
        return new NotFoundException("Workflow execution not found for workflow ID \"" + key.workflowId()
                + "\" and run ID \"" + key.runId() + "\".");
    }
}
