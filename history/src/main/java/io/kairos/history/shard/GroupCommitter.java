package io.kairos.history.shard;

import io.kairos.common.concurrent.GroupCommit;
import io.kairos.persistence.execution.ExecutionStore;
import io.kairos.persistence.execution.ExecutionWrite;
import io.kairos.persistence.sql.ShardOwnershipLostException;
import io.kairos.persistence.sql.SqlErrors;

/**
 * Group commit of one shard's workflow writes ({@link GroupCommit}): concurrent mutations of the shard share
 * transactions, each guarded once by the shard's range_id. A write whose condition fails (raced record version or
 * current run) fails alone; a statement the database rejects makes the batch retry write by write; lost ownership
 * or a broken connection fails every write of the batch.
 */
public final class GroupCommitter {
    /** Bounds a transaction's size (and how long its writers wait for it). */
    static final int MAX_BATCH = 64;

    private final GroupCommit<ExecutionWrite> group;

    public GroupCommitter(ExecutionStore store, ShardContext shard) {
        this.group = new GroupCommit<>(MAX_BATCH, batch -> store.commit(shard.shardId(), shard.rangeId(), batch),
                e -> !(e instanceof ShardOwnershipLostException) && SqlErrors.rejectedByStatement(e));
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
        group.commit(write);
    }

    /** Writes waiting for a transaction. */
    public int queued() {
        return group.queued();
    }
}
