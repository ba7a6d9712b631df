package io.kairos.e2e.nexus;

import io.kairos.e2e.ServerProcess;
import io.temporal.api.enums.v1.NexusOperationExecutionStatus;
import io.temporal.api.enums.v1.NexusOperationIdConflictPolicy;
import io.temporal.api.enums.v1.NexusOperationIdReusePolicy;
import io.temporal.api.enums.v1.NexusOperationWaitStage;
import io.temporal.api.nexus.v1.EndpointSpec;
import io.temporal.api.nexus.v1.EndpointTarget;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.PollNexusOperationExecutionRequest;
import io.temporal.api.workflowservice.v1.PollNexusOperationExecutionResponse;
import io.temporal.api.workflowservice.v1.StartNexusOperationExecutionRequest;
import io.temporal.client.NexusClient;
import io.temporal.client.NexusOperationAlreadyStartedException;
import io.temporal.client.NexusOperationExecutionDescription;
import io.temporal.client.NexusOperationHandle;
import io.temporal.client.NexusServiceClient;
import io.temporal.client.StartNexusOperationOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TerminatedFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Standalone Nexus operations (started by a client, not a workflow) through the Java SDK 1.39 NexusClient: sync and
 * workflow-backed results, Describe, Poll, List and Count, failure, cancel, terminate, timeout, id policies, and their
 * id space apart from workflows'.
 */
class StandaloneNexusOperationsTest {
    private static final String HANDLER_QUEUE = "sano-handler-" + UUID.randomUUID();
    private static final String ENDPOINT = "sano-" + UUID.randomUUID().toString().substring(0, 8);
    private static ServerProcess server;
    private static WorkflowServiceStubs service;
    private static WorkflowClient client;
    private static NexusClient nexus;
    private static WorkerFactory factory;

    @BeforeAll
    static void start() {
        int port = ServerProcess.freePort();
        server = ServerProcess.launch("sano", List.of("dev", "--ephemeral", "--port", Integer.toString(port))).awaitReady();
        service = WorkflowServiceStubs.newConnectedServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build(), Duration.ofSeconds(30));
        client = WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace("default").build());
        nexus = NexusClient.newInstance(service, io.temporal.client.NexusClientOptions.newBuilder().setNamespace("default").build());
        try (var clients = new io.kairos.e2e.Clients(port)) {
            clients.operator.blockingStub().createNexusEndpoint(CreateNexusEndpointRequest.newBuilder().setSpec(EndpointSpec.newBuilder()
                    .setName(ENDPOINT).setTarget(EndpointTarget.newBuilder().setWorker(EndpointTarget.Worker.newBuilder()
                            .setNamespace("default").setTaskQueue(HANDLER_QUEUE)))).build());
        }
        factory = WorkerFactory.newInstance(client);
        Worker handler = factory.newWorker(HANDLER_QUEUE);
        handler.registerWorkflowImplementationTypes(NexusTestWorkflows.HandlerWorkflowImpl.class);
        handler.registerNexusServiceImplementation(new NexusTestWorkflows.EchoServiceImpl());
        factory.start();
    }

    @AfterAll
    static void stop() {
        if (factory != null) {
            factory.shutdownNow();
            factory.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (service != null) {
            service.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
    }

    private static NexusServiceClient<NexusTestWorkflows.EchoService> echo() {
        return nexus.newNexusServiceClient(NexusTestWorkflows.EchoService.class, ENDPOINT);
    }

    private static StartNexusOperationOptions.Builder options(String id) {
        return StartNexusOperationOptions.newBuilder().setId(id).setScheduleToCloseTimeout(Duration.ofMinutes(1));
    }

    private static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    private static <T> T eventually(Supplier<T> probe, java.util.function.Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        T last = probe.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met; last: " + last);
            }
            Thread.sleep(200);
            last = probe.get();
        }
        return last;
    }

    /** The exception's chain down to the first cause of {@code type}. */
    private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + e, e);
    }

    @Test
    void syncOperationResultDescribeAndPoll() {
        String id = id("sync");
        NexusOperationHandle<String> h = echo().start(NexusTestWorkflows.EchoService::echo, options(id).build(), "hi");
        assertEquals(id, h.getNexusOperationId());
        assertEquals("echo:hi", h.getResult());
        NexusOperationExecutionDescription d = h.describe();
        assertEquals(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_COMPLETED, d.getStatus());
        assertEquals(ENDPOINT, d.getEndpoint());
        assertEquals("EchoService", d.getService());
        assertEquals("echo", d.getOperation());
        assertEquals(h.getNexusOperationRunId(), d.getRunId());
        assertNotNull(d.getCloseTime());
        PollNexusOperationExecutionResponse p = service.blockingStub().pollNexusOperationExecution(
                PollNexusOperationExecutionRequest.newBuilder().setNamespace("default").setOperationId(id).build());
        assertEquals(NexusOperationWaitStage.NEXUS_OPERATION_WAIT_STAGE_CLOSED, p.getWaitStage());
        assertEquals("\"echo:hi\"", p.getResult().getData().toStringUtf8());
        // The same id in the workflow id space is free, and workflow lists never show the operation.
        assertEquals(0, service.blockingStub().countWorkflowExecutions(CountWorkflowExecutionsRequest.newBuilder()
                .setNamespace("default").setQuery("WorkflowId = '" + id + "'").build()).getCount());
        assertTrue(service.blockingStub().listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
                .setNamespace("default").build()).getExecutionsList().stream()
                .noneMatch(e -> e.getExecution().getWorkflowId().contains(id)));
        WorkflowClient.start(client.newWorkflowStub(NexusTestWorkflows.HandlerWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(HANDLER_QUEUE).setWorkflowId(id).build())::handle, "same id");
        assertEquals("done:same id", client.newUntypedWorkflowStub(id).getResult(String.class));
    }

    @Test
    void workflowBackedOperationCompletesThroughItsCallback() throws Exception {
        String id = id("async");
        NexusOperationHandle<String> h = echo().start(NexusTestWorkflows.EchoService::run, options(id).build(), "block");
        NexusOperationExecutionDescription started = eventually(h::describe, d -> d.getOperationToken() != null && !d.getOperationToken().isEmpty());
        assertEquals(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_RUNNING, started.getStatus());
        String handlerId = "handler-" + started.getRawInfo().getRequestId();
        assertTrue(started.getRawInfo().getLinksList().stream()
                .anyMatch(l -> l.getWorkflowEvent().getWorkflowId().equals(handlerId)), started.getRawInfo().toString());
        PollNexusOperationExecutionResponse p = service.blockingStub().pollNexusOperationExecution(
                PollNexusOperationExecutionRequest.newBuilder().setNamespace("default").setOperationId(id)
                        .setWaitStage(NexusOperationWaitStage.NEXUS_OPERATION_WAIT_STAGE_STARTED).build());
        assertEquals(NexusOperationWaitStage.NEXUS_OPERATION_WAIT_STAGE_STARTED, p.getWaitStage());
        assertEquals(started.getOperationToken(), p.getOperationToken());
        client.newWorkflowStub(NexusTestWorkflows.HandlerWorkflow.class, handlerId).unblock();
        assertEquals("done:block", h.getResult(30, TimeUnit.SECONDS));
        assertEquals(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_COMPLETED, h.describe().getStatus());
    }

    @Test
    void failedOperation() {
        String id = id("fail");
        NexusOperationHandle<String> h = echo().start(NexusTestWorkflows.EchoService::echo, options(id).build(), "fail");
        Exception e = assertThrows(Exception.class, h::getResult);
        assertEquals("boom", causeOf(e, ApplicationFailure.class).getOriginalMessage());
        assertEquals(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_FAILED, h.describe().getStatus());
    }

    @Test
    void cancelAWorkflowBackedOperation() throws InterruptedException {
        String id = id("cancel");
        NexusOperationHandle<String> h = echo().start(NexusTestWorkflows.EchoService::run, options(id).build(), "block");
        eventually(h::describe, d -> d.getOperationToken() != null && !d.getOperationToken().isEmpty());
        h.cancel("no longer needed");
        Exception e = assertThrows(Exception.class, () -> h.getResult(30, TimeUnit.SECONDS));
        causeOf(e, CanceledFailure.class);
        assertEquals(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_CANCELED, h.describe().getStatus());
        StatusRuntimeException again = assertThrows(StatusRuntimeException.class, () -> service.blockingStub()
                .requestCancelNexusOperationExecution(io.temporal.api.workflowservice.v1.RequestCancelNexusOperationExecutionRequest
                        .newBuilder().setNamespace("default").setOperationId(id).setRequestId("another").build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, again.getStatus().getCode());
    }

    @Test
    void terminate() throws InterruptedException {
        String id = id("terminate");
        NexusOperationHandle<String> h = echo().start(NexusTestWorkflows.EchoService::run, options(id).build(), "block");
        eventually(h::describe, d -> d.getOperationToken() != null && !d.getOperationToken().isEmpty());
        h.terminate("stop it");
        Exception e = assertThrows(Exception.class, () -> h.getResult(30, TimeUnit.SECONDS));
        assertEquals("stop it", causeOf(e, TerminatedFailure.class).getOriginalMessage());
        assertEquals(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_TERMINATED, h.describe().getStatus());
    }

    @Test
    void scheduleToCloseTimeout() {
        String id = id("timeout");
        NexusOperationHandle<String> h = echo().start(NexusTestWorkflows.EchoService::run,
                options(id).setScheduleToCloseTimeout(Duration.ofSeconds(3)).build(), "block");
        Exception e = assertThrows(Exception.class, () -> h.getResult(30, TimeUnit.SECONDS));
        causeOf(e, TimeoutFailure.class);
        assertEquals(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_TIMED_OUT, h.describe().getStatus());
    }

    @Test
    void idConflictAndReusePolicies() throws InterruptedException {
        String id = id("conflict");
        NexusOperationHandle<String> first = echo().start(NexusTestWorkflows.EchoService::run, options(id).build(), "block");
        assertThrows(NexusOperationAlreadyStartedException.class,
                () -> echo().start(NexusTestWorkflows.EchoService::run, options(id).build(), "block"));
        StatusRuntimeException raw = assertThrows(StatusRuntimeException.class, () -> service.blockingStub()
                .startNexusOperationExecution(StartNexusOperationExecutionRequest.newBuilder().setNamespace("default")
                        .setOperationId(id).setEndpoint(ENDPOINT).setService("EchoService").setOperation("run")
                        .setRequestId(UUID.randomUUID().toString()).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, raw.getStatus().getCode());
        assertTrue(raw.getStatus().getDescription().contains("run_id=" + first.getNexusOperationRunId()), raw.getMessage());
        NexusOperationHandle<String> existing = echo().start(NexusTestWorkflows.EchoService::run, options(id)
                .setIdConflictPolicy(NexusOperationIdConflictPolicy.NEXUS_OPERATION_ID_CONFLICT_POLICY_USE_EXISTING).build(), "block");
        assertEquals(first.getNexusOperationRunId(), existing.getNexusOperationRunId());
        first.terminate("done");
        assertThrows(NexusOperationAlreadyStartedException.class, () -> echo().start(NexusTestWorkflows.EchoService::echo,
                options(id).setIdReusePolicy(NexusOperationIdReusePolicy.NEXUS_OPERATION_ID_REUSE_POLICY_REJECT_DUPLICATE).build(), "x"));
        NexusOperationHandle<String> second = echo().start(NexusTestWorkflows.EchoService::echo, options(id).build(), "again");
        assertFalse(second.getNexusOperationRunId().equals(first.getNexusOperationRunId()));
        assertEquals("echo:again", second.getResult());
    }

    @Test
    void listAndCountWithAQuery() throws InterruptedException {
        String id = id("list");
        assertEquals("echo:listed", echo().start(NexusTestWorkflows.EchoService::echo, options(id).build(), "listed").getResult());
        String query = "OperationId = '" + id + "'";
        var listed = eventually(() -> nexus.listNexusOperationExecutions(query).toList(), l -> l.size() == 1).get(0);
        assertEquals(id, listed.getOperationId());
        assertEquals(ENDPOINT, listed.getEndpoint());
        assertEquals("EchoService", listed.getService());
        assertEquals("echo", listed.getOperation());
        assertEquals(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_COMPLETED, listed.getStatus());
        assertEquals(1, nexus.countNexusOperationExecutions(query).getCount());
        assertTrue(nexus.countNexusOperationExecutions(null).getCount() >= 1);
        assertEquals(0, nexus.countNexusOperationExecutions(query + " AND ExecutionStatus = 'Running'").getCount());
        var grouped = nexus.countNexusOperationExecutions("Endpoint = '" + ENDPOINT + "' GROUP BY ExecutionStatus");
        assertFalse(grouped.getGroups().isEmpty());
        assertTrue(nexus.listNexusOperationExecutions("Endpoint = '" + ENDPOINT + "'").anyMatch(m -> m.getOperationId().equals(id)));
    }

    @Test
    void unknownEndpointAndValidation() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> service.blockingStub()
                .startNexusOperationExecution(StartNexusOperationExecutionRequest.newBuilder().setNamespace("default")
                        .setOperationId(id("x")).setEndpoint("no-such-endpoint").setService("s").setOperation("o").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        StatusRuntimeException noService = assertThrows(StatusRuntimeException.class, () -> service.blockingStub()
                .startNexusOperationExecution(StartNexusOperationExecutionRequest.newBuilder().setNamespace("default")
                        .setOperationId(id("x")).setEndpoint(ENDPOINT).setOperation("o").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, noService.getStatus().getCode());
        assertEquals("service is required", noService.getStatus().getDescription());
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> service.blockingStub()
                .describeNexusOperationExecution(io.temporal.api.workflowservice.v1.DescribeNexusOperationExecutionRequest
                        .newBuilder().setNamespace("default").setOperationId(id("missing")).build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
    }
}
