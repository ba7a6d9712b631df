package io.kairos.membership;

import io.kairos.common.config.ServiceRole;
import io.temporal.api.enums.v1.TaskQueueType;

import java.util.List;
import java.util.function.Supplier;

/**
 * Which live matching host owns a task queue: {@link Rendezvous#owner} over the matching members, keyed by namespace
 * id, queue name and task type (a queue's workflow and activity halves may live on different hosts). Sticky queues
 * are queues like any other.
 */
public final class QueueOwnership {
    private final Supplier<List<String>> members;

    public QueueOwnership(Supplier<List<String>> members) {
        this.members = members;
    }

    public static QueueOwnership of(Membership membership) {
        return new QueueOwnership(() -> membership.view().addresses(ServiceRole.MATCHING));
    }

    /** The owner's address, or null when no matching host is live. */
    public String ownerOf(String namespaceId, String queueName, TaskQueueType type) {
        return Rendezvous.owner(members.get(), key(namespaceId, queueName, type));
    }

    static String key(String namespaceId, String queueName, TaskQueueType type) {
        return namespaceId + "/" + type.getNumber() + "/" + queueName;
    }
}
