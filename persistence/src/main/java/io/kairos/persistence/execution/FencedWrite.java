package io.kairos.persistence.execution;

import io.kairos.common.ids.ShardId;

/** A write of one shard's run, to commit only while the shard still has {@code rangeId}. */
public record FencedWrite(ShardId shard, long rangeId, ExecutionWrite write) {
}
