package io.kairos.e2e.nexus;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Durations;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kairos.e2e.Clients;
import io.kairos.e2e.ExternalPostgres;
import io.kairos.e2e.ProductionConfig;
import io.kairos.e2e.ServerProcess;
import io.kairos.proto.matching.v1.DispatchNexusTaskRequest;
import io.kairos.proto.matching.v1.DispatchNexusTaskResponse;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;
import io.nexusrpc.Operation;
import io.nexusrpc.Service;
import io.nexusrpc.handler.HandlerException;
import io.nexusrpc.handler.OperationHandler;
import io.nexusrpc.handler.OperationImpl;
import io.nexusrpc.handler.ServiceImpl;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.DescribeTaskQueueMode;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.errordetails.v1.NotFoundFailure;
import io.temporal.api.nexus.v1.Request;
import io.temporal.api.nexus.v1.StartOperationRequest;
import io.temporal.api.nexus.v1.StartOperationResponse;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollNexusTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollNexusTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RespondNexusTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondNexusTaskFailedRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.kairos.e2e.Clients.assertStatus;
import static io.kairos.e2e.Clients.detail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Nexus request reaching an SDK worker: a Java SDK worker with a registered Nexus service polls the frontend
 * (PollNexusTaskQueue) while the test plays history's part on matching's internal port (production mode exposes it),
 * dispatching start-operation requests as history's outbound queue does, and reads back the worker's answer from
 * RespondNexusTaskCompleted / RespondNexusTaskFailed.
 */
class NexusTaskDispatchTest {
    private static final String QUEUE = "nexus-e2e";
    private static final String WORKER_IDENTITY = "nexus-e2e-worker";

    @TempDir
    static Path dir;
    private static EmbeddedPostgres postgres;
    private static ServerProcess server;
    private static Clients clients;
    private static ManagedChannel matchingChannel;
    private static MatchingServiceGrpc.MatchingServiceBlockingStub matching;
    private static WorkflowServiceGrpc.WorkflowServiceBlockingStub frontend;
    private static WorkerFactory factory;
    private static String namespaceId;

    @Service
    public interface Greeting {
        @Operation
        String hello(String name);

        @Operation
        String refuse(String name);

        /** Answers with the request-timeout the worker was given. */
        @Operation
        String timeout(String ignored);
    }

    @ServiceImpl(service = Greeting.class)
    public static class GreetingImpl {
        @OperationImpl
        public OperationHandler<String, String> hello() {
            return OperationHandler.sync((ctx, details, name) -> "Hello, " + name + "!");
        }

        @OperationImpl
        public OperationHandler<String, String> refuse() {
            return OperationHandler.sync((ctx, details, name) -> {
                throw new HandlerException(HandlerException.ErrorType.BAD_REQUEST, "no greeting for " + name);
            });
        }

        @OperationImpl
        public OperationHandler<String, String> timeout() {
            return OperationHandler.sync((ctx, details, ignored) ->
                    ctx.getHeaders().get("request-timeout") + "|" + (ctx.getDeadline() != null));
        }
    }

    @BeforeAll
    static void start() throws Exception {
        postgres = ExternalPostgres.start(40);
        int frontendPort = ServerProcess.freePort();
        int matchingPort = ServerProcess.freePort();
        Path config = dir.resolve("nexus.yaml");
        String yaml = ProductionConfig.yaml(postgres.getPort(), true, 2, frontendPort, 0, 0)
                .replace("matching: { bindAddress: 127.0.0.1, port: 0 }",
                        "matching: { bindAddress: 127.0.0.1, port: " + matchingPort + " }");
        assertTrue(yaml.contains("port: " + matchingPort), "the matching port is configured");
        Files.writeString(config, yaml + """
                namespaces:
                  - name: default
                """);
        server = ServerProcess.launch("nexus-dispatch", List.of("start", "--config", config.toString()),
                Map.of("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")).awaitReady();
        clients = new Clients(frontendPort);
        frontend = clients.workflow.blockingStub();
        namespaceId = frontend.describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace("default").build())
                .getNamespaceInfo().getId();
        matchingChannel = NettyChannelBuilder.forAddress("127.0.0.1", matchingPort).usePlaintext().build();
        matching = MatchingServiceGrpc.newBlockingStub(matchingChannel);

        WorkflowClient client = WorkflowClient.newInstance(clients.workflow,
                WorkflowClientOptions.newBuilder().setNamespace("default").setIdentity(WORKER_IDENTITY).build());
        factory = WorkerFactory.newInstance(client);
        Worker worker = factory.newWorker(QUEUE, WorkerOptions.newBuilder().build());
        worker.registerNexusServiceImplementation(new GreetingImpl());
        factory.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (factory != null) {
            factory.shutdownNow();
            factory.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (matchingChannel != null) {
            matchingChannel.shutdownNow();
        }
        if (clients != null) {
            clients.close();
        }
        if (server != null) {
            server.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private static Payload json(String text) {
        return Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                .setData(ByteString.copyFromUtf8("\"" + text + "\"")).build();
    }

    private static DispatchNexusTaskRequest start(String queue, String operation, String input, boolean failures,
                                                  Duration timeout) {
        Request.Builder r = Request.newBuilder().setStartOperation(StartOperationRequest.newBuilder()
                .setService("Greeting").setOperation(operation).setRequestId(java.util.UUID.randomUUID().toString())
                .setPayload(json(input)));
        if (failures) {
            r.setCapabilities(Request.Capabilities.newBuilder().setTemporalFailureResponses(true));
        }
        return DispatchNexusTaskRequest.newBuilder().setNamespaceId(namespaceId)
                .setTaskQueue(TaskQueue.newBuilder().setName(queue)).setRequest(r)
                .setTimeout(Durations.fromMillis(timeout.toMillis())).build();
    }

    private static DispatchNexusTaskResponse dispatch(DispatchNexusTaskRequest request) {
        return matching.withDeadlineAfter(30, TimeUnit.SECONDS).dispatchNexusTask(request);
    }

    private static String syncResult(DispatchNexusTaskResponse r) {
        assertTrue(r.hasResponse(), () -> "a response, not " + r);
        StartOperationResponse start = r.getResponse().getStartOperation();
        assertTrue(start.hasSyncSuccess(), () -> "a sync result, not " + start);
        return start.getSyncSuccess().getPayload().getData().toString(StandardCharsets.UTF_8);
    }

    @Test
    void aSyncOperationsResultComesBackFromTheWorker() {
        assertEquals("\"Hello, World!\"", syncResult(dispatch(start(QUEUE, "hello", "World", false,
                Duration.ofSeconds(20)))));
    }

    @Test
    void theWorkerIsGivenTheTimeLeftAsItsRequestTimeout() {
        String[] seen = syncResult(dispatch(start(QUEUE, "timeout", "", false, Duration.ofSeconds(20))))
                .replace("\"", "").split("\\|");
        assertTrue(seen[0].matches("1?[0-9](\\.[0-9]+)?s"), "Go duration text under 20s: " + seen[0]);
        assertEquals("true", seen[1], "the SDK parsed it into the operation's deadline");
    }

    @Test
    void aHandlerErrorComesBackInBothFormats() {
        DispatchNexusTaskResponse old = dispatch(start(QUEUE, "refuse", "Bob", false, Duration.ofSeconds(20)));
        assertTrue(old.hasHandlerError(), () -> "a handler error, not " + old);
        assertEquals("BAD_REQUEST", old.getHandlerError().getErrorType());
        assertTrue(old.getHandlerError().getFailure().getMessage().contains("no greeting for Bob"),
                old.getHandlerError().getFailure().getMessage());

        DispatchNexusTaskResponse failure = dispatch(start(QUEUE, "refuse", "Bob", true, Duration.ofSeconds(20)));
        assertTrue(failure.hasFailure(), () -> "a Temporal failure, not " + failure);
        assertEquals("BAD_REQUEST", failure.getFailure().getNexusHandlerFailureInfo().getType());
        assertTrue(failure.getFailure().getMessage().contains("no greeting for Bob"), failure.getFailure().getMessage());
    }

    @Test
    void aQueueNobodyPollsAnswersDeadlineExceeded() {
        long start = System.nanoTime();
        assertStatus(Status.Code.DEADLINE_EXCEEDED,
                () -> dispatch(start("nexus-nobody", "hello", "World", false, Duration.ofSeconds(1))));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs >= 900 && tookMs < 10_000, "took " + tookMs + " ms");
    }

    @Test
    void theNexusPollerIsDescribed() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            var described = frontend.describeTaskQueue(DescribeTaskQueueRequest.newBuilder().setNamespace("default")
                    .setTaskQueue(TaskQueue.newBuilder().setName(QUEUE))
                    .setApiMode(DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED).setReportPollers(true).build());
            var nexus = described.getVersionsInfoOrThrow("").getTypesInfoOrThrow(TaskQueueType.TASK_QUEUE_TYPE_NEXUS_VALUE);
            if (nexus.getPollersList().stream().anyMatch(p -> p.getIdentity().equals(WORKER_IDENTITY))) {
                var legacy = frontend.describeTaskQueue(DescribeTaskQueueRequest.newBuilder().setNamespace("default")
                        .setTaskQueue(TaskQueue.newBuilder().setName(QUEUE))
                        .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_NEXUS).build());
                assertTrue(legacy.getPollersList().stream().anyMatch(p -> p.getIdentity().equals(WORKER_IDENTITY)));
                return;
            }
            assertTrue(System.nanoTime() < deadline, "no Nexus poller described: " + described);
        }
    }

    /** The frontend RPCs by hand, as a worker without the SDK would call them: answer once, then NOT_FOUND. */
    @Test
    void aTaskIsAnsweredOnceThroughTheFrontend() throws Exception {
        String queue = "nexus-manual";
        var pending = MatchingServiceGrpc.newFutureStub(matchingChannel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .dispatchNexusTask(start(queue, "hello", "Ann", false, Duration.ofSeconds(20)));
        PollNexusTaskQueueResponse task = frontend.withDeadlineAfter(70, TimeUnit.SECONDS).pollNexusTaskQueue(
                PollNexusTaskQueueRequest.newBuilder().setNamespace("default").setIdentity("by-hand")
                        .setTaskQueue(TaskQueue.newBuilder().setName(queue)).build());
        assertEquals("hello", task.getRequest().getStartOperation().getOperation());
        assertTrue(task.getRequest().containsHeader("request-timeout"));

        assertStatus(Status.Code.INVALID_ARGUMENT, "request must contain error or failure",
                () -> frontend.respondNexusTaskFailed(RespondNexusTaskFailedRequest.newBuilder().setNamespace("default")
                        .setTaskToken(task.getTaskToken()).build()));
        var response = io.temporal.api.nexus.v1.Response.newBuilder().setStartOperation(StartOperationResponse
                .newBuilder().setSyncSuccess(StartOperationResponse.Sync.newBuilder().setPayload(json("by hand"))))
                .build();
        frontend.respondNexusTaskCompleted(RespondNexusTaskCompletedRequest.newBuilder().setNamespace("default")
                .setIdentity("by-hand").setTaskToken(task.getTaskToken()).setResponse(response).build());
        assertEquals(response, pending.get(10, TimeUnit.SECONDS).getResponse());

        var late = assertStatus(Status.Code.NOT_FOUND, "Nexus task not found or already expired",
                () -> frontend.respondNexusTaskCompleted(RespondNexusTaskCompletedRequest.newBuilder()
                        .setNamespace("default").setTaskToken(task.getTaskToken()).setResponse(response).build()));
        detail(late, NotFoundFailure.class);
    }

    @Test
    void badFrontendRequestsAreInvalidArguments() {
        assertStatus(Status.Code.INVALID_ARGUMENT, "Error deserializing task token",
                () -> frontend.respondNexusTaskCompleted(RespondNexusTaskCompletedRequest.newBuilder()
                        .setNamespace("default").setTaskToken(ByteString.copyFromUtf8("garbage")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "missing opration token in response",
                () -> frontend.respondNexusTaskCompleted(RespondNexusTaskCompletedRequest.newBuilder()
                        .setNamespace("default").setTaskToken(ByteString.copyFromUtf8("garbage"))
                        .setResponse(io.temporal.api.nexus.v1.Response.newBuilder().setStartOperation(
                                StartOperationResponse.newBuilder().setAsyncSuccess(
                                        StartOperationResponse.Async.getDefaultInstance()))).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "TaskQueue is not set on request.",
                () -> frontend.pollNexusTaskQueue(PollNexusTaskQueueRequest.newBuilder().setNamespace("default")
                        .build()));
        assertStatus(Status.Code.NOT_FOUND, () -> frontend.pollNexusTaskQueue(PollNexusTaskQueueRequest.newBuilder()
                .setNamespace("no-such-namespace").setTaskQueue(TaskQueue.newBuilder().setName(QUEUE)).build()));
    }
}
