package io.kairos.persistence.matching;

import io.temporal.api.enums.v1.TaskQueueKind;

import java.util.Objects;

/**
 * A matching host's lease on a task queue. {@code rangeId} is the fence every task write re-checks, and it
 * also names the block of task ids the holder may allocate: {@code [rangeId << 20, (rangeId + 1) << 20)}.
 * Because each acquire increments the range, ids stay monotonic across owners, so the backlog read in
 * task_id order is also the order in which tasks were added.
 */
public record TaskQueueLease(TaskQueueKey key, TaskQueueKind kind, long rangeId) {
    public static final int RANGE_BITS = 20;

    public TaskQueueLease {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        if (rangeId < 1) {
            throw new IllegalArgumentException("rangeId must be >= 1, got " + rangeId);
        }
    }

    /** First task id of this lease's block. */
    public long firstTaskId() {
        return rangeId << RANGE_BITS;
    }

    /** First task id past this lease's block (exclusive end). */
    public long endTaskId() {
        return (rangeId + 1) << RANGE_BITS;
    }
}
