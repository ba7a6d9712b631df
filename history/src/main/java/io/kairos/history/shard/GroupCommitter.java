package io.kairos.history.shard;

import io.kairos.persistence.execution.ExecutionStore;
import io.kairos.persistence.execution.ExecutionWrite;
import io.kairos.persistence.sql.PersistenceException;
import io.kairos.persistence.sql.ShardOwnershipLostException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit of one shard's workflow writes. A writer queues its write, then takes the shard's commit lock;
 * whoever holds the lock commits everything queued in one transaction, so while one transaction waits for its
 * fsync the writes arriving meanwhile gather for the next. A lone writer commits alone, with no added delay.
 *
 * <p>Each write keeps its own outcome: a write whose condition fails (raced record version or current run) fails
 * alone; a transaction that fails as a whole (an SQL error) is retried write by write, so one bad write cannot
 * fail the others. Lost ownership fails every write of the batch.
 */
public final class GroupCommitter {
    /** Bounds a transaction's size (and how long its writers wait for it). */
    static final int MAX_BATCH = 64;

    private final ExecutionStore store;
    private final ShardContext shard;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock commitLock = new ReentrantLock();

    private static final class Pending {
        final ExecutionWrite write;
        volatile boolean done;
        RuntimeException failure;

        Pending(ExecutionWrite write) {
            this.write = write;
        }

        void finish(RuntimeException f) {
            failure = f;
            done = true; // volatile write publishes failure
        }
    }

    public GroupCommitter(ExecutionStore store, ShardContext shard) {
        this.store = store;
        this.shard = shard;
    }

    /**
     * Returns once {@code write} is committed.
     *
     * @throws io.kairos.persistence.sql.ConditionFailedException when its condition did not hold (nothing written)
     * @throws ShardOwnershipLostException when the shard moved (nothing written)
     * @throws RuntimeException any other failure; the write may or may not have committed if the connection
     *                          broke during the commit
     */
    public void commit(ExecutionWrite write) {
        Pending mine = new Pending(write);
        queue.add(mine);
        commitLock.lock();
        try {
            while (!mine.done) {
                commitBatch(drain());
            }
        } finally {
            commitLock.unlock();
        }
        if (mine.failure != null) {
            throw mine.failure;
        }
    }

    /** Writes waiting for a transaction. */
    public int queued() {
        return queue.size();
    }

    private List<Pending> drain() {
        List<Pending> batch = new ArrayList<>();
        Pending p;
        while (batch.size() < MAX_BATCH && (p = queue.poll()) != null) {
            batch.add(p);
        }
        return batch;
    }

    private void commitBatch(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            List<RuntimeException> outcomes = store.commit(shard.shardId(), shard.rangeId(),
                    batch.stream().map(p -> p.write).toList());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).finish(outcomes.get(i));
            }
        } catch (ShardOwnershipLostException lost) {
            batch.forEach(p -> p.finish(lost));
        } catch (RuntimeException failed) {
            if (batch.size() == 1 || !rejectedByStatement(failed)) {
                // A broken connection may have lost the commit or only its answer: every write's outcome is unknown.
                batch.forEach(p -> p.finish(failed));
                return;
            }
            // A statement was rejected, so nothing committed: find the write at fault by committing each alone.
            for (Pending p : batch) {
                commitBatch(List.of(p));
            }
        }
    }

    /** Integrity (23), data (22) and syntax/access (42) errors: the database refused a statement and rolled back. */
    static boolean rejectedByStatement(RuntimeException e) {
        String state = e instanceof PersistenceException pe ? pe.sqlState() : null;
        return state != null && (state.startsWith("23") || state.startsWith("22") || state.startsWith("42"));
    }
}
