package io.kairos.matching;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.proto.matching.v1.DescribeMatchingHostRequest;
import io.kairos.proto.matching.v1.DescribeTaskQueueRequest;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.kairos.matching.MatchingHarness.addWorkflow;
import static io.kairos.matching.MatchingHarness.config;
import static io.kairos.matching.MatchingHarness.pollActivity;
import static io.kairos.matching.MatchingHarness.pollWorkflow;
import static io.kairos.matching.MatchingHarness.queue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DescribeTaskQueueTest {
    private final MatchingHarness h = new MatchingHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private static DescribeTaskQueueRequest describe(String queue, TaskQueueType type, boolean status) {
        return DescribeTaskQueueRequest.newBuilder()
                .setNamespaceId(MatchingHarness.NS.toString())
                .setRequest(io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest.newBuilder()
                        .setNamespace("default").setTaskQueue(queue(queue)).setTaskQueueType(type)
                        .setIncludeTaskQueueStatus(status))
                .build();
    }

    private static List<String> identities(DescribeTaskQueueResponse r) {
        return r.getPollersList().stream().map(PollerInfo::getIdentity).toList();
    }

    @Test
    void pollersOfThisHostAreListedPerTaskType() {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(100)));
        long before = System.currentTimeMillis();
        node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "worker-1@host"));
        node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "worker-2@host"));
        node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "worker-1@host"));
        node.blocking().pollActivityTaskQueue(pollActivity("orders", "activity-worker"));

        DescribeTaskQueueResponse wf = node.blocking().describeTaskQueue(
                describe("orders", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, false));
        assertEquals(List.of("worker-1@host", "worker-2@host"), identities(wf), "most recent first, one entry each");
        PollerInfo p = wf.getPollers(0);
        assertEquals(100_000, p.getRatePerSecond());
        long lastAccess = Timestamps.toMillis(p.getLastAccessTime());
        assertTrue(lastAccess >= before && lastAccess <= System.currentTimeMillis(), "last access " + lastAccess);
        assertTrue(!wf.hasTaskQueueStatus());

        assertEquals(List.of("worker-1@host", "worker-2@host"), identities(node.blocking().describeTaskQueue(
                describe("orders", TaskQueueType.TASK_QUEUE_TYPE_UNSPECIFIED, false))), "unspecified means workflow");
        assertEquals(List.of("activity-worker"), identities(node.blocking().describeTaskQueue(
                describe("orders", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, false))));
        assertEquals(List.of(), identities(node.blocking().describeTaskQueue(
                describe("other", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, false))));
    }

    @Test
    void statusCarriesTheBacklogCount() {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(100)));
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-1"));
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-2"));
        DescribeTaskQueueResponse r = node.blocking().describeTaskQueue(
                describe("orders", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, true));
        assertEquals(2, r.getTaskQueueStatus().getBacklogCountHint());
        assertEquals(1L << 20, r.getTaskQueueStatus().getTaskIdBlock().getStartId());
        assertEquals(1, node.blocking().describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance())
                .getLoadedTaskQueues());
    }

    @Test
    void anEmptyTaskQueueNameIsInvalid() {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(100)));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> node.blocking().describeTaskQueue(
                describe("", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, false)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }
}
