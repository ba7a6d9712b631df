package io.kairos.persistence.matching;

import io.kairos.common.ids.NamespaceId;
import io.temporal.api.enums.v1.TaskQueueType;

import java.util.Objects;

/**
 * One task queue as matching serves it: namespace, user-visible name and task type (workflow, activity and
 * nexus tasks of the same name are separate queues). The partition is not part of it: Kairos serves only the
 * root partition (0) so far.
 */
public record TaskQueueKey(NamespaceId namespaceId, String name, TaskQueueType type) {
    public TaskQueueKey {
        Objects.requireNonNull(namespaceId, "namespaceId");
        Objects.requireNonNull(type, "type");
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("task queue name is empty");
        }
        if (type == TaskQueueType.TASK_QUEUE_TYPE_UNSPECIFIED || type == TaskQueueType.UNRECOGNIZED) {
            throw new IllegalArgumentException("task queue type must be set, got " + type);
        }
    }

    /** Short form for logs: {@code <namespace id>/<name>/<workflow|activity|nexus>}. */
    @Override
    public String toString() {
        String t = switch (type) {
            case TASK_QUEUE_TYPE_WORKFLOW -> "workflow";
            case TASK_QUEUE_TYPE_ACTIVITY -> "activity";
            default -> type.name();
        };
        return namespaceId + "/" + name + "/" + t;
    }
}
