package io.kairos.history.shard;

import io.kairos.common.concurrent.GroupCommit;
import io.kairos.common.ids.ShardId;
import io.kairos.persistence.execution.ExecutionStore;
import io.kairos.persistence.execution.ExecutionWrite;
import io.kairos.persistence.execution.FencedWrite;
import io.kairos.persistence.sql.ShardOwnershipLostException;
import io.kairos.persistence.sql.SqlErrors;

/**
 * Group commit of workflow writes ({@link GroupCommit}): concurrent mutations share transactions. The shard
 * controller gives each shard its own committer: writes of one shard gather while that shard's transaction waits
 * for its fsync, and the shards' transactions run side by side. A committer can also take writes of several shards
 * (each shard's range_id is checked once per transaction); one committer for the whole host cut commits per
 * one-activity workflow from 5.6 to 2.5 in the benchmark, but its batches ran one after another and the fixed-rate
 * p99 rose from 91 to 292 ms, so per shard it is. A write whose condition fails (raced record version or current run)
 * fails alone; a statement the database rejects, or a shard that moved, makes the batch retry write by write; a
 * broken connection fails every write of the batch.
 */
public final class GroupCommitter {
    /** Bounds a transaction's size (and how long its writers wait for it). */
    static final int MAX_BATCH = 64;
    /** Transactions in flight at once per committer (more split the batches: more commits, no lower latency). */
    static final int MAX_IN_FLIGHT = 1;

    private final GroupCommit<FencedWrite> group;

    public GroupCommitter(ExecutionStore store) {
        this(store, MAX_IN_FLIGHT);
    }

    GroupCommitter(ExecutionStore store, int maxInFlight) {
        this.group = new GroupCommit<>(MAX_BATCH, maxInFlight, store::commit,
                e -> e instanceof ShardOwnershipLostException || SqlErrors.rejectedByStatement(e));
    }

    /**
     * Returns once {@code write} is committed.
     *
     * @throws io.kairos.persistence.sql.ConditionFailedException when its condition did not hold (nothing written)
     * @throws ShardOwnershipLostException when the shard moved (nothing written)
     * @throws RuntimeException any other failure; the write may or may not have committed if the connection
     *                          broke during the commit
     */
    public void commit(ShardId shard, long rangeId, ExecutionWrite write) {
        group.commit(new FencedWrite(shard, rangeId, write));
    }

    /** Writes waiting for a transaction. */
    public int queued() {
        return group.queued();
    }
}
