package io.kairos.persistence.shard;

import io.kairos.common.ids.ShardId;

import java.sql.Connection;

/** Shard ownership, fenced by range_id. */
public interface ShardStore {
    /** Takes the shard over: increments its range_id (creating the row at 1) and records the owner. */
    long acquire(ShardId shard, String owner);

    /** {@link #acquire} of several shards in one statement; returns each shard's new range_id. */
    java.util.Map<ShardId, Long> acquireAll(java.util.Collection<ShardId> shards, String owner);

    /** The current range_id of each shard that has a row (an owner checks it still holds its shards). */
    java.util.Map<ShardId, Long> rangeIds(java.util.Collection<ShardId> shards);

    /** One shard's row, for operators. */
    record ShardRow(int shardId, long rangeId, String owner, java.time.Instant updatedAt) {
    }

    /** Every shard's row. */
    java.util.List<ShardRow> all();

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
