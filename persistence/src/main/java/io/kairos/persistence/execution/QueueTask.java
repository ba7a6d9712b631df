package io.kairos.persistence.execution;

import io.kairos.proto.persistence.v1.HistoryTask;

import java.time.Instant;

/**
 * A transfer or timer task row. Transfer tasks have no fire time (null); timer tasks fire at {@code fireAt},
 * truncated to microseconds because that is what TIMESTAMPTZ keeps.
 */
public record QueueTask(long taskId, Instant fireAt, HistoryTask task) {
}
