package io.kairos.persistence.matching;

import io.kairos.proto.persistence.v1.BacklogTaskInfo;

import java.time.Instant;
import java.util.Objects;

/**
 * One row of a queue's backlog.
 *
 * @param expiryTime the schedule-to-start deadline after which the task is dropped unserved, or null for never
 */
public record BacklogTask(long taskId, BacklogTaskInfo info, Instant expiryTime) {
    public BacklogTask {
        Objects.requireNonNull(info, "info");
    }

    public boolean isExpiredAt(Instant now) {
        return expiryTime != null && !now.isBefore(expiryTime);
    }
}
