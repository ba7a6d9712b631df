package io.kairos.matching;

import io.kairos.persistence.matching.TaskQueueKey;

/** The queue was unloaded (lease lost, idle, shutdown) while a call was using it; the engine retries once. */
final class TaskQueueUnloadedException extends RuntimeException {
    TaskQueueUnloadedException(TaskQueueKey key) {
        super("task queue " + key + " was unloaded", null, false, false);
    }
}
