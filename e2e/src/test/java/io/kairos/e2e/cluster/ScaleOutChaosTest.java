package io.kairos.e2e.cluster;

import io.kairos.e2e.ServerProcess;
import io.kairos.e2e.cluster.ChaosWorkload.AckRecorder;
import io.kairos.e2e.cluster.ChaosWorkload.AckedActivity;
import io.kairos.e2e.cluster.ChaosWorkload.AckedWorkflowTask;
import io.kairos.e2e.cluster.ChaosWorkload.ChaosWorkflow;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scale-out under failures: one Postgres, 2 frontends, 3 history, 2 matching and 1 worker process of the real jar,
 * each on its own ports from one config file with ${VAR} substitution. The Java SDK drives workflows (an activity,
 * a 1 s timer, a signal) through both frontends while the test kill -9s one history and one matching process,
 * SIGTERMs another history process, and starts replacements. Every workflow must complete with the right result,
 * and every workflow task or activity completion the server acknowledged must be in the history.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ScaleOutChaosTest {
    private static final int WORKFLOWS = Integer.getInteger("kairos.chaos.workflows", 1000);
    /** Pace of the starts: 15 a second by default (the cold 8-JVM cluster on 2 cores saturates near 25). */
    private static final long START_INTERVAL_MS = Long.getLong("kairos.chaos.startIntervalMs", 66);
    /** -Dkairos.chaos.faults=false runs the same load on a healthy cluster, for comparison. */
    private static final boolean FAULTS = Boolean.parseBoolean(System.getProperty("kairos.chaos.faults", "true"));
    private static final int SHARDS = 16;
    private static final String NAMESPACE = "chaos";
    private static final String QUEUE = "chaos-queue";
    private static final Duration RESULT_DEADLINE = Duration.ofMinutes(5);
    private static EmbeddedPostgres postgres;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = io.kairos.e2e.ExternalPostgres.start(300);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    /** One config file for every process: each gets its ports from the environment, as pods get theirs. */
    private static Path config() throws Exception {
        String yaml = """
                persistence:
                  default:
                    url: jdbc:postgresql://localhost:%d/temporal
                    user: kairos
                    password: s3cret
                    maxConnections: 8
                cluster:
                  historyShardCount: %d
                  membership:
                    heartbeatInterval: 1s
                    ttl: 5s
                services:
                  frontend:
                    bindAddress: 127.0.0.1
                    port: ${FRONTEND_PORT:-0}
                  history:
                    bindAddress: 127.0.0.1
                    port: ${HISTORY_PORT:-0}
                  matching:
                    bindAddress: 127.0.0.1
                    port: ${MATCHING_PORT:-0}
                  worker:
                    bindAddress: 127.0.0.1
                    port: ${WORKER_PORT:-0}
                metrics:
                  port: ${METRICS_PORT}
                """.formatted(postgres.getPort(), SHARDS);
        Path p = tmp.resolve("cluster.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    /** One process of the cluster: its role, its service port, its metrics port. */
    private record Node(String name, String role, int port, int metricsPort, ServerProcess process) {
        String address() {
            return "127.0.0.1:" + port;
        }
    }

    private final List<Node> nodes = new ArrayList<>();
    private Path cfg;

    private Node launch(String name, String role, int port) {
        int metrics = ServerProcess.freePort();
        Map<String, String> env = new HashMap<>();
        env.put(role.toUpperCase() + "_PORT", String.valueOf(port));
        env.put("METRICS_PORT", String.valueOf(metrics));
        // Eight JVMs share two cores here: the C1 compiler alone keeps their warm-up from starving the load.
        env.put("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        List<String> args = new ArrayList<>(List.of("start", "--config", cfg.toString(), "--services", role));
        String level = System.getProperty("kairos.chaos.logLevel");
        if (level != null) {
            args.addAll(List.of("--log-level", level)); // diagnosing: -Dkairos.chaos.logLevel=debug
        }
        ServerProcess p = ServerProcess.launch(name, args, env);
        Node n = new Node(name, role, port, metrics, p);
        nodes.add(n);
        return n;
    }

    private Node launchNew(String name, String role) {
        return launch(name, role, ServerProcess.freePort());
    }

    private Connection db() throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + postgres.getPort() + "/temporal",
                io.kairos.e2e.ExternalPostgres.USER, io.kairos.e2e.ExternalPostgres.PASSWORD);
    }

    /** Owner address per shard, as the shards table says. */
    private Map<Integer, String> shardOwners() throws Exception {
        Map<Integer, String> out = new HashMap<>();
        try (Connection c = db(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT shard_id, owner FROM shards")) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getString(2));
            }
        }
        return out;
    }

    /** Waits until no shard names {@code address} as its owner; returns how long that took from {@code since}. */
    private Duration awaitShardsLeave(String address, long since, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (shardOwners().values().stream().noneMatch(address::equals)) {
                return Duration.ofNanos(System.nanoTime() - since);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("shards of " + address + " were not taken over within " + limit + ": " + shardOwners());
    }

    @Test
    void workflowsSurviveKilledAndDrainedHosts() throws Exception {
        cfg = config();
        try (ServerProcess migrate = ServerProcess.launch("chaos-schema", List.of("schema", "migrate", "--config", cfg.toString()),
                Map.of("METRICS_PORT", "0"))) {
            assertEquals(0, migrate.waitForExit(Duration.ofSeconds(120)), migrate.stderr());
        }
        AckRecorder acks = new AckRecorder();
        List<WorkerFactory> factories = new ArrayList<>();
        List<WorkflowServiceStubs> stubs = new ArrayList<>();
        ExecutorService drivers = Executors.newFixedThreadPool(32);
        ExecutorService watchers = Executors.newCachedThreadPool();
        try {
            Node h1 = launchNew("h1", "history");
            Node h2 = launchNew("h2", "history");
            Node h3 = launchNew("h3", "history");
            Node m1 = launchNew("m1", "matching");
            Node m2 = launchNew("m2", "matching");
            launchNew("w1", "worker");
            Node fa = launchNew("fa", "frontend");
            Node fb = launchNew("fb", "frontend");
            for (Node n : List.copyOf(nodes)) {
                n.process().awaitReady();
            }
            Map<Integer, String> initial = awaitSpread(List.of(h1, h2, h3), Duration.ofSeconds(30));
            System.out.printf("[chaos] cluster up: %d processes; shards per history host %s%n", nodes.size(), perOwner(initial));

            WorkflowServiceStubs sa = stubs(fa.port(), null);
            stubs.add(sa);
            sa.blockingStub().registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(NAMESPACE)
                    .setWorkflowExecutionRetentionPeriod(com.google.protobuf.Duration.newBuilder().setSeconds(86400)).build());
            WorkflowServiceStubs sb = stubs(fb.port(), null);
            stubs.add(sb);
            awaitNamespace(sb);
            List<WorkflowClient> clients = List.of(client(sa), client(sb));
            for (Node fe : List.of(fa, fb)) {
                WorkflowServiceStubs ws = stubs(fe.port(), acks);
                stubs.add(ws);
                WorkerFactory f = WorkerFactory.newInstance(client(ws));
                Worker w = f.newWorker(QUEUE, io.temporal.worker.WorkerOptions.newBuilder()
                        .setMaxConcurrentWorkflowTaskPollers(8).setMaxConcurrentActivityTaskPollers(4).build());
                w.registerWorkflowImplementationTypes(ChaosWorkload.ChaosWorkflowImpl.class);
                w.registerActivitiesImplementations(new ChaosWorkload.ChaosActivitiesImpl());
                f.start();
                factories.add(f);
            }

            Map<String, AtomicLong> clientErrors = new ConcurrentHashMap<>();
            List<Future<?>> started = new ArrayList<>();
            List<Future<?>> watched = new ArrayList<>();
            long t0 = System.nanoTime();
            String runId = Long.toHexString(System.currentTimeMillis());
            for (int i = 0; i < WORKFLOWS; i++) {
                int n = i;
                WorkflowClient client = clients.get(i % 2);
                started.add(drivers.submit(() -> startAndSignal(client, id(runId, n), n, clientErrors)));
                Thread.sleep(START_INTERVAL_MS);
                long at = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
                if (!FAULTS) {
                    continue;
                }
                if (i == WORKFLOWS / 5) {
                    System.out.printf("[chaos] t=%ds kill -9 %s (pid %d) and %s (pid %d)%n", at, h1.name(),
                            h1.process().pid(), m1.name(), m1.process().pid());
                    long killedAt = System.nanoTime();
                    h1.process().kill9();
                    m1.process().kill9();
                    // Measured beside the load, which goes on meanwhile.
                    watched.add(watchers.submit(() -> {
                        Duration takeover = awaitShardsLeave(h1.address(), killedAt, Duration.ofSeconds(30));
                        System.out.printf("[chaos] shards of killed %s taken over in %d ms (membership ttl 5 s)%n",
                                h1.name(), takeover.toMillis());
                        return null;
                    }));
                } else if (i == WORKFLOWS / 2) {
                    System.out.printf("[chaos] t=%ds SIGTERM %s (pid %d)%n", at, h2.name(), h2.process().pid());
                    long termAt = System.nanoTime();
                    watched.add(watchers.submit(() -> {
                        Thread stopper = Thread.ofPlatform().start(() -> h2.process().terminate());
                        Duration handoff = awaitShardsLeave(h2.address(), termAt, Duration.ofSeconds(30));
                        stopper.join(60_000);
                        System.out.printf("[chaos] shards of drained %s handed over in %d ms; it exited %d ms after "
                                + "SIGTERM%n", h2.name(), handoff.toMillis(),
                                Duration.ofNanos(System.nanoTime() - termAt).toMillis());
                        return null;
                    }));
                } else if (i == WORKFLOWS * 7 / 10) {
                    System.out.printf("[chaos] t=%ds starting replacements%n", at);
                    launchNew("h1b", "history");
                    launch("m1b", "matching", m1.port()); // restarted in place: same address
                    launchNew("h2b", "history");
                }
            }
            for (Future<?> f : started) {
                f.get(2, TimeUnit.MINUTES);
            }
            for (Future<?> f : watched) {
                f.get(2, TimeUnit.MINUTES);
            }
            System.out.printf("[chaos] %d workflows started and signalled in %d s%n", WORKFLOWS,
                    Duration.ofNanos(System.nanoTime() - t0).toSeconds());

            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < WORKFLOWS; i++) {
                int n = i;
                WorkflowClient client = clients.get((i + 1) % 2);
                results.add(drivers.submit(() -> result(client, id(runId, n), clientErrors)));
            }
            int correct = 0;
            for (int i = 0; i < WORKFLOWS; i++) {
                String r = results.get(i).get(RESULT_DEADLINE.toSeconds(), TimeUnit.SECONDS);
                assertEquals(ChaosWorkload.expected(i, 2 * i, "poke-" + i), r, "workflow " + i);
                correct++;
            }
            System.out.printf("[chaos] all %d workflows completed correctly %d s after the first start%n", correct,
                    Duration.ofNanos(System.nanoTime() - t0).toSeconds());

            verifyAcknowledged(sa, acks);
            for (Node n : nodes) {
                if (n.role().equals("history") && n.process().isAlive()) {
                    String metrics = scrape(n.metricsPort());
                    assertTrue(metrics.contains("sharditem_created_count") && metrics.contains("numshards_gauge")
                            && metrics.contains("membership_changed_count"), "shard metrics on " + n.name());
                }
            }
            List<Node> liveHistory = nodes.stream().filter(n -> n.role().equals("history") && n.process().isAlive()).toList();
            Map<Integer, String> finalOwners = awaitSpread(liveHistory, Duration.ofSeconds(30));
            // What an operator runs when something stalls: every live history host with its shards.
            try (ServerProcess describe = ServerProcess.launch("chaos-describe",
                    List.of("cluster", "describe", "--config", cfg.toString()), Map.of("METRICS_PORT", "0"))) {
                assertEquals(0, describe.waitForExit(Duration.ofSeconds(60)), describe.stderr());
                String out = String.join("\n", describe.stdout());
                for (Node n : liveHistory) {
                    long owned = finalOwners.values().stream().filter(n.address()::equals).count();
                    assertTrue(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(n.address()) + " +owns "
                            + owned + " shard").matcher(out).find(), () -> "describe shows "
                            + n.address() + " owning " + owned + " shards:\n" + out);
                }
                System.out.printf("[chaos] temporal-server cluster describe:%n%s%n", out);
            }
            // ListTaskQueuePartitions names the owning matching host, as the membership places the queue.
            List<String> liveMatching = nodes.stream().filter(n -> n.role().equals("matching") && n.process().isAlive())
                    .map(Node::address).toList();
            var partitions = sa.blockingStub().listTaskQueuePartitions(
                    io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsRequest.newBuilder().setNamespace(NAMESPACE)
                            .setTaskQueue(io.temporal.api.taskqueue.v1.TaskQueue.newBuilder().setName(QUEUE)).build());
            for (var p : List.of(partitions.getWorkflowTaskQueuePartitions(0), partitions.getActivityTaskQueuePartitions(0))) {
                assertTrue(liveMatching.contains(p.getOwnerHostName()), p + " owned by one of " + liveMatching);
            }
            long errors = clientErrors.values().stream().mapToLong(AtomicLong::get).sum();
            System.out.printf("[chaos] REPORT workflows=%d client_visible_errors=%d %s sdk_retried_worker_calls=%d %s "
                            + "acked_workflow_tasks=%d acked_activities=%d final_shards_per_host=%s%n",
                    WORKFLOWS, errors, clientErrors, acks.failureCount(), acks.failures, acks.ackedWorkflowTasks.size(),
                    acks.ackedActivities.size(), perOwner(finalOwners));
            System.out.printf("[chaos] workflow task polls: %s%n", acks.pollSummary());
            assertEquals(0, errors, "client-visible errors beyond the SDK's own retries: " + clientErrors);
        } finally {
            factories.forEach(WorkerFactory::shutdownNow);
            drivers.shutdownNow();
            watchers.shutdownNow();
            stubs.forEach(WorkflowServiceStubs::shutdownNow);
            // All at once: one by one, each history process would wait for the next to take its shards.
            List<Thread> stopping = nodes.stream().map(n -> Thread.ofPlatform().start(() -> n.process().close())).toList();
            for (Thread t : stopping) {
                t.join(90_000);
            }
        }
    }

    private static String id(String run, int n) {
        return "chaos-" + run + "-" + n;
    }

    private static void startAndSignal(WorkflowClient client, String workflowId, int n, Map<String, AtomicLong> errors) {
        ChaosWorkflow wf = client.newWorkflowStub(ChaosWorkflow.class, WorkflowOptions.newBuilder()
                .setTaskQueue(QUEUE).setWorkflowId(workflowId).build());
        retrying("start", errors, () -> {
            try {
                WorkflowClient.start(wf::run, n);
            } catch (io.temporal.client.WorkflowExecutionAlreadyStarted already) {
                // an earlier attempt of ours started it
            }
        });
        WorkflowStub stub = client.newUntypedWorkflowStub(workflowId);
        retrying("signal", errors, () -> stub.signal("poke", "poke-" + n));
    }

    private static String result(WorkflowClient client, String workflowId, Map<String, AtomicLong> errors) {
        String[] out = new String[1];
        retrying("result", errors, () -> {
            try {
                out[0] = client.newUntypedWorkflowStub(workflowId)
                        .getResult(RESULT_DEADLINE.toSeconds(), TimeUnit.SECONDS, String.class);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("no result within " + RESULT_DEADLINE, e);
            }
        });
        return out[0];
    }

    /** Runs a client call, counting (and retrying, at most 10 times) failures that got past the SDK's retries. */
    private static void retrying(String what, Map<String, AtomicLong> errors, Runnable call) {
        for (int attempt = 1; ; attempt++) {
            try {
                call.run();
                return;
            } catch (RuntimeException e) {
                errors.computeIfAbsent(what + " " + rootCause(e), k -> new AtomicLong()).incrementAndGet();
                if (attempt == 10) {
                    throw e;
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Every acknowledged workflow task completion and activity completion is in its workflow's history. */
    private static void verifyAcknowledged(WorkflowServiceStubs stubs, AckRecorder acks) {
        Map<String, List<HistoryEvent>> histories = new HashMap<>();
        java.util.function.Function<String, List<HistoryEvent>> history = key -> histories.computeIfAbsent(key, k -> {
            String[] parts = k.split("\\|");
            List<HistoryEvent> events = new ArrayList<>();
            com.google.protobuf.ByteString token = com.google.protobuf.ByteString.EMPTY;
            do {
                GetWorkflowExecutionHistoryResponse r = stubs.blockingStub().getWorkflowExecutionHistory(
                        GetWorkflowExecutionHistoryRequest.newBuilder().setNamespace(NAMESPACE)
                                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(parts[0]).setRunId(parts[1]))
                                .setNextPageToken(token).build());
                events.addAll(r.getHistory().getEventsList());
                token = r.getNextPageToken();
            } while (!token.isEmpty());
            return events;
        });
        int checked = 0;
        for (AckedWorkflowTask t : acks.ackedWorkflowTasks) {
            boolean found = history.apply(t.workflowId() + "|" + t.runId()).stream().anyMatch(e ->
                    e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
                            && e.getWorkflowTaskCompletedEventAttributes().getStartedEventId() == t.startedEventId());
            assertTrue(found, "acknowledged workflow task completion missing from history: " + t);
            checked++;
        }
        for (AckedActivity a : acks.ackedActivities) {
            assertTrue(completedInHistory(a, history), "acknowledged activity completion missing from history: " + a);
            checked++;
        }
        // The one answer that may differ from what was committed (the race named in AckRecorder): a NOT_FOUND for
        // an attempt whose completion history holds. Every workflow's activity completion is accounted for either way.
        java.util.Set<String> accounted = new java.util.HashSet<>();
        acks.ackedActivities.forEach(a -> accounted.add(a.workflowId()));
        for (AckedActivity a : acks.notFoundActivities) {
            if (completedInHistory(a, history)) {
                accounted.add(a.workflowId());
            }
        }
        assertTrue(accounted.size() >= WORKFLOWS, "the recorder saw every workflow's activity completion, acked or "
                + "committed before a NOT_FOUND retry: " + accounted.size() + " of " + WORKFLOWS);
        System.out.printf("[chaos] %d acknowledged completions checked against %d histories%n", checked, histories.size());
        // How long each workflow took from its start to its close event: a stalled workflow shows here.
        long[] millis = histories.values().stream().filter(h -> !h.isEmpty()).mapToLong(h ->
                com.google.protobuf.util.Timestamps.toMillis(h.get(h.size() - 1).getEventTime())
                        - com.google.protobuf.util.Timestamps.toMillis(h.get(0).getEventTime())).sorted().toArray();
        histories.values().stream().filter(h -> !h.isEmpty()).sorted(java.util.Comparator.comparingLong(h ->
                        com.google.protobuf.util.Timestamps.toMillis(h.get(h.size() - 1).getEventTime())
                                - com.google.protobuf.util.Timestamps.toMillis(h.get(0).getEventTime())))
                .skip(histories.size() / 2).limit(1).forEach(h -> {
                    long t0 = com.google.protobuf.util.Timestamps.toMillis(h.get(0).getEventTime());
                    StringBuilder b = new StringBuilder("[chaos] median workflow's events:");
                    h.forEach(e -> b.append(' ').append(e.getEventType().name().replace("EVENT_TYPE_", ""))
                            .append('@').append(com.google.protobuf.util.Timestamps.toMillis(e.getEventTime()) - t0));
                    System.out.println(b);
                });
        if (millis.length > 0) {
            System.out.printf("[chaos] start-to-close per workflow: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms%n",
                    millis[millis.length / 2], millis[millis.length * 9 / 10], millis[millis.length * 99 / 100],
                    millis[millis.length - 1]);
        }
    }

    /** Waits until every given history host owns at least one shard and every shard has one of them as owner. */
    private Map<Integer, String> awaitSpread(List<Node> history, Duration limit) throws Exception {
        List<String> addresses = history.stream().map(Node::address).toList();
        long deadline = System.nanoTime() + limit.toNanos();
        Map<Integer, String> owners = Map.of();
        while (System.nanoTime() < deadline) {
            owners = shardOwners();
            Map<String, Long> per = perOwner(owners);
            if (owners.size() == SHARDS && addresses.stream().allMatch(per::containsKey)
                    && per.keySet().stream().allMatch(addresses::contains)) {
                return owners;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("shards not spread over " + addresses + " within " + limit + ": " + owners);
    }

    private static Map<String, Long> perOwner(Map<Integer, String> owners) {
        Map<String, Long> per = new java.util.TreeMap<>();
        owners.values().forEach(o -> per.merge(String.valueOf(o), 1L, Long::sum));
        return per;
    }

    private static WorkflowServiceStubs stubs(int port, AckRecorder recorder) {
        WorkflowServiceStubsOptions.Builder b = WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port);
        if (recorder != null) {
            b.setGrpcClientInterceptors(List.of(recorder));
        }
        return WorkflowServiceStubs.newConnectedServiceStubs(b.build(), Duration.ofSeconds(60));
    }

    private static WorkflowClient client(WorkflowServiceStubs s) {
        return WorkflowClient.newInstance(s, WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build());
    }

    private static void awaitNamespace(WorkflowServiceStubs s) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                s.blockingStub().describeNamespace(io.temporal.api.workflowservice.v1.DescribeNamespaceRequest.newBuilder()
                        .setNamespace(NAMESPACE).build());
                return;
            } catch (io.grpc.StatusRuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static String scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    /** Whether the run's history completed exactly this attempt of the activity. */
    private static boolean completedInHistory(AckedActivity a, java.util.function.Function<String, List<HistoryEvent>> history) {
        List<HistoryEvent> events = history.apply(a.workflowId() + "|" + a.runId());
        Map<Long, HistoryEvent> byId = new HashMap<>();
        events.forEach(e -> byId.put(e.getEventId(), e));
        return events.stream().anyMatch(e -> {
            if (e.getEventType() != EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
                return false;
            }
            var c = e.getActivityTaskCompletedEventAttributes();
            HistoryEvent scheduled = byId.get(c.getScheduledEventId());
            HistoryEvent started = byId.get(c.getStartedEventId());
            return scheduled != null && started != null
                    && scheduled.getActivityTaskScheduledEventAttributes().getActivityId().equals(a.activityId())
                    && started.getActivityTaskStartedEventAttributes().getAttempt() == a.attempt();
        });
    }
}
