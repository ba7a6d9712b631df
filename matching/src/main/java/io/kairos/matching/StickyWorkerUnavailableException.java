package io.kairos.matching;

import io.kairos.persistence.matching.TaskQueueKey;

/** A sticky queue whose worker has not polled recently: history moves the task back to the normal queue. */
final class StickyWorkerUnavailableException extends RuntimeException {
    StickyWorkerUnavailableException(TaskQueueKey key) {
        super("sticky worker unavailable, please use original task queue (" + key.name() + " has no recent poller)",
                null, false, false);
    }
}
