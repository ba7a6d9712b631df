package io.kairos.membership.routing;

import io.kairos.common.config.ServiceRole;
import io.kairos.membership.MembershipView;
import io.kairos.membership.QueueOwnership;
import io.kairos.proto.matching.v1.*;
import io.temporal.api.enums.v1.TaskQueueType;

import java.util.List;
import java.util.function.Supplier;

/**
 * Where each internal matching call goes: the owner of the task queue it names ({@link QueueOwnership}). A request
 * naming no queue goes to any live matching host.
 */
public final class MatchingRoutes implements RoutingChannel.Router {
    private final Supplier<MembershipView> views;
    private final QueueOwnership queues;

    public MatchingRoutes(Supplier<MembershipView> views, QueueOwnership queues) {
        this.views = views;
        this.queues = queues;
    }

    @Override
    public String route(Object request) {
        String owner = switch (request) {
            case AddWorkflowTaskRequest r -> workflow(r.getNamespaceId(), r.getTaskQueue().getName());
            case AddActivityTaskRequest r -> queues.ownerOf(r.getNamespaceId(), r.getTaskQueue().getName(),
                    TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
            case PollWorkflowTaskQueueRequest r -> workflow(r.getNamespaceId(), r.getPollRequest().getTaskQueue().getName());
            case PollActivityTaskQueueRequest r -> queues.ownerOf(r.getNamespaceId(),
                    r.getPollRequest().getTaskQueue().getName(), TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
            case DescribeTaskQueueRequest r -> queues.ownerOf(r.getNamespaceId(), r.getRequest().getTaskQueue().getName(),
                    switch (r.getRequest().getTaskQueueType()) {
                        case TASK_QUEUE_TYPE_ACTIVITY, TASK_QUEUE_TYPE_NEXUS -> r.getRequest().getTaskQueueType();
                        default -> TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW;
                    });
            case ShutdownStickyQueueRequest r -> workflow(r.getNamespaceId(), r.getStickyTaskQueue());
            // the owner of the configured type's queue applies it; UNSPECIFIED is only stored
            case UpdateTaskQueueConfigRequest r -> r.getRequest().getTaskQueueType() == TaskQueueType.UNRECOGNIZED
                    || r.getRequest().getTaskQueueType() == TaskQueueType.TASK_QUEUE_TYPE_UNSPECIFIED
                    ? workflow(r.getNamespaceId(), r.getRequest().getTaskQueue())
                    : queues.ownerOf(r.getNamespaceId(), r.getRequest().getTaskQueue(), r.getRequest().getTaskQueueType());
            case QueryWorkflowRequest r -> workflow(r.getNamespaceId(), r.getTaskQueue().getName());
            case RespondQueryTaskCompletedRequest r -> workflow(r.getNamespaceId(), r.getTaskQueue());
            // a Nexus task lives in the memory of its queue's owner: the answer must reach the same host
            case DispatchNexusTaskRequest r -> nexus(r.getNamespaceId(), r.getTaskQueue().getName());
            case PollNexusTaskQueueRequest r -> nexus(r.getNamespaceId(), r.getRequest().getTaskQueue().getName());
            case RespondNexusTaskRequest r -> nexus(r.getNamespaceId(), r.getTaskQueue());
            default -> null;
        };
        if (owner != null) {
            return owner;
        }
        List<String> hosts = views.get().addresses(ServiceRole.MATCHING);
        return hosts.isEmpty() ? null : hosts.get(0);
    }

    private String nexus(String namespaceId, String queue) {
        return queues.ownerOf(namespaceId, queue, TaskQueueType.TASK_QUEUE_TYPE_NEXUS);
    }

    private String workflow(String namespaceId, String queue) {
        return queues.ownerOf(namespaceId, queue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
    }
}
