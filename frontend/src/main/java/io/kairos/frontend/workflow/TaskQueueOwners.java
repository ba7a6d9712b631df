package io.kairos.frontend.workflow;

import io.kairos.common.ids.NamespaceId;
import io.temporal.api.enums.v1.TaskQueueType;

/** Which matching host owns a task queue, by the membership's placement: what ListTaskQueuePartitions reports. */
@FunctionalInterface
public interface TaskQueueOwners {
    /** The owner's address as operators see it; empty when no matching host is live. */
    String ownerOf(NamespaceId namespace, String taskQueue, TaskQueueType type);
}
