package io.kairos.e2e.cluster;

import io.kairos.e2e.Clients;
import io.kairos.e2e.ExternalPostgres;
import io.kairos.e2e.ServerProcess;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Schedules with two worker processes: each bucket of schedules runs on exactly one worker (one lease holder), and
 * when that worker is killed the other takes its buckets over after the lease ttl and catches up; no scheduled time
 * of any schedule is started twice or skipped.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ScheduleClusterTest {
    private static final int SCHEDULES = 8;
    private static EmbeddedPostgres postgres;

    @TempDir
    static Path tmp;

    @WorkflowInterface
    public interface Tick {
        @WorkflowMethod(name = "ClusterTick")
        String run();
    }

    public static class TickImpl implements Tick {
        @Override
        public String run() {
            return "tick";
        }
    }

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = ExternalPostgres.start(100);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        postgres.close();
    }

    private static Path config() throws Exception {
        String yaml = """
                persistence:
                  default:
                    url: jdbc:postgresql://localhost:%d/temporal
                    user: kairos
                    password: s3cret
                    maxConnections: 6
                cluster:
                  historyShardCount: 4
                  membership:
                    heartbeatInterval: 1s
                    ttl: 5s
                services:
                  frontend:
                    bindAddress: 127.0.0.1
                    port: ${FRONTEND_PORT:-0}
                  history: { bindAddress: 127.0.0.1, port: 0 }
                  matching: { bindAddress: 127.0.0.1, port: 0 }
                  worker: { bindAddress: 127.0.0.1, port: 0 }
                metrics:
                  port: 0
                """.formatted(postgres.getPort());
        Path p = tmp.resolve("schedule-cluster.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    private static ServerProcess launch(Path cfg, String name, String services, Map<String, String> env) {
        Map<String, String> e = new HashMap<>(env);
        e.put("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        return ServerProcess.launch(name, List.of("start", "--config", cfg.toString(), "--services", services), e);
    }

    /** Lease holder per schedule bucket, as system_job_leases records it (live leases only). */
    private static Map<String, String> bucketHolders() throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + postgres.getPort() + "/temporal",
                ExternalPostgres.USER, ExternalPostgres.PASSWORD); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT job_name, owner FROM system_job_leases WHERE job_name LIKE "
                     + "'worker-bucket-%' AND expires_at > now()")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    private static List<Instant> startedTimes(Clients clients, String scheduleId) {
        List<Instant> out = new ArrayList<>();
        var page = clients.workflow.blockingStub().listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
                .setNamespace("default").setQuery("TemporalScheduledById = '" + scheduleId + "'").setPageSize(1000).build());
        for (var e : page.getExecutionsList()) {
            out.add(Instant.parse(e.getSearchAttributes().getIndexedFieldsMap().get("TemporalScheduledStartTime")
                    .getData().toStringUtf8().replace("\"", "")));
        }
        return out;
    }

    private static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(250);
        }
    }

    @Test
    void eachScheduleRunsOnOneWorkerAndMovesWhenItDies() throws Exception {
        Path cfg = config();
        try (ServerProcess migrate = ServerProcess.launch("sc-schema", List.of("schema", "migrate", "--config", cfg.toString()))) {
            assertEquals(0, migrate.waitForExit(Duration.ofSeconds(120)), migrate.stderr());
        }
        int port = ServerProcess.freePort();
        List<ServerProcess> all = new ArrayList<>();
        List<AutoCloseable> closing = new ArrayList<>();
        try {
            ServerProcess core = launch(cfg, "sc-core", "frontend,history,matching", Map.of("FRONTEND_PORT", String.valueOf(port)));
            all.add(core);
            ServerProcess w1 = launch(cfg, "sc-worker-1", "worker", Map.of());
            all.add(w1);
            ServerProcess w2 = launch(cfg, "sc-worker-2", "worker", Map.of());
            all.add(w2);
            for (ServerProcess p : all) {
                p.awaitReady();
            }
            Clients clients = new Clients(port);
            closing.add(clients);
            clients.workflow.blockingStub().registerNamespace(io.temporal.api.workflowservice.v1.RegisterNamespaceRequest
                    .newBuilder().setNamespace("default").setWorkflowExecutionRetentionPeriod(
                            com.google.protobuf.Duration.newBuilder().setSeconds(86400)).build());
            Thread.sleep(2500); // the frontends' namespace cache
            WorkflowClient client = WorkflowClient.newInstance(clients.workflow,
                    WorkflowClientOptions.newBuilder().setNamespace("default").build());
            WorkerFactory factory = WorkerFactory.newInstance(client);
            closing.add(factory::shutdownNow);
            factory.newWorker("cluster-ticks").registerWorkflowImplementationTypes(TickImpl.class);
            factory.start();
            ScheduleClient schedules = ScheduleClient.newInstance(clients.workflow,
                    ScheduleClientOptions.newBuilder().setNamespace("default").build());
            List<ScheduleHandle> handles = new ArrayList<>();
            for (int i = 0; i < SCHEDULES; i++) {
                String id = "cluster-" + i;
                handles.add(schedules.createSchedule(id, Schedule.newBuilder()
                        .setAction(ScheduleActionStartWorkflow.newBuilder().setWorkflowType(Tick.class)
                                .setOptions(WorkflowOptions.newBuilder().setWorkflowId("tick-" + id)
                                        .setTaskQueue("cluster-ticks").build()).build())
                        .setSpec(ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(Duration.ofSeconds(2))))
                                .build())
                        .setPolicy(SchedulePolicy.newBuilder()
                                .setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL).build())
                        .build(), ScheduleOptions.newBuilder().build()));
            }
            for (ScheduleHandle h : handles) {
                await("actions of " + h.getId(), Duration.ofSeconds(60), () -> h.describe().getInfo().getNumActions() >= 2);
            }
            Map<String, String> holders = bucketHolders();
            assertEquals(2, new TreeSet<>(holders.values()).size(), "both workers hold buckets: " + holders);
            String w1Identity = holders.values().stream().filter(o -> o.endsWith(":" + w1.pid())).findFirst().orElseThrow();

            w1.kill9();
            Instant killed = Instant.now();
            // Its leases expire (10 s), then the survivor takes every bucket and the schedules go on.
            await("the survivor holding every bucket", Duration.ofSeconds(60), () -> {
                try {
                    Map<String, String> h = bucketHolders();
                    return h.size() == 64 && !h.containsValue(w1Identity);
                } catch (Exception e) {
                    return false;
                }
            });
            for (ScheduleHandle h : handles) {
                await("actions after the kill of " + h.getId(), Duration.ofSeconds(60), () ->
                        startedTimes(clients, h.getId()).stream().filter(t -> t.isAfter(killed.plusSeconds(12))).count() >= 2);
            }
            for (ScheduleHandle h : handles) {
                h.pause("check");
            }
            for (ScheduleHandle h : handles) {
                long actions = h.describe().getInfo().getNumActions();
                await("visibility of " + h.getId(), Duration.ofSeconds(20), () -> startedTimes(clients, h.getId()).size() == actions);
                List<Instant> times = startedTimes(clients, h.getId());
                TreeSet<Instant> distinct = new TreeSet<>(times);
                assertEquals(times.size(), distinct.size(), h.getId() + " started a time twice: " + times);
                Instant prev = null;
                for (Instant t : distinct) {
                    if (prev != null) {
                        assertEquals(Duration.ofSeconds(2), Duration.between(prev, t), h.getId() + " skipped a time: " + distinct);
                    }
                    prev = t;
                }
            }
        } finally {
            for (AutoCloseable c : closing.reversed()) {
                c.close();
            }
            all.forEach(ServerProcess::close);
        }
    }
}
