package io.kairos.e2e.engine;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.e2e.ServerProcess;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.DeleteWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowOptions;
import io.temporal.worker.WorkerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** DeleteWorkflowExecution, and retention clean-up with the retention shortened to 2 s for the test. */
class DeleteAndRetentionTest {
    private static ServerProcess server;
    private static WorkerHarness h;
    private static WorkerFactory factory;
    private static WorkflowServiceGrpc.WorkflowServiceBlockingStub raw;
    private static final String QUEUE = "del-" + UUID.randomUUID();

    @BeforeAll
    static void start() {
        int port = ServerProcess.freePort();
        server = ServerProcess.launch("delete-retention", List.of("dev", "--ephemeral", "--port", Integer.toString(port)),
                Map.of("KAIROS_RETENTION_OVERRIDE", "PT2S")).awaitReady();
        h = new WorkerHarness(port);
        factory = WorkerFactory.newInstance(h.client);
        factory.newWorker(QUEUE).registerWorkflowImplementationTypes(VisibilityTest.VisWorkflowImpl.class);
        factory.start();
        raw = h.service.blockingStub();
    }

    @AfterAll
    static void stop() {
        if (factory != null) {
            factory.shutdownNow();
        }
        if (h != null) {
            h.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static long count(String q) {
        return raw.countWorkflowExecutions(CountWorkflowExecutionsRequest.newBuilder().setNamespace("default")
                .setQuery(q).build()).getCount();
    }

    private static void awaitCount(String q, long expected, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (count(q) != expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(expected, count(q), q);
    }

    private static void assertGone(String workflowId, String runId) {
        WorkflowExecution ex = WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId(runId).build();
        StatusRuntimeException d = assertThrows(StatusRuntimeException.class, () -> raw.describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default").setExecution(ex).build()));
        assertEquals(Status.Code.NOT_FOUND, d.getStatus().getCode());
        StatusRuntimeException hist = assertThrows(StatusRuntimeException.class, () -> raw.getWorkflowExecutionHistory(
                GetWorkflowExecutionHistoryRequest.newBuilder().setNamespace("default").setExecution(ex).build()));
        assertEquals(Status.Code.NOT_FOUND, hist.getStatus().getCode());
    }

    @Test
    void deleteRemovesARunningExecutionItsHistoryAndItsRecord() throws Exception {
        String id = "del-running-" + UUID.randomUUID();
        String runId = raw.startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setWorkflowId(id).setWorkflowType(WorkflowType.newBuilder().setName("Nobody"))
                .setTaskQueue(TaskQueue.newBuilder().setName("nobody")).setRequestId(UUID.randomUUID().toString())
                .build()).getRunId();
        awaitCount("WorkflowId = '" + id + "'", 1, 5000);
        raw.deleteWorkflowExecution(DeleteWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build());
        assertGone(id, runId);
        awaitCount("WorkflowId = '" + id + "'", 0, 5000);
        // the id is free again
        raw.startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setWorkflowId(id).setWorkflowType(WorkflowType.newBuilder().setName("Nobody"))
                .setTaskQueue(TaskQueue.newBuilder().setName("nobody")).setRequestId(UUID.randomUUID().toString()).build());
        awaitCount("WorkflowId = '" + id + "' AND ExecutionStatus = 'Running'", 1, 5000);
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> raw.deleteWorkflowExecution(
                DeleteWorkflowExecutionRequest.newBuilder().setNamespace("default").setWorkflowExecution(
                        WorkflowExecution.newBuilder().setWorkflowId("never-" + UUID.randomUUID())).build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
    }

    @Test
    void closedExecutionsAreDeletedOnceRetentionHasPassed() throws Exception {
        String id = "retained-" + UUID.randomUUID();
        var stub = h.client.newWorkflowStub(VisibilityTest.VisWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
        assertEquals("complete", stub.run("complete"));
        String runId = io.temporal.client.WorkflowStub.fromTyped(stub).getExecution().getRunId();
        long closedAt = System.currentTimeMillis();
        awaitCount("WorkflowId = '" + id + "' AND ExecutionStatus = 'Completed'", 1, 1000);
        awaitCount("WorkflowId = '" + id + "'", 0, 10_000);
        assertEquals(true, System.currentTimeMillis() - closedAt >= 1500, "deleted before the retention passed");
        assertGone(id, runId);
    }
}
