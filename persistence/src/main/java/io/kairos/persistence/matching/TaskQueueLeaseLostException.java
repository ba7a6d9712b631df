package io.kairos.persistence.matching;

import io.kairos.persistence.sql.PersistenceException;

/**
 * The queue's range_id moved on: another matching host (or a newer load on this one) acquired it. The holder
 * of the stale lease must unload the queue; nothing it wrote in the failed transaction was committed.
 */
public final class TaskQueueLeaseLostException extends PersistenceException {
    private final transient TaskQueueKey key;
    private final long expectedRangeId;
    private final long actualRangeId;

    public TaskQueueLeaseLostException(TaskQueueKey key, long expectedRangeId, long actualRangeId) {
        super("task queue " + key + " lease lost: range_id is " + actualRangeId + ", this host holds "
                + expectedRangeId, null, null);
        this.key = key;
        this.expectedRangeId = expectedRangeId;
        this.actualRangeId = actualRangeId;
    }

    public TaskQueueKey key() {
        return key;
    }

    public long expectedRangeId() {
        return expectedRangeId;
    }

    /** The range_id found in the database, or -1 when the queue row does not exist. */
    public long actualRangeId() {
        return actualRangeId;
    }
}
