package io.kairos.e2e.nexus;

import io.kairos.e2e.Clients;
import io.kairos.e2e.ServerProcess;
import io.temporal.api.enums.v1.NexusOperationExecutionStatus;
import io.temporal.api.nexus.v1.EndpointSpec;
import io.temporal.api.nexus.v1.EndpointTarget;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest;
import io.temporal.client.NexusClient;
import io.temporal.client.NexusClientOptions;
import io.temporal.client.NexusOperationHandle;
import io.temporal.client.StartNexusOperationOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of the dev server while standalone Nexus operations are pending: after the restart the handler run's
 * completion still reaches the operation (its result by Poll), and a schedule-to-close timer armed before the kill
 * still times the other one out.
 */
class StandaloneNexusDurabilityTest {
    @TempDir
    Path tmp;

    @Test
    void pendingStandaloneOperationsSurviveKillDashNine() throws Exception {
        String handlerQueue = "sano-durable-" + UUID.randomUUID();
        String endpoint = "sano-durable-" + UUID.randomUUID().toString().substring(0, 8);
        int port = ServerProcess.freePort();
        List<String> args = List.of("dev", "--db-dir", tmp.resolve("data").toString(), "--port", Integer.toString(port));
        ServerProcess first = ServerProcess.launch("sano-before-kill", args).awaitReady();
        WorkflowServiceStubs service = WorkflowServiceStubs.newConnectedServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build(), Duration.ofSeconds(30));
        WorkflowClient client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
        NexusClient nexus = NexusClient.newInstance(service, NexusClientOptions.newBuilder().setNamespace("default").build());
        WorkerFactory factory = WorkerFactory.newInstance(client);
        try (Clients clients = new Clients(port)) {
            clients.operator.blockingStub().createNexusEndpoint(CreateNexusEndpointRequest.newBuilder().setSpec(EndpointSpec.newBuilder()
                    .setName(endpoint).setTarget(EndpointTarget.newBuilder().setWorker(EndpointTarget.Worker.newBuilder()
                            .setNamespace("default").setTaskQueue(handlerQueue)))).build());
        }
        try {
            Worker handler = factory.newWorker(handlerQueue);
            handler.registerWorkflowImplementationTypes(NexusTestWorkflows.HandlerWorkflowImpl.class);
            handler.registerNexusServiceImplementation(new NexusTestWorkflows.EchoServiceImpl());
            factory.start();
            var echo = nexus.newNexusServiceClient(NexusTestWorkflows.EchoService.class, endpoint);
            String asyncId = "durable-sano-" + UUID.randomUUID();
            NexusOperationHandle<String> async = echo.start(NexusTestWorkflows.EchoService::run,
                    StartNexusOperationOptions.newBuilder().setId(asyncId).setScheduleToCloseTimeout(Duration.ofMinutes(2)).build(),
                    "block");
            String timeoutId = "durable-sano-timeout-" + UUID.randomUUID();
            NexusOperationHandle<String> timeout = echo.start(NexusTestWorkflows.EchoService::run,
                    StartNexusOperationOptions.newBuilder().setId(timeoutId).setScheduleToCloseTimeout(Duration.ofSeconds(4)).build(),
                    "block");
            String requestId = awaitStarted(async);
            awaitStarted(timeout);
            first.kill9();
            Thread.sleep(4000); // the timeout's deadline passes while the server is down
            try (ServerProcess second = ServerProcess.launch("sano-after-kill", args).awaitReady()) {
                client.newWorkflowStub(NexusTestWorkflows.HandlerWorkflow.class, "handler-" + requestId).unblock();
                assertEquals("done:block", async.getResult(60, TimeUnit.SECONDS));
                Exception e = assertThrows(Exception.class, () -> timeout.getResult(60, TimeUnit.SECONDS));
                boolean timedOut = false;
                for (Throwable t = e; t != null; t = t.getCause()) {
                    timedOut |= t instanceof TimeoutFailure;
                }
                assertTrue(timedOut, e.toString());
                assertEquals(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_COMPLETED, async.describe().getStatus());
                assertEquals(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_TIMED_OUT, timeout.describe().getStatus());
                factory.shutdownNow();
                factory.awaitTermination(10, TimeUnit.SECONDS);
            }
        } finally {
            factory.shutdownNow();
            service.shutdownNow();
            first.close();
        }
    }

    /** Waits for the operation to start; returns its request id (the handler run is "handler-" + it). */
    private static String awaitStarted(NexusOperationHandle<String> h) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            var d = h.describe();
            if (d.getOperationToken() != null && !d.getOperationToken().isEmpty()) {
                return d.getRawInfo().getRequestId();
            }
            assertTrue(System.nanoTime() < deadline, "operation " + h.getNexusOperationId() + " not started");
            Thread.sleep(200);
        }
    }
}
