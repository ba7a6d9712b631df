package io.kairos.e2e.nexus;

import io.kairos.e2e.Clients;
import io.kairos.e2e.ServerProcess;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.PendingNexusOperationState;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.nexus.v1.EndpointSpec;
import io.temporal.api.nexus.v1.EndpointTarget;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.NexusOperationFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of the dev server while Nexus operations are pending: after the restart the handler run's completion
 * callback still reaches the caller, and a schedule-to-close timer armed before the kill still fires.
 */
class NexusDurabilityTest {
    @TempDir
    Path tmp;

    @Test
    void pendingOperationsSurviveKillDashNine() throws Exception {
        String callerQueue = "nexus-durable-caller-" + UUID.randomUUID();
        String handlerQueue = "nexus-durable-handler-" + UUID.randomUUID();
        String endpoint = "durable-" + UUID.randomUUID().toString().substring(0, 8);
        int port = ServerProcess.freePort();
        List<String> args = List.of("dev", "--db-dir", tmp.resolve("data").toString(), "--port", Integer.toString(port));
        ServerProcess first = ServerProcess.launch("nexus-before-kill", args).awaitReady();
        WorkflowServiceStubs service = WorkflowServiceStubs.newConnectedServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build(), Duration.ofSeconds(30));
        WorkflowClient client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
        WorkerFactory factory = WorkerFactory.newInstance(client);
        try (Clients clients = new Clients(port)) {
            clients.operator.blockingStub().createNexusEndpoint(CreateNexusEndpointRequest.newBuilder().setSpec(EndpointSpec.newBuilder()
                    .setName(endpoint).setTarget(EndpointTarget.newBuilder().setWorker(EndpointTarget.Worker.newBuilder()
                            .setNamespace("default").setTaskQueue(handlerQueue)))).build());
        }
        try {
            Worker caller = factory.newWorker(callerQueue);
            caller.registerWorkflowImplementationTypes(NexusTestWorkflows.CallerWorkflowImpl.class);
            Worker handler = factory.newWorker(handlerQueue);
            handler.registerWorkflowImplementationTypes(NexusTestWorkflows.HandlerWorkflowImpl.class);
            handler.registerNexusServiceImplementation(new NexusTestWorkflows.EchoServiceImpl());
            factory.start();
            WorkflowOptions.Builder options = WorkflowOptions.newBuilder().setTaskQueue(callerQueue)
                    .setWorkflowExecutionTimeout(Duration.ofMinutes(2));
            String asyncId = "durable-async-" + UUID.randomUUID();
            WorkflowExecution async = WorkflowClient.start(client.newWorkflowStub(NexusTestWorkflows.CallerWorkflow.class,
                    options.setWorkflowId(asyncId).build())::call, endpoint, "async", "block");
            String timeoutId = "durable-timeout-" + UUID.randomUUID();
            WorkflowExecution timeout = WorkflowClient.start(client.newWorkflowStub(NexusTestWorkflows.CallerWorkflow.class,
                    options.setWorkflowId(timeoutId).build())::call, endpoint, "timeout", "block");
            awaitStarted(service, asyncId);
            awaitStarted(service, timeoutId);
            String handlerId = "handler-" + client.fetchHistory(asyncId).getEvents().stream()
                    .filter(e -> e.getEventType() == EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED).findFirst().orElseThrow()
                    .getNexusOperationScheduledEventAttributes().getRequestId();
            first.kill9();
            Thread.sleep(3000); // the 3 s schedule-to-close deadline passes while the server is down
            try (ServerProcess second = ServerProcess.launch("nexus-after-kill", args).awaitReady()) {
                client.newWorkflowStub(NexusTestWorkflows.HandlerWorkflow.class, handlerId).unblock();
                assertEquals("done:block", client.newUntypedWorkflowStub(async, Optional.empty())
                        .getResult(60, TimeUnit.SECONDS, String.class));
                WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> client
                        .newUntypedWorkflowStub(timeout, Optional.empty()).getResult(60, TimeUnit.SECONDS, String.class));
                NexusOperationFailure nf = assertInstanceOf(NexusOperationFailure.class, e.getCause());
                assertInstanceOf(TimeoutFailure.class, nf.getCause());
                List<EventType> events = client.fetchHistory(asyncId).getEvents().stream().map(HistoryEvent::getEventType)
                        .filter(t -> t.name().contains("NEXUS")).toList();
                assertEquals(List.of(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED,
                        EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED), events);
                factory.shutdownNow();
                factory.awaitTermination(10, TimeUnit.SECONDS);
            }
        } finally {
            factory.shutdownNow();
            service.shutdownNow();
            first.close();
        }
    }

    private static void awaitStarted(WorkflowServiceStubs service, String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            var d = service.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build());
            if (d.getPendingNexusOperationsCount() == 1 && d.getPendingNexusOperations(0).getState()
                    == PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_STARTED) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "operation of " + id + " not started: " + d);
            Thread.sleep(200);
        }
    }
}
