package io.kairos.history.shard;

import io.kairos.common.concurrent.GroupCommit;
import io.kairos.common.ids.ShardId;
import io.kairos.persistence.execution.ExecutionStore;
import io.kairos.persistence.execution.ExecutionWrite;
import io.kairos.persistence.execution.FencedWrite;
import io.kairos.persistence.sql.ShardOwnershipLostException;
import io.kairos.persistence.sql.SqlErrors;

/**
 * Group commit of this host's workflow writes ({@link GroupCommit}): concurrent mutations share transactions
 * whichever of the host's shards they belong to, each shard's range_id checked once per transaction. Grouping
 * across shards matters: with a handful of shards per host, a per-shard group is often a single write. A write whose
 * condition fails (raced record version or current run) fails alone; a statement the database rejects, or a shard
 * that moved, makes the batch retry write by write (so only the moved shard's writes fail); a broken connection
 * fails every write of the batch.
 */
public final class GroupCommitter {
    /** Bounds a transaction's size (and how long its writers wait for it). */
    static final int MAX_BATCH = 64;

    private final GroupCommit<FencedWrite> group;

    public GroupCommitter(ExecutionStore store) {
        this.group = new GroupCommit<>(MAX_BATCH, store::commit,
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
