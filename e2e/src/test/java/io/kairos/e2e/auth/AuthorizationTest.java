package io.kairos.e2e.auth;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.InternalMetadata;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kairos.e2e.ExternalPostgres;
import io.kairos.e2e.ServerProcess;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.ListNamespacesRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.authorization.AuthorizationGrpcMetadataProvider;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * JWT authorization through the official Java SDK against the production-mode server: a local JWKS endpoint (as
 * Keycloak's certs URL), tokens signed here, `authorization:` in the config. One server process for the class.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AuthorizationTest {
    private static final String AUDIENCE = "temporal";
    private static final Jwks.Key RSA = Jwks.rsa("rsa-main");
    private static final Jwks.Key EC = Jwks.ec("ec-main");
    /** Not published: signs tokens with a key id the server knows, or does not. */
    private static final Jwks.Key IMPOSTOR = new Jwks.Key("rsa-main", "RS256", Jwks.rsa("x").pair());

    private static EmbeddedPostgres postgres;
    private static Jwks jwks;
    private static ServerProcess server;
    private static int port;
    private static int metricsPort;
    /** Every token this test made, to check that none reaches the server log. */
    private static final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private static final List<AutoCloseable> closing = new ArrayList<>();

    @TempDir
    static Path tmp;

    @WorkflowInterface
    public interface Greeting {
        @WorkflowMethod(name = "AuthGreeting")
        String greet(String name);
    }

    @ActivityInterface
    public interface Shout {
        String shout(String s);
    }

    public static class GreetingImpl implements Greeting {
        @Override
        public String greet(String name) {
            Shout shout = Workflow.newActivityStub(Shout.class,
                    ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10)).build());
            return "hello " + shout.shout(name);
        }
    }

    public static class ShoutImpl implements Shout {
        @Override
        public String shout(String s) {
            return s.toUpperCase();
        }
    }

    @BeforeAll
    static void startServer() throws Exception {
        postgres = ExternalPostgres.start(60);
        jwks = new Jwks();
        jwks.publish(List.of(RSA, EC));
        // Debug level: the refusal reasons are logged, and the log must still hold no token.
        AuthServer started = AuthServer.start("auth", tmp, postgres.getPort(), jwks.uri(), AUDIENCE, "debug");
        server = started.process;
        port = started.port;
        metricsPort = started.metricsPort;
    }

    @AfterAll
    static void stopServer() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        try {
            if (server != null) {
                String log = server.stderr();
                for (String t : tokens) {
                    String signature = t.substring(t.lastIndexOf('.') + 1);
                    assertFalse(signature.length() > 20 && log.contains(signature), "a token reached the server log");
                }
                assertFalse(log.contains(TokenFuzz.MARKER), "a refused header reached the server log");
                server.close();
            }
        } finally {
            if (jwks != null) {
                jwks.close();
            }
            if (postgres != null) {
                postgres.close();
            }
        }
    }

    private static String token(Jwks.Key key, String claims) {
        String t = key.token(claims);
        tokens.add(t);
        return t;
    }

    private static String token(String... permissions) {
        return token(RSA, Jwks.claims("user-" + String.join("+", permissions), 600, AUDIENCE, permissions));
    }

    /** SDK stubs sending "Bearer <token>" on every call, as a worker configured with a token does; null sends none. */
    private static WorkflowServiceStubs stubs(String token) {
        WorkflowServiceStubsOptions.Builder b = WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port);
        if (token != null) {
            b.addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(() -> "Bearer " + token));
        }
        WorkflowServiceStubs s = WorkflowServiceStubs.newServiceStubs(b.build());
        closing.add(s::shutdownNow);
        return s;
    }

    private static OperatorServiceStubs operator(String token) {
        OperatorServiceStubs s = OperatorServiceStubs.newServiceStubs(OperatorServiceStubsOptions.newBuilder()
                .setTarget("127.0.0.1:" + port)
                .addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(() -> "Bearer " + token))
                .validateAndBuildWithDefaults());
        closing.add(s::shutdownNow);
        return s;
    }

    private static WorkflowServiceGrpc.WorkflowServiceBlockingStub api(String token) {
        return stubs(token).blockingStub();
    }

    private static WorkflowClient client(WorkflowServiceStubs stubs, String namespace) {
        return WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    }

    /** Temporal's answer to every refusal: PERMISSION_DENIED "Request unauthorized.", wherever the SDK wraps it. */
    static void unauthorized(Executable call) {
        Throwable t = assertThrows(Throwable.class, call);
        Throwable c = t;
        while (c != null && !(c instanceof StatusRuntimeException)) {
            c = c.getCause();
        }
        if (!(c instanceof StatusRuntimeException sre)) {
            throw new AssertionError("expected PERMISSION_DENIED, got " + t, t);
        }
        assertEquals(Status.Code.PERMISSION_DENIED, sre.getStatus().getCode(), sre.getStatus().toString());
        assertEquals("Request unauthorized.", sre.getStatus().getDescription());
    }

    private static DescribeNamespaceRequest describe(String ns) {
        return DescribeNamespaceRequest.newBuilder().setNamespace(ns).build();
    }

    private static String startGreeting(WorkflowClient client, String taskQueue) {
        Greeting g = client.newWorkflowStub(Greeting.class, WorkflowOptions.newBuilder().setTaskQueue(taskQueue)
                .setWorkflowId("greet-" + UUID.randomUUID()).setWorkflowExecutionTimeout(Duration.ofMinutes(1)).build());
        return WorkflowClient.start(g::greet, "kairos").getWorkflowId();
    }

    @Test
    void aWorkerRunsWorkflowsInItsNamespaceAndIsDeniedElsewhere() throws Exception {
        // The worker holds ns1:worker only; a separate client with ns1:write starts the workflows.
        String workerToken = token("ns1:worker");
        WorkflowServiceStubs stubs = stubs(workerToken);
        WorkflowClient ns1 = client(stubs, "ns1");
        String queue = "auth-" + UUID.randomUUID();
        WorkerFactory factory = WorkerFactory.newInstance(ns1);
        closing.add(factory::shutdownNow);
        Worker worker = factory.newWorker(queue);
        worker.registerWorkflowImplementationTypes(GreetingImpl.class);
        worker.registerActivitiesImplementations(new ShoutImpl());
        factory.start();
        WorkflowClient starter = client(stubs(token("ns1:write")), "ns1");
        String id = startGreeting(starter, queue);
        assertEquals("hello KAIROS", starter.newUntypedWorkflowStub(id).getResult(30, TimeUnit.SECONDS, String.class));

        // The worker role runs workers and does nothing else: no starts, signals or reads beyond what workers need.
        unauthorized(() -> startGreeting(ns1, queue));
        unauthorized(() -> ns1.newUntypedWorkflowStub(id).signal("poke"));
        unauthorized(() -> stubs.blockingStub().listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
                .setNamespace("ns1").build()));
        assertEquals("ns1", stubs.blockingStub().describeNamespace(describe("ns1")).getNamespaceInfo().getName());

        WorkflowClient ns2 = client(stubs, "ns2");
        unauthorized(() -> startGreeting(ns2, queue));
        unauthorized(() -> stubs.blockingStub().pollWorkflowTaskQueue(PollWorkflowTaskQueueRequest.newBuilder()
                .setNamespace("ns2").setTaskQueue(TaskQueue.newBuilder().setName(queue)).build()));
        unauthorized(() -> stubs.blockingStub().describeNamespace(describe("ns2")));
        // A writer runs workers too, as in Temporal.
        WorkflowClient writerNs1 = client(stubs(token("ns1:write")), "ns1");
        WorkerFactory writerFactory = WorkerFactory.newInstance(writerNs1);
        closing.add(writerFactory::shutdownNow);
        String queue2 = "auth-writer-" + UUID.randomUUID();
        Worker w2 = writerFactory.newWorker(queue2);
        w2.registerWorkflowImplementationTypes(GreetingImpl.class);
        w2.registerActivitiesImplementations(new ShoutImpl());
        writerFactory.start();
        String id2 = startGreeting(writerNs1, queue2);
        assertEquals("hello KAIROS", writerNs1.newUntypedWorkflowStub(id2).getResult(30, TimeUnit.SECONDS, String.class));
    }

    @Test
    void aReaderListsAndDescribesButCannotStartOrSignal() {
        String queue = "auth-reader-" + UUID.randomUUID();
        WorkflowClient writer = client(stubs(token("ns1:write")), "ns1");
        String id = startGreeting(writer, queue);

        String readerToken = token("ns1:read");
        WorkflowServiceStubs readerStubs = stubs(readerToken);
        var reader = readerStubs.blockingStub();
        assertEquals("ns1", reader.describeNamespace(describe("ns1")).getNamespaceInfo().getName());
        assertEquals(id, reader.describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder().setNamespace("ns1")
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build())
                .getWorkflowExecutionInfo().getExecution().getWorkflowId());
        reader.listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder().setNamespace("ns1").build());
        assertTrue(operator(readerToken).blockingStub().listSearchAttributes(ListSearchAttributesRequest.newBuilder()
                .setNamespace("ns1").build()).getSystemAttributesCount() > 0);

        WorkflowClient readerClient = client(readerStubs, "ns1");
        unauthorized(() -> startGreeting(readerClient, queue));
        unauthorized(() -> readerClient.newUntypedWorkflowStub(id).signal("poke"));
        unauthorized(() -> reader.signalWorkflowExecution(SignalWorkflowExecutionRequest.newBuilder().setNamespace("ns1")
                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).setSignalName("poke").build()));
        unauthorized(() -> reader.describeNamespace(describe("ns2")));
        // Listing namespaces is a cluster API (system role); without one a caller sees just its own namespaces, as
        // the Web UI's namespace picker needs. A token with no role at all is refused.
        assertEquals(List.of("ns1"), reader.listNamespaces(ListNamespacesRequest.getDefaultInstance()).getNamespacesList()
                .stream().map(n -> n.getNamespaceInfo().getName()).toList());
        unauthorized(() -> api(token("ns1:bogus")).listNamespaces(ListNamespacesRequest.getDefaultInstance()));
        assertTrue(api(token("temporal-system:read")).listNamespaces(ListNamespacesRequest.getDefaultInstance())
                .getNamespacesCount() >= 3);
        writer.newUntypedWorkflowStub(id).terminate("done");
    }

    @Test
    void adminsRegisterNamespaces() {
        api(token(EC, Jwks.claims("ops", 600, AUDIENCE, "temporal-system:admin"))).registerNamespace(
                RegisterNamespaceRequest.newBuilder().setNamespace("by-system-admin")
                        .setWorkflowExecutionRetentionPeriod(com.google.protobuf.Duration.newBuilder().setSeconds(86400))
                        .build());
        // RegisterNamespace is a namespace API: an admin of that (new) namespace may create it, as in Temporal.
        api(token("team-a:admin")).registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace("team-a")
                .setWorkflowExecutionRetentionPeriod(com.google.protobuf.Duration.newBuilder().setSeconds(86400)).build());
        unauthorized(() -> api(token("ns1:write", "temporal-system:write")).registerNamespace(RegisterNamespaceRequest
                .newBuilder().setNamespace("by-writer").setWorkflowExecutionRetentionPeriod(
                        com.google.protobuf.Duration.newBuilder().setSeconds(86400)).build()));
        var ops = operator(token("ns1:write"));
        unauthorized(() -> ops.blockingStub().deleteNamespace(
                io.temporal.api.operatorservice.v1.DeleteNamespaceRequest.newBuilder().setNamespace("ns1").build()));
        assertEquals("team-a", api(token("team-a:read")).describeNamespace(describe("team-a")).getNamespaceInfo().getName());
    }

    @Test
    void badTokensAreEachDenied() {
        String claims = Jwks.claims("mallory", 600, AUDIENCE, "ns1:admin", "temporal-system:admin");
        unauthorized(() -> api(token(RSA, Jwks.claims("late", -60, AUDIENCE, "ns1:admin"))).describeNamespace(describe("ns1")));
        unauthorized(() -> api(token(IMPOSTOR, claims)).describeNamespace(describe("ns1")));
        unauthorized(() -> api(token(Jwks.rsa("unknown-kid"), claims)).describeNamespace(describe("ns1")));
        unauthorized(() -> api(null).describeNamespace(describe("ns1")));
        unauthorized(() -> api(token(RSA, Jwks.claims("aud", 600, "account", "ns1:admin"))).describeNamespace(describe("ns1")));
        unauthorized(() -> api(Jwks.b64("{\"alg\":\"none\"}") + "." + Jwks.b64(claims) + ".")
                .describeNamespace(describe("ns1")));
        // The same claims, correctly signed, pass.
        api(token(RSA, claims)).describeNamespace(describe("ns1"));
    }

    @Test
    void healthAndSystemInfoNeedNoToken() throws Exception {
        WorkflowServiceStubs anonymous = stubs(null);
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, anonymous.healthCheck().getStatus());
        assertTrue(anonymous.blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance()).hasCapabilities());
        // What a worker does first: newConnectedServiceStubs checks health and GetSystemInfo.
        WorkflowServiceStubs connected = WorkflowServiceStubs.newConnectedServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build(), Duration.ofSeconds(10));
        closing.add(connected::shutdownNow);
        unauthorized(() -> anonymous.blockingStub().describeNamespace(describe("ns1")));
        // Temporal's counter of authorizer denials, tagged with the (existing) namespace.
        String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(scrape.contains("service_errors_unauthorized{namespace=\"ns1\",operation=\"Authorization\","
                + "service_name=\"frontend\"}"), scrape.lines().filter(l -> l.contains("unauthorized")).toList().toString());
    }

    @Test
    void aRotatedKeyIsPickedUpWithoutRestart() throws Exception {
        Jwks.Key next = Jwks.rsa("rsa-next-" + UUID.randomUUID());
        String claims = Jwks.claims("rotated", 600, AUDIENCE, "ns1:read");
        unauthorized(() -> api(token(next, claims)).describeNamespace(describe("ns1")));
        jwks.publish(List.of(RSA, EC, next));
        // An unknown key id fetches the JWKS again, at most once per 5 s: the first tries may fall in that gap.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        var rotated = api(token(next, claims));
        while (true) {
            try {
                rotated.describeNamespace(describe("ns1"));
                break;
            } catch (StatusRuntimeException e) {
                assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
                if (System.nanoTime() > deadline) {
                    fail("the new key was not picked up within 20 s");
                }
                Thread.sleep(500);
            }
        }
        api(token(RSA, claims)).describeNamespace(describe("ns1"));
        assertTrue(server.isAlive());
    }

    /** 1,000 malformed headers against the running server: each refused with PERMISSION_DENIED, never INTERNAL/UNKNOWN. */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void fuzzedHeadersAreRefusedAndTheServerStaysUp() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget("127.0.0.1:" + port).usePlaintext().build();
        closing.add(channel::shutdownNow);
        TokenFuzz fuzz = new TokenFuzz(20261207L, RSA, IMPOSTOR, AUDIENCE);
        Map<String, Integer> outcomes = new java.util.TreeMap<>();
        for (int i = 0; i < 1000; i++) {
            byte[] header = fuzz.next();
            tokens.add(new String(header, java.nio.charset.StandardCharsets.UTF_8));
            Channel ch = io.grpc.ClientInterceptors.intercept(channel, rawHeader(header));
            var wf = WorkflowServiceGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
            Executable call = switch (i % 5) {
                case 0 -> () -> wf.describeNamespace(describe("ns1"));
                case 1 -> () -> wf.startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder().setNamespace("ns1").build());
                case 2 -> () -> wf.pollWorkflowTaskQueue(PollWorkflowTaskQueueRequest.newBuilder().setNamespace("ns1")
                        .setTaskQueue(TaskQueue.newBuilder().setName("fuzz")).build());
                // A cluster API: no fuzzed token holds a system role (ListNamespaces would list a caller's own).
                case 3 -> () -> wf.getClusterInfo(io.temporal.api.workflowservice.v1.GetClusterInfoRequest.getDefaultInstance());
                default -> () -> OperatorServiceGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
                        .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace("ns1").build());
            };
            try {
                call.execute();
                outcomes.merge("OK", 1, Integer::sum);
            } catch (StatusRuntimeException e) {
                outcomes.merge(e.getStatus().getCode().name(), 1, Integer::sum);
                if (e.getStatus().getCode() != Status.Code.PERMISSION_DENIED
                        || !"Request unauthorized.".equals(e.getStatus().getDescription())) {
                    fail("case " + i + " answered " + e.getStatus() + " for a header of " + header.length + " bytes");
                }
            } catch (Throwable t) {
                fail("case " + i + ": " + t, t);
            }
        }
        assertEquals(Map.of("PERMISSION_DENIED", 1000), outcomes);
        // Tokens far above gRPC-Java's default 8 KiB header limit are read (the frontend allows 256 KiB).
        unauthorized(() -> WorkflowServiceGrpc.newBlockingStub(io.grpc.ClientInterceptors.intercept(channel,
                rawHeader(("Bearer " + "a".repeat(200_000)).getBytes(java.nio.charset.StandardCharsets.US_ASCII))))
                .withDeadlineAfter(20, TimeUnit.SECONDS).describeNamespace(describe("ns1")));
        assertTrue(server.isAlive());
        assertEquals("ns1", api(token("ns1:read")).describeNamespace(describe("ns1")).getNamespaceInfo().getName());
        assertTrue(jwks.fetches.get() < 40, "made-up key ids must not hammer the JWKS endpoint: " + jwks.fetches.get());
    }

    /** Sends the authorization header as these exact bytes (UTF-8 included), beyond what the ASCII marshaller allows. */
    private static ClientInterceptor rawHeader(byte[] value) {
        Metadata.Key<byte[]> key = InternalMetadata.keyOf("authorization", new InternalMetadata.TrustedAsciiMarshaller<>() {
            @Override
            public byte[] toAsciiString(byte[] v) {
                return v;
            }

            @Override
            public byte[] parseAsciiString(byte[] serialized) {
                return serialized;
            }
        });
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        headers.put(key, value);
                        super.start(listener, headers);
                    }
                };
            }
        };
    }
}
