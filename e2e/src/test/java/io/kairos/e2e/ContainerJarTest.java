package io.kairos.e2e;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container image's slim jar run as the Helm chart runs it: the schema job, one process per service, namespaces
 * from the config file, and gRPC health on the internal ports for the probes. Dev mode is refused up front.
 */
class ContainerJarTest {
    private static final Duration EXIT = Duration.ofSeconds(90);
    private static EmbeddedPostgres postgres;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = ExternalPostgres.start(60);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    private static ServerProcess slim(String name, String... args) {
        return ServerProcess.launch(ServerProcess.slimServerJar(), name, List.of(args), Map.of());
    }

    @Test
    void helpWorksAndDevModeIsRefusedInOneLine() {
        try (ServerProcess help = slim("slim-help", "--help")) {
            assertEquals(0, help.waitForExit(EXIT), help.stderr());
            assertTrue(help.stdout().contains("Usage: temporal-server <command> [flags]"), help.stdout().toString());
        }
        String port = String.valueOf(ServerProcess.freePort());
        try (ServerProcess dev = slim("slim-dev", "dev", "--ephemeral", "--port", port)) {
            assertEquals(1, dev.waitForExit(EXIT));
            assertEquals(List.of("error: dev mode needs the embedded PostgreSQL binaries (" + zonkyResource()
                    + "), which this jar (the container image's) leaves out; run 'temporal-server start --config FILE' "
                    + "against your PostgreSQL"), dev.stderr().lines().toList());
            assertEquals(List.of(), dev.stdout());
        }
    }

    /** What zonky looks for on the machine running the tests (Linux x86_64 or arm64 in CI). */
    private static String zonkyResource() {
        String arch = System.getProperty("os.arch").equals("aarch64") ? "arm_64" : "x86_64";
        String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).startsWith("mac") ? "darwin" : "linux";
        return "postgres-" + os + "-" + arch + ".txz";
    }

    @Test
    void productionProcessesWithConfiguredNamespacesAndInternalHealth() throws Exception {
        int frontend = ServerProcess.freePort();
        Map<String, Integer> internal = Map.of(
                "kairos.history.v1.HistoryService", ServerProcess.freePort(),
                "kairos.matching.v1.MatchingService", ServerProcess.freePort(),
                "kairos.worker.v1.WorkerService", ServerProcess.freePort());
        Path cfg = config("cluster.yaml", frontend, internal, """
                namespaces:
                  - name: default
                    retention: 3d
                  - name: other
                    retention: 72h
                """);
        try (ServerProcess migrate = slim("slim-schema-migrate", "schema", "migrate", "--config", cfg.toString())) {
            assertEquals(0, migrate.waitForExit(EXIT), migrate.stderr());
        }

        try (ServerProcess backend = slim("slim-backend", "start", "--config", cfg.toString(),
                "--services", "history,matching,worker").awaitReady()) {
            internal.forEach((service, port) -> assertInternalHealth(service, port));

            try (ServerProcess fe = slim("slim-frontend", "start", "--config", cfg.toString(), "--services", "frontend")
                    .awaitReady(); Clients c = new Clients(frontend)) {
                assertEquals(Duration.ofDays(3), retention(c, "default"));
                assertEquals(Duration.ofHours(72), retention(c, "other"));
                try (ServerProcess describe = slim("slim-cluster-describe", "cluster", "describe", "--config",
                        cfg.toString())) {
                    assertEquals(0, describe.waitForExit(EXIT), describe.stderr());
                    assertTrue(describe.stdout().stream().anyMatch(l -> l.startsWith("Members: 4 live")),
                            describe.stdout().toString());
                }
                assertTrue(fe.isAlive());
            }

            // A restart finds both namespaces: it neither fails nor resets what changed since; new entries are created.
            Path changed = config("changed.yaml", frontend, internal, """
                    namespaces:
                      - name: default
                        retention: 1d
                      - name: other
                      - name: added
                        retention: 12h
                    """);
            try (ServerProcess fe = slim("slim-frontend-restarted", "start", "--config", changed.toString(),
                    "--services", "frontend").awaitReady(); Clients c = new Clients(frontend)) {
                assertEquals(Duration.ofDays(3), retention(c, "default"));
                assertEquals(Duration.ofHours(72), retention(c, "other"));
                assertEquals(Duration.ofHours(12), retention(c, "added"));
                assertTrue(fe.isAlive());
            }
            assertTrue(backend.isAlive());
        }
    }

    private static Path config(String file, int frontend, Map<String, Integer> internal, String namespaces)
            throws Exception {
        String yaml = """
                persistence:
                  default:
                    url: jdbc:postgresql://localhost:%d/temporal
                    user: %s
                    password: %s
                    maxConnections: 5
                    maxIdleConnections: 1
                    maxConnectionLifetime: 10m
                services:
                  frontend: { bindAddress: 127.0.0.1, port: %d }
                  history:  { bindAddress: 127.0.0.1, port: %d }
                  matching: { bindAddress: 127.0.0.1, port: %d }
                  worker:   { bindAddress: 127.0.0.1, port: %d }
                metrics:
                  port: 0
                """.formatted(postgres.getPort(), ExternalPostgres.USER, ExternalPostgres.PASSWORD, frontend,
                internal.get("kairos.history.v1.HistoryService"), internal.get("kairos.matching.v1.MatchingService"),
                internal.get("kairos.worker.v1.WorkerService")) + namespaces;
        Path p = tmp.resolve(file);
        Files.writeString(p, yaml);
        return p;
    }

    /** What the chart's probes ask: liveness "" and readiness by the role's service name, on the role's own port. */
    private static void assertInternalHealth(String service, int port) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS);
            assertEquals(ServingStatus.SERVING, check(health, ""), service);
            assertEquals(ServingStatus.SERVING, check(health, service), service);
            Clients.assertStatus(Status.Code.NOT_FOUND, () -> check(health, "kairos.unknown.v1.UnknownService"));
            Clients.assertStatus(Status.Code.NOT_FOUND,
                    () -> check(health, "temporal.api.workflowservice.v1.WorkflowService"));
        } finally {
            channel.shutdownNow();
        }
    }

    private static ServingStatus check(HealthGrpc.HealthBlockingStub health, String service) {
        return health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }

    private static Duration retention(Clients c, String namespace) {
        DescribeNamespaceResponse r = c.workflow.blockingStub().describeNamespace(
                DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
        return Duration.ofSeconds(r.getConfig().getWorkflowExecutionRetentionTtl().getSeconds());
    }
}
