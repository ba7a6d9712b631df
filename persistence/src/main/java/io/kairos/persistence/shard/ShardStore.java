package io.kairos.persistence.shard;

import io.kairos.common.ids.ShardId;

import java.sql.Connection;

/** Shard ownership, fenced by range_id. */
public interface ShardStore {
    /** Takes the shard over: increments its range_id (creating the row at 1) and records the owner. */
    long acquire(ShardId shard, String owner);

    /**
     * Moves an owned shard to its next range (for more task ids) if it still has {@code expectedRangeId}.
     *
     * @throws io.kairos.persistence.sql.ShardOwnershipLostException when another host acquired it
     */
    long renewRange(ShardId shard, long expectedRangeId);

    /**
     * Inside a mutation's transaction: locks the shard row for share and checks it still has {@code rangeId}.
     *
     * @throws io.kairos.persistence.sql.ShardOwnershipLostException when another host acquired it
     */
    void assertOwned(Connection transaction, ShardId shard, long rangeId) throws java.sql.SQLException;
}
