package io.kairos.persistence.sql;

/** The shard's range_id moved on: another host acquired it, so this host must drop the shard. */
public final class ShardOwnershipLostException extends PersistenceException implements io.kairos.common.errors.Retryable {
    private final int shardId;
    private final long expectedRangeId;
    private final long actualRangeId;

    public ShardOwnershipLostException(int shardId, long expectedRangeId, long actualRangeId) {
        super("shard " + shardId + " ownership lost: range_id is " + actualRangeId + ", this host holds "
                + expectedRangeId, null, null);
        this.shardId = shardId;
        this.expectedRangeId = expectedRangeId;
        this.actualRangeId = actualRangeId;
    }

    public int shardId() {
        return shardId;
    }

    public long expectedRangeId() {
        return expectedRangeId;
    }

    public long actualRangeId() {
        return actualRangeId;
    }
}
