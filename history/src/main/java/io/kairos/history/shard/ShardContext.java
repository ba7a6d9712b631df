package io.kairos.history.shard;

import io.kairos.common.ids.ShardId;
import io.kairos.persistence.shard.ShardStore;

/**
 * One owned shard: its range_id fence and the task/txn id allocator. Ids come from
 * [rangeId << 20, (rangeId + 1) << 20), so they keep growing across owners and restarts; when a range runs out
 * the shard moves to its next range with a conditional update.
 */
public final class ShardContext {
    static final int RANGE_BITS = 20;

    private final ShardId shardId;
    private final ShardStore store;
    private long rangeId;
    private long nextId;
    private long rangeEnd;
    private volatile Runnable transferListener = () -> { };
    private volatile java.util.function.Consumer<java.time.Instant> timerListener = t -> { };

    ShardContext(ShardId shardId, long rangeId, ShardStore store) {
        this.shardId = shardId;
        this.store = store;
        setRange(rangeId);
    }

    private void setRange(long r) {
        rangeId = r;
        nextId = r << RANGE_BITS;
        rangeEnd = (r + 1) << RANGE_BITS;
    }

    public ShardId shardId() {
        return shardId;
    }

    public synchronized long rangeId() {
        return rangeId;
    }

    /** A new task or history txn id, unique and increasing within the shard. */
    public synchronized long nextTaskId() {
        if (nextId >= rangeEnd) {
            setRange(store.renewRange(shardId, rangeId));
        }
        return nextId++;
    }

    public void onTransferTasks(Runnable listener) {
        transferListener = listener;
    }

    public void onTimerTasks(java.util.function.Consumer<java.time.Instant> listener) {
        timerListener = listener;
    }

    /** Called after a commit that added transfer tasks, so the processor does not wait for its next poll. */
    public void notifyTransferTasks() {
        transferListener.run();
    }

    /** Called after a commit that added timer tasks, with the earliest of their fire times. */
    public void notifyTimerTasks(java.time.Instant earliest) {
        timerListener.accept(earliest);
    }
}
