package io.kairos.e2e.fuzz;

import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.kairos.e2e.ServerProcess;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded malformed requests over every RPC of WorkflowService and OperatorService (taken from the service
 * descriptors), sent as raw bytes through a plain gRPC channel. No answer may be INTERNAL, UNKNOWN or DATA_LOSS, only
 * long polls may run into their deadline, the server must stay up, log no error, and still run a workflow after.
 *
 * <p>{@code -Dkairos.fuzz.requests=100000} for a long run, {@code -Dkairos.fuzz.seed=N} to replay one,
 * {@code -Dkairos.fuzz.from=I -Dkairos.fuzz.requests=1} for just the request a failure names.
 */
class ApiFuzzTest {
    private static final int REQUESTS = Integer.getInteger("kairos.fuzz.requests", 3000);
    private static final long SEED = Long.getLong("kairos.fuzz.seed", System.nanoTime());
    private static final int FROM = Integer.getInteger("kairos.fuzz.from", 0);
    /** Stops after this many bad answers (raise it to count them all, e.g. against an older server). */
    private static final int MAX_FAILURES = Integer.getInteger("kairos.fuzz.maxFailures", 20);
    private static final int THREADS = Integer.getInteger("kairos.fuzz.threads", 4);
    private static final boolean VERBOSE = Boolean.getBoolean("kairos.fuzz.verbose");
    private static final Map<String, LongAdder> plausibleErrors = new ConcurrentHashMap<>();
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final Duration LONG_POLL_DEADLINE = Duration.ofMillis(500);
    private static final Set<Status.Code> FORBIDDEN = Set.of(Status.Code.INTERNAL, Status.Code.UNKNOWN,
            Status.Code.DATA_LOSS, Status.Code.UNAVAILABLE);
    private static final String NAMESPACE = "default";
    private static final String TASK_QUEUE = "fuzz-tq";
    private static final String WORKFLOW_TYPE = "FuzzWorkflow";

    private static ServerProcess server;
    private static ManagedChannel channel;
    private static WorkflowServiceStubs sdk;
    private static int port;
    private static long serverStarted;
    private static final List<String> workflowIds = List.of("fuzz-wf-0", "fuzz-wf-1", "fuzz-wf-2", "fuzz-wf-3");
    private static final List<String> runIds = new ArrayList<>();
    private static final List<com.google.protobuf.ByteString> taskTokens = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final AtomicInteger scratchGeneration = new AtomicInteger();
    private static volatile String scratch;

    @WorkflowInterface
    public interface CheckWorkflow {
        @WorkflowMethod
        String greet(String name);
    }

    public static class CheckWorkflowImpl implements CheckWorkflow {
        @Override
        public String greet(String name) {
            return "hello " + name;
        }
    }

    @BeforeAll
    static void start() {
        serverStarted = System.nanoTime();
        port = ServerProcess.freePort();
        server = ServerProcess.launch("api-fuzz", List.of("dev", "--ephemeral", "--port", Integer.toString(port)))
                .awaitReady();
        sdk = WorkflowServiceStubs.newConnectedServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build(), Duration.ofSeconds(30));
        channel = ManagedChannelBuilder.forTarget("127.0.0.1:" + port).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
        OperatorServiceGrpc.newBlockingStub(channel).addSearchAttributes(
                io.temporal.api.operatorservice.v1.AddSearchAttributesRequest.newBuilder().setNamespace(NAMESPACE)
                        .putAllSearchAttributes(RequestGenerator.SEARCH_ATTRIBUTES).build());
        runIds.addAll(startWorkflows(NAMESPACE));
        rotateScratch();
    }

    @AfterAll
    static void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (sdk != null) {
            sdk.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
    }

    /** The known workflows, started in a namespace with no worker for them: their tasks stay pending. */
    private static List<String> startWorkflows(String namespace) {
        WorkflowClient client = WorkflowClient.newInstance(sdk, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
        List<String> runs = new ArrayList<>();
        for (String id : workflowIds) {
            WorkflowExecution e = client.newUntypedWorkflowStub(WORKFLOW_TYPE, WorkflowOptions.newBuilder()
                    .setWorkflowId(id).setTaskQueue(TASK_QUEUE).build()).start();
            runs.add(e.getRunId());
        }
        return runs;
    }

    /** A fresh namespace (with the known workflows) for RPCs that destroy what they touch. */
    private static synchronized void rotateScratch() {
        String name = "fuzz-scratch-" + scratchGeneration.incrementAndGet();
        sdk.blockingStub().registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(name)
                .setWorkflowExecutionRetentionPeriod(com.google.protobuf.Duration.newBuilder().setSeconds(86_400)).build());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                startWorkflows(name);
                break;
            } catch (RuntimeException notYetCached) {
                if (System.nanoTime() > until) {
                    throw notYetCached;
                }
                sleep(200);
            }
        }
        scratch = name;
    }

    private record Rpc(MethodDescriptor<byte[], byte[]> method, Message prototype, String name, boolean longPoll,
                       boolean destructive) {
    }

    private record Failure(long index, String rpc, Status status, RequestGenerator.Request request) {
    }

    @Test
    void noRequestIsAnsweredInternalOrUnknown() throws Exception {
        List<Rpc> rpcs = new ArrayList<>();
        rpcs.addAll(rpcs(WorkflowServiceGrpc.getServiceDescriptor()));
        rpcs.addAll(rpcs(OperatorServiceGrpc.getServiceDescriptor()));
        System.out.printf("api fuzz: seed=%d requests=%d from=%d rpcs=%d threads=%d%n", SEED, REQUESTS, FROM, rpcs.size(),
                THREADS);
        Map<String, Map<Status.Code, LongAdder>> byRpc = new ConcurrentHashMap<>();
        Map<Status.Code, LongAdder> byStatus = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        AtomicInteger next = new AtomicInteger(FROM);
        List<java.util.concurrent.Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            workers.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < FROM + REQUESTS && failures.size() < MAX_FAILURES; i = next.getAndIncrement()) {
                    long seed = mix(SEED, i);
                    Rpc rpc = rpcs.get((int) Math.floorMod(seed, (long) rpcs.size()));
                    RequestGenerator.Targets targets = new RequestGenerator.Targets(NAMESPACE, scratch, workflowIds,
                            runIds, TASK_QUEUE, WORKFLOW_TYPE, taskTokens);
                    RequestGenerator.Request req = RequestGenerator.generate(rpc.prototype(), targets, rpc.destructive(), seed);
                    boolean longPoll = rpc.longPoll() || waitsForNewEvent(rpc.name(), req);
                    Status status = call(rpc, req.bytes(), longPoll);
                    byStatus.computeIfAbsent(status.getCode(), c -> new LongAdder()).increment();
                    byRpc.computeIfAbsent(rpc.name(), n -> new ConcurrentHashMap<>())
                            .computeIfAbsent(status.getCode(), c -> new LongAdder()).increment();
                    boolean hung = status.getCode() == Status.Code.DEADLINE_EXCEEDED && !longPoll;
                    if (FORBIDDEN.contains(status.getCode()) || hung) {
                        failures.add(new Failure(i, rpc.name(), status, req));
                    }
                    if (VERBOSE && !status.isOk() && req.mode().equals("plausible")) {
                        plausibleErrors.computeIfAbsent(rpc.name() + " " + status.getCode() + " "
                                + clip(status.getDescription(), 100), k -> new LongAdder()).increment();
                    }
                    if (status.isOk() && rpc.destructive() && rpc.name().endsWith("Namespace")) {
                        rotateScratch();
                    }
                }
                return null;
            }));
        }
        for (var w : workers) {
            w.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - started) / 1e9;
        int sent = byStatus.values().stream().mapToInt(LongAdder::intValue).sum();
        System.out.printf("api fuzz: %d requests in %.1f s (%.0f/s), seed=%d%n", sent, seconds, sent / seconds, SEED);
        System.out.println("api fuzz: by status " + counts(byStatus));
        new TreeMap<>(byRpc).forEach((name, c) -> System.out.println("api fuzz:   " + name + " " + counts(c)));
        plausibleErrors.forEach((k, v) -> System.out.println("api fuzz: plausible request answered " + k + " x" + v));
        failures.stream().limit(50).forEach(f -> System.out.println(report(f)));
        Map<String, Integer> bad = new TreeMap<>();
        failures.forEach(f -> bad.merge(f.rpc() + " " + f.status().getCode(), 1, Integer::sum));
        if (!bad.isEmpty()) {
            System.out.println("api fuzz: bad answers by RPC " + bad);
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " bad answers, first: " + report(failures.peek()));
        serverStillWorks();
    }

    private static List<Rpc> rpcs(ServiceDescriptor service) {
        List<Rpc> out = new ArrayList<>();
        for (MethodDescriptor<?, ?> m : service.getMethods()) {
            if (m.getType() != MethodDescriptor.MethodType.UNARY) {
                continue;
            }
            Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) m.getRequestMarshaller())
                    .getMessagePrototype();
            String name = m.getBareMethodName();
            MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(m.getFullMethodName())
                    .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
            out.add(new Rpc(raw, prototype, name, longPoll(name), destructive(name)));
        }
        return out;
    }

    /** The RPCs that may wait for something to happen: their deadline passing is their normal answer. */
    private static boolean longPoll(String name) {
        return name.startsWith("Poll") || name.equals("QueryWorkflow") || name.equals("UpdateWorkflowExecution")
                || name.equals("ExecuteMultiOperation");
    }

    /** GetWorkflowExecutionHistory with wait_new_event is a long poll (for mangled bytes, assume it may be). */
    private static boolean waitsForNewEvent(String rpc, RequestGenerator.Request request) {
        if (!rpc.equals("GetWorkflowExecutionHistory")) {
            return false;
        }
        return request.mode().equals("wire") || (request.message()
                instanceof io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest r && r.getWaitNewEvent());
    }

    private static boolean destructive(String name) {
        return name.matches("(Delete|Terminate|Reset|Remove|Deprecate|RequestCancel|StartBatch|StopBatch|Pause|Unpause"
                + "|Set|Add|UpdateNamespace|UpdateWorkflowExecutionOptions|UpdateActivityOptions|UpdateWorker"
                + "|UpdateTaskQueueConfig|UpdateSchedule|PatchSchedule).*");
    }

    private static Status call(Rpc rpc, byte[] request, boolean longPoll) {
        Duration deadline = longPoll ? LONG_POLL_DEADLINE : DEADLINE;
        try {
            byte[] response = ClientCalls.blockingUnaryCall(channel, rpc.method(),
                    CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS), request);
            keepTaskToken(rpc.name(), response);
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    /** Real task tokens from polls, so that plausible Respond* requests reach the task they name. */
    private static void keepTaskToken(String rpc, byte[] response) {
        try {
            com.google.protobuf.ByteString token = switch (rpc) {
                case "PollWorkflowTaskQueue" ->
                        io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse.parseFrom(response).getTaskToken();
                case "PollActivityTaskQueue" ->
                        io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse.parseFrom(response).getTaskToken();
                default -> com.google.protobuf.ByteString.EMPTY;
            };
            if (!token.isEmpty() && taskTokens.size() < 64) {
                taskTokens.add(token);
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(rpc + " answered bytes that do not parse", e);
        }
    }

    private void serverStillWorks() {
        assertTrue(server.isAlive(), "server process exited");
        sdk.blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
        WorkflowClient client = WorkflowClient.newInstance(sdk, WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build());
        WorkerFactory factory = WorkerFactory.newInstance(client);
        try {
            factory.newWorker("fuzz-check").registerWorkflowImplementationTypes(CheckWorkflowImpl.class);
            factory.start();
            CheckWorkflow wf = client.newWorkflowStub(CheckWorkflow.class, WorkflowOptions.newBuilder()
                    .setTaskQueue("fuzz-check").setWorkflowId("fuzz-check-" + SEED)
                    .setWorkflowExecutionTimeout(Duration.ofSeconds(60)).build());
            assertEquals("hello fuzz", wf.greet("fuzz"));
        } finally {
            factory.shutdownNow();
            factory.awaitTermination(10, TimeUnit.SECONDS);
        }
        List<String> errors = server.stderr().lines().filter(l -> l.contains("ERROR") || l.contains("\tat ")
                || l.contains("cause=database_refused_value")).limit(20).toList();
        assertTrue(errors.isEmpty(), () -> "the server logged errors:\n" + String.join("\n", errors));
        // Unparseable requests are logged at most once per 10 s, however many arrive.
        long unparseable = server.stderr().lines().filter(l -> l.contains("request could not be parsed")).count();
        long allowed = (System.nanoTime() - serverStarted) / 10_000_000_000L + 2;
        assertTrue(unparseable <= allowed, unparseable + " log lines for unparseable requests, at most " + allowed);
    }

    private static String report(Failure f) {
        if (f == null) {
            return "";
        }
        String text = f.request().message() == null ? "" : TextFormat.printer().shortDebugString(f.request().message());
        byte[] b = f.request().bytes();
        String hex = HexFormat.of().formatHex(b, 0, Math.min(b.length, 1024));
        return String.format("api fuzz FAILURE: seed=%d index=%d rpc=%s status=%s %s%n  mode=%s mutation=%s%n"
                        + "  request (%d bytes, before any byte-level change): %s%n  bytes: %s%s%n"
                        + "  replay: -Dkairos.fuzz.seed=%d -Dkairos.fuzz.from=%d -Dkairos.fuzz.requests=1",
                SEED, f.index(), f.rpc(), f.status().getCode(), clip(f.status().getDescription(), 300),
                f.request().mode(), f.request().mutation(), b.length, clip(text, 2000), hex, b.length > 1024 ? "…" : "",
                SEED, f.index());
    }

    private static String clip(String s, int n) {
        return s == null || s.length() <= n ? s : s.substring(0, n) + "…";
    }

    private static String counts(Map<Status.Code, LongAdder> c) {
        Map<String, Integer> sorted = new TreeMap<>();
        c.forEach((k, v) -> sorted.put(k.name(), v.intValue()));
        return sorted.toString();
    }

    private static long mix(long seed, long index) {
        long z = seed + index * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    };
}
