package io.kairos.history.shard;

import io.kairos.common.ids.ShardId;
import io.kairos.persistence.execution.QueueTask;
import io.kairos.persistence.shard.ShardStore;

import java.util.List;

/**
 * One owned shard: its range_id fence, the task/txn id allocator, its group committer, and the hand-off of
 * committed tasks to its queue processors. Ids come from [rangeId << 20, (rangeId + 1) << 20), so they keep
 * growing across owners and restarts; when a range runs out the shard moves to its next range with a
 * conditional update.
 */
public final class ShardContext {
    static final int RANGE_BITS = 20;

    /** A queue processor's side of the hand-off. */
    public interface QueueListener {
        /** Tasks a commit just made durable. */
        void committed(List<QueueTask> tasks);

        /** A commit's outcome is unknown: tasks may be in the database that were never handed over. */
        void rescan();
    }

    private static final QueueListener NONE = new QueueListener() {
        @Override
        public void committed(List<QueueTask> tasks) {
        }

        @Override
        public void rescan() {
        }
    };

    private final ShardId shardId;
    private final ShardStore store;
    private final GroupCommitter committer;
    private long rangeId;
    private long nextId;
    private long rangeEnd;
    private final java.time.Instant acquiredAt = java.time.Instant.now();
    private volatile boolean closed;
    private volatile QueueListener transferListener = NONE;
    private volatile QueueListener timerListener = NONE;

    public ShardContext(ShardId shardId, long rangeId, ShardStore store, GroupCommitter committer) {
        this.shardId = shardId;
        this.store = store;
        this.committer = committer;
        setRange(rangeId);
    }

    private void setRange(long r) {
        rangeId = r;
        nextId = r << RANGE_BITS;
        rangeEnd = (r + 1) << RANGE_BITS;
    }

    /** When this host acquired the shard. */
    public java.time.Instant acquiredAt() {
        return acquiredAt;
    }

    /** Released or lost: requests for it are answered "moved". */
    public boolean isClosed() {
        return closed;
    }

    void close() {
        closed = true;
    }

    public ShardId shardId() {
        return shardId;
    }

    public synchronized long rangeId() {
        return rangeId;
    }

    /** The host's group committer (shared by its shards). */
    public GroupCommitter committer() {
        return committer;
    }

    /** Commits a write of this shard through the host's group commit, fenced by this shard's range_id. */
    public void commit(io.kairos.persistence.execution.ExecutionWrite write) {
        committer.commit(shardId, rangeId(), write);
    }

    /** A new task or history txn id, unique and increasing within the shard. */
    public synchronized long nextTaskId() {
        if (nextId >= rangeEnd) {
            setRange(store.renewRange(shardId, rangeId));
        }
        return nextId++;
    }

    public void onTransferTasks(QueueListener listener) {
        transferListener = listener;
    }

    public void onTimerTasks(QueueListener listener) {
        timerListener = listener;
    }

    /** Called after a commit with the transfer and timer tasks it added. */
    public void tasksCommitted(List<QueueTask> transfer, List<QueueTask> timers) {
        if (!transfer.isEmpty()) {
            transferListener.committed(transfer);
        }
        if (!timers.isEmpty()) {
            timerListener.committed(timers);
        }
    }

    /** Called when a commit failed in a way that may still have committed it. */
    public void commitOutcomeUnknown() {
        transferListener.rescan();
        timerListener.rescan();
    }
}
