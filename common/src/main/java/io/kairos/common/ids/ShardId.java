package io.kairos.common.ids;

/** A history shard, numbered from 1 like Temporal's. */
public record ShardId(int value) {
    public ShardId {
        if (value < 1) {
            throw new IllegalArgumentException("shard ids start at 1: " + value);
        }
    }

    @Override
    public String toString() {
        return Integer.toString(value);
    }
}
