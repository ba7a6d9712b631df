package io.kairos.e2e;

import com.google.protobuf.Duration;
import io.grpc.health.v1.HealthCheckResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.GetClusterInfoRequest;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.api.workflowservice.v1.UpdateNamespaceRequest;
import io.temporal.api.namespace.v1.UpdateNamespaceInfo;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Production mode against an "external" Postgres (an embedded one the test owns): the schema tool, services split
 * over several processes talking gRPC over the network, and two frontends sharing one database.
 */
class ProductionModeTest {
    private static final java.time.Duration EXIT = java.time.Duration.ofSeconds(90);
    private static EmbeddedPostgres postgres;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = io.kairos.e2e.ExternalPostgres.start(100);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    /** The password comes from the environment through ${...} substitution, as in the Helm chart. */
    private static Path config(String file, int frontend, int history, int matching, int metrics) throws Exception {
        String yaml = """
                persistence:
                  default:
                    url: jdbc:postgresql://localhost:%d/temporal
                    user: kairos
                    password: ${KAIROS_TEST_PASSWORD:-s3cret}
                    maxConnections: 5
                cluster:
                  historyShardCount: 8
                services:
                  frontend:
                    bindAddress: 127.0.0.1
                    port: %d
                  history:
                    bindAddress: 127.0.0.1
                    port: %d
                  matching:
                    bindAddress: 127.0.0.1
                    port: %d
                metrics:
                  port: %d
                """.formatted(postgres.getPort(), frontend, history, matching, metrics);
        Path p = tmp.resolve(file);
        Files.writeString(p, yaml);
        return p;
    }

    @Test
    void schemaToolAndSplitServices() throws Exception {
        int history = ServerProcess.freePort();
        int matching = ServerProcess.freePort();
        int frontendA = ServerProcess.freePort();
        int frontendB = ServerProcess.freePort();
        int metricsA = ServerProcess.freePort();
        Path cfgA = config("a.yaml", frontendA, history, matching, metricsA);
        Path cfgB = config("b.yaml", frontendB, history, matching, 0);
        Path cfgBackend = config("backend.yaml", frontendA, history, matching, 0);

        // Without migrations the server refuses to start and says what to run.
        try (ServerProcess refused = ServerProcess.launch("start-unmigrated", List.of("start", "--config", cfgA.toString()))) {
            assertEquals(1, refused.waitForExit(EXIT));
            assertTrue(refused.stderr().contains("schema migrate"), refused.stderr());
        }
        try (ServerProcess validate = ServerProcess.launch("schema-validate-empty",
                List.of("schema", "validate", "--config", cfgA.toString()))) {
            assertEquals(1, validate.waitForExit(EXIT));
        }
        try (ServerProcess migrate = ServerProcess.launch("schema-migrate", List.of("schema", "migrate", "--config", cfgA.toString()))) {
            assertEquals(0, migrate.waitForExit(EXIT), migrate.stderr());
            assertTrue(String.join("\n", migrate.stdout()).contains("temporal_visibility: applied"), migrate.stdout().toString());
        }
        try (ServerProcess again = ServerProcess.launch("schema-migrate-again", List.of("schema", "migrate", "--config", cfgA.toString()))) {
            assertEquals(0, again.waitForExit(EXIT), again.stderr());
            assertTrue(String.join("\n", again.stdout()).contains("temporal: applied 0 migration(s)"), again.stdout().toString());
        }
        try (ServerProcess validate = ServerProcess.launch("schema-validate", List.of("schema", "validate", "--config", cfgA.toString()))) {
            assertEquals(0, validate.waitForExit(EXIT), validate.stderr());
        }
        try (ServerProcess bad = ServerProcess.launch("start-bad-services",
                List.of("start", "--config", cfgA.toString(), "--services", "frontend,scheduler"))) {
            assertEquals(2, bad.waitForExit(EXIT));
            assertTrue(bad.stderr().contains("unknown service 'scheduler'"), bad.stderr());
        }

        try (ServerProcess backend = ServerProcess.launch("start-backend",
                List.of("start", "--config", cfgBackend.toString(), "--services", "history,matching,worker")).awaitReady();
             ServerProcess feA = ServerProcess.launch("start-frontend-a",
                     List.of("start", "--config", cfgA.toString(), "--services", "frontend")).awaitReady();
             ServerProcess feB = ServerProcess.launch("start-frontend-b",
                     List.of("start", "--config", cfgB.toString(), "--services", "frontend")).awaitReady();
             Clients a = new Clients(frontendA);
             Clients b = new Clients(frontendB)) {
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, a.workflow.healthCheck().getStatus());
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, b.workflow.healthCheck().getStatus());
            assertEquals(8, a.workflow.blockingStub().getClusterInfo(GetClusterInfoRequest.getDefaultInstance())
                    .getHistoryShardCount());

            a.workflow.blockingStub().registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace("shared")
                    .setWorkflowExecutionRetentionPeriod(Duration.newBuilder().setSeconds(86400)).build());
            assertEquals("shared", b.workflow.blockingStub().describeNamespace(
                    DescribeNamespaceRequest.newBuilder().setNamespace("shared").build()).getNamespaceInfo().getName());
            b.workflow.blockingStub().updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace("shared")
                    .setUpdateInfo(UpdateNamespaceInfo.newBuilder().setDescription("changed on b")).build());
            assertEquals("changed on b", a.workflow.blockingStub().describeNamespace(
                    DescribeNamespaceRequest.newBuilder().setNamespace("shared").build()).getNamespaceInfo().getDescription());
            assertTrue(backend.isAlive() && feA.isAlive() && feB.isAlive());

            // The plain-HTTP health the chart's probes use where the rpc port speaks TLS.
            for (String path : List.of("/health/live", "/health/ready")) {
                HttpResponse<String> h = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + metricsA + path)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, h.statusCode(), path);
            }
            // Frontend A serves Prometheus metrics with Temporal's metric and tag names.
            String scrape = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsA + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            // Tally-style names as Temporal exports them: no _total on counters, no unit on timers.
            assertTrue(scrape.contains("service_requests{namespace=\"shared\",operation=\"RegisterNamespace\","
                    + "service_name=\"frontend\"} 1.0"), scrape);
            assertTrue(scrape.contains("service_latency_bucket{namespace=\"shared\",operation=\"DescribeNamespace\","
                    + "service_name=\"frontend\",le=\"0.001\"}"), scrape);
            assertTrue(scrape.contains("persistence_requests{operation="), scrape);
            assertTrue(scrape.contains("persistence_latency_bucket{operation="), scrape);
            assertTrue(scrape.contains("jvm_memory_used_bytes{"), scrape);
            assertTrue(scrape.contains("hikaricp_connections_active{pool=\"temporal\"}"), scrape);
        }
    }
}
