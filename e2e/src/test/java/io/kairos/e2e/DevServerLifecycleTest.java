package io.kairos.e2e;

import com.google.protobuf.Duration;
import io.grpc.health.v1.HealthCheckResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dev command as a user runs it: flags, restarts, kill -9, Ctrl-C. */
class DevServerLifecycleTest {
    private static final java.time.Duration EXIT = java.time.Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private static List<String> dev(Path dir, int port) {
        return List.of("dev", "--db-dir", dir.toString(), "--port", Integer.toString(port));
    }

    @Test
    void helpAndBadFlags() {
        try (ServerProcess help = ServerProcess.launch("dev-help", List.of("dev", "--help"))) {
            assertEquals(0, help.waitForExit(EXIT));
            String out = String.join("\n", help.stdout());
            assertTrue(out.contains("--db-dir") && out.contains("--ephemeral") && out.contains("--port"), out);
        }
        try (ServerProcess bad = ServerProcess.launch("dev-bad-flag", List.of("dev", "--bogus"))) {
            assertEquals(2, bad.waitForExit(EXIT));
            assertTrue(bad.stderr().contains("unknown flag --bogus"), bad.stderr());
        }
        try (ServerProcess bad = ServerProcess.launch("bad-command", List.of("frobnicate"))) {
            assertEquals(2, bad.waitForExit(EXIT));
            assertTrue(bad.stderr().contains("unknown command 'frobnicate'"), bad.stderr());
        }
        try (ServerProcess bad = ServerProcess.launch("dev-bad-port", List.of("dev", "--port", "http"))) {
            assertEquals(2, bad.waitForExit(EXIT));
            assertTrue(bad.stderr().contains("--port must be a number"), bad.stderr());
        }
    }

    @Test
    void namespacesSurviveKillDashNineAndRestart() {
        Path dir = tmp.resolve("data");
        String id;
        int port = ServerProcess.freePort();
        ServerProcess first = ServerProcess.launch("dev-before-kill", dev(dir, port)).awaitReady();
        try (Clients c = new Clients(port)) {
            c.workflow.blockingStub().registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace("survivor")
                    .setWorkflowExecutionRetentionPeriod(Duration.newBuilder().setSeconds(7200)).build());
            id = describe(c, "survivor").getNamespaceInfo().getId();
        }
        first.kill9();
        assertTrue(Files.exists(dir.resolve("pgdata").resolve("postmaster.pid")),
                "the killed server's Postgres is still around (the case being tested)");

        int port2 = ServerProcess.freePort();
        try (ServerProcess second = ServerProcess.launch("dev-after-kill", dev(dir, port2)).awaitReady();
             Clients c = new Clients(port2)) {
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, c.workflow.healthCheck().getStatus());
            DescribeNamespaceResponse d = describe(c, "survivor");
            assertEquals(id, d.getNamespaceInfo().getId());
            assertEquals(7200, d.getConfig().getWorkflowExecutionRetentionTtl().getSeconds());
            describe(c, "default");

            // A second dev server on the same directory refuses instead of corrupting it.
            try (ServerProcess intruder = ServerProcess.launch("dev-same-dir", dev(dir, ServerProcess.freePort()))) {
                assertEquals(1, intruder.waitForExit(EXIT));
                assertTrue(intruder.stderr().contains("another dev server is running"), intruder.stderr());
            }
            assertTrue(second.isAlive());
        }
    }

    @Test
    void ctrlCShutsDownCleanlyAndRestartKeepsData() {
        Path dir = tmp.resolve("data");
        int port = ServerProcess.freePort();
        ServerProcess first = ServerProcess.launch("dev-before-term", dev(dir, port)).awaitReady();
        try (Clients c = new Clients(port)) {
            c.workflow.blockingStub().registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace("kept")
                    .setWorkflowExecutionRetentionPeriod(Duration.newBuilder().setSeconds(3600)).build());
        }
        first.terminate();
        assertFalse(Files.exists(dir.resolve("pgdata").resolve("postmaster.pid")), "Postgres was stopped with the server");
        try (ServerProcess second = ServerProcess.launch("dev-after-term", dev(dir, port)).awaitReady();
             Clients c = new Clients(port)) {
            assertEquals("kept", describe(c, "kept").getNamespaceInfo().getName());
        }
    }

    @Test
    void ephemeralBannerSaysWhereItListens() {
        int port = ServerProcess.freePort();
        ServerProcess p = ServerProcess.launch("dev-ephemeral", List.of("dev", "--ephemeral", "--port", Integer.toString(port)))
                .awaitReady();
        String banner = p.stdout().stream().filter(l -> l.contains("listening on")).findFirst().orElseThrow();
        assertTrue(banner.contains("127.0.0.1:" + port), banner);
        assertTrue(banner.contains("ephemeral"), banner);
        // The lines after the banner say how to point the CLI, the SDKs and the Web UI at it.
        p.awaitLine(l -> l.contains("Web UI:"));
        String hints = String.join("\n", p.stdout().subList(p.stdout().indexOf(banner) + 1, p.stdout().size()));
        assertTrue(hints.contains("temporal --address 127.0.0.1:" + port), hints);
        assertTrue(hints.contains("TEMPORAL_ADDRESS=127.0.0.1:" + port), hints);
        assertTrue(hints.contains("namespace default"), hints);
        assertTrue(hints.contains("-e TEMPORAL_ADDRESS=host.docker.internal:" + port + " -p 8080:8080 temporalio/ui"), hints);
        p.terminate();
    }

    private static DescribeNamespaceResponse describe(Clients c, String name) {
        return c.workflow.blockingStub().describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(name).build());
    }
}
