package io.kairos.membership.routing;

import io.kairos.membership.MembershipView;
import io.kairos.membership.QueueOwnership;
import io.kairos.proto.matching.v1.DescribeTaskQueueRequest;
import io.kairos.proto.matching.v1.DispatchNexusTaskRequest;
import io.kairos.proto.matching.v1.PollNexusTaskQueueRequest;
import io.kairos.proto.matching.v1.RespondNexusTaskRequest;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Nexus calls go to the owner of the queue's Nexus half, so an answer reaches the host holding its task. */
class MatchingRoutesTest {
    private static final List<String> HOSTS = List.of("m1:7235", "m2:7235", "m3:7235", "m4:7235", "m5:7235");
    private final QueueOwnership ownership = new QueueOwnership(() -> HOSTS);
    private final MatchingRoutes routes = new MatchingRoutes(() -> MembershipView.EMPTY, ownership);

    @Test
    void dispatchPollAndAnswerOfANexusTaskGoToTheNexusQueuesOwner() {
        for (int i = 0; i < 20; i++) {
            String ns = UUID.randomUUID().toString();
            String queue = "queue-" + i;
            String owner = ownership.ownerOf(ns, queue, TaskQueueType.TASK_QUEUE_TYPE_NEXUS);
            TaskQueue tq = TaskQueue.newBuilder().setName(queue).build();
            assertEquals(owner, routes.route(DispatchNexusTaskRequest.newBuilder().setNamespaceId(ns).setTaskQueue(tq)
                    .build()));
            assertEquals(owner, routes.route(PollNexusTaskQueueRequest.newBuilder().setNamespaceId(ns)
                    .setRequest(io.temporal.api.workflowservice.v1.PollNexusTaskQueueRequest.newBuilder()
                            .setTaskQueue(tq)).build()));
            assertEquals(owner, routes.route(RespondNexusTaskRequest.newBuilder().setNamespaceId(ns)
                    .setTaskQueue(queue).setNexusTaskId("t").build()));
            assertEquals(owner, routes.route(DescribeTaskQueueRequest.newBuilder().setNamespaceId(ns)
                    .setRequest(io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest.newBuilder()
                            .setTaskQueue(tq).setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_NEXUS)).build()));
        }
    }
}
