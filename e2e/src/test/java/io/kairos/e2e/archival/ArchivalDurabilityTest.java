package io.kairos.e2e.archival;

import io.kairos.e2e.Clients;
import io.kairos.e2e.ServerProcess;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.ArchivalState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.ListArchivedWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.worker.WorkerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kill -9 while closed runs are being archived: after a restart every run is archived exactly once, none is lost. */
class ArchivalDurabilityTest {
    private static final int RUNS = 30;
    @TempDir
    Path tmp;

    @Test
    void everyRunIsArchivedExactlyOnceAcrossKillDashNine() throws Exception {
        Path root = tmp.resolve("archive");
        Path config = tmp.resolve("archival.yaml");
        Files.writeString(config, ArchivalWorkflows.config(root, true));
        int port = ServerProcess.freePort();
        List<String> args = List.of("dev", "--db-dir", tmp.resolve("db").toString(), "--port", Integer.toString(port),
                "--config", config.toString());
        Map<String, String> env = Map.of("KAIROS_RETENTION_OVERRIDE", "PT1S");
        String queue = "archival-kill-" + UUID.randomUUID();
        List<WorkflowExecution> runs = new ArrayList<>();
        ServerProcess first = ServerProcess.launch("archival-before-kill", args, env).awaitReady();
        try (Clients c = new Clients(port)) {
            // default was created from namespaceDefaults: archival enabled with the default URIs
            var cfg = c.workflow.blockingStub().describeNamespace(DescribeNamespaceRequest.newBuilder()
                    .setNamespace("default").build()).getConfig();
            assertEquals(ArchivalState.ARCHIVAL_STATE_ENABLED, cfg.getHistoryArchivalState());
            assertEquals("file://" + root.resolve("history"), cfg.getHistoryArchivalUri());
            WorkflowClient client = WorkflowClient.newInstance(c.workflow,
                    WorkflowClientOptions.newBuilder().setNamespace("default").build());
            WorkerFactory factory = WorkerFactory.newInstance(client);
            factory.newWorker(queue).registerWorkflowImplementationTypes(ArchivalWorkflows.StepsImpl.class);
            factory.start();
            try {
                for (int i = 0; i < RUNS; i++) {
                    var stub = client.newWorkflowStub(ArchivalWorkflows.Steps.class, WorkflowOptions.newBuilder()
                            .setTaskQueue(queue).setWorkflowId("kill-" + i + "-" + UUID.randomUUID()).build());
                    runs.add(WorkflowClient.start(stub::run, 100, false));
                }
                // kill -9 as soon as the first run is archived (at its close), while the others close and archive.
                while (histories(root).isEmpty()) {
                    Thread.sleep(2);
                }
                first.kill9();
                int archivedAtKill = histories(root).size();
                assertTrue(archivedAtKill < RUNS, "archiving had finished before the kill: " + archivedAtKill);

                try (ServerProcess second = ServerProcess.launch("archival-after-kill", args, env).awaitReady()) {
                    var raw = c.workflow.blockingStub();
                    for (WorkflowExecution r : runs) {
                        assertEquals("sum=4950", client.newUntypedWorkflowStub(r, Optional.empty())
                                .getResult(60, TimeUnit.SECONDS, String.class));
                    }
                    long deadline = System.currentTimeMillis() + 60_000;
                    while (count(raw) > 0 && System.currentTimeMillis() < deadline) {
                        Thread.sleep(200);
                    }
                    assertEquals(0, count(raw), () -> "retention did not delete every run after the restart: "
                            + remaining(raw));

                    // Exactly one history object and one visibility object per run.
                    List<String> histories = histories(root).stream().map(p -> p.getFileName().toString()).sorted().toList();
                    assertEquals(runs.stream().map(r -> r.getRunId() + ".history").sorted().toList(), histories);
                    List<String> records = files(root.resolve("visibility"), ".visibility").stream()
                            .map(p -> p.getFileName().toString()).toList();
                    assertEquals(RUNS, records.size(), records.toString());
                    for (WorkflowExecution r : runs) {
                        assertEquals(1, records.stream().filter(n -> n.endsWith("_" + r.getRunId() + ".visibility")).count());
                    }
                    // And each reads back whole from the archive: events 1..n, the last one the completion.
                    for (WorkflowExecution r : runs) {
                        List<HistoryEvent> events = client.fetchHistory(r.getWorkflowId(), r.getRunId()).getEvents();
                        for (int i = 0; i < events.size(); i++) {
                            assertEquals(i + 1, events.get(i).getEventId());
                        }
                        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
                                events.get(events.size() - 1).getEventType());
                    }
                    assertEquals(RUNS, raw.listArchivedWorkflowExecutions(ListArchivedWorkflowExecutionsRequest
                            .newBuilder().setNamespace("default").setQuery("WorkflowType = 'ArchivedSteps'").build())
                            .getExecutionsCount());
                }
            } finally {
                factory.shutdownNow();
            }
        } finally {
            first.close();
        }
    }

    private static long count(io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub raw) {
        return raw.countWorkflowExecutions(CountWorkflowExecutionsRequest.newBuilder().setNamespace("default")
                .setQuery("WorkflowType = 'ArchivedSteps'").build()).getCount();
    }

    /** Each run still listed, and whether history still has it (a stale record or an undeleted run). */
    private static String remaining(io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub raw) {
        StringBuilder b = new StringBuilder();
        for (var e : raw.listWorkflowExecutions(io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest
                .newBuilder().setNamespace("default").setQuery("WorkflowType = 'ArchivedSteps'").build())
                .getExecutionsList()) {
            b.append(e.getExecution().getRunId()).append(' ').append(e.getStatus()).append(" closed ")
                    .append(e.getCloseTime().getSeconds()).append(' ');
            try {
                var d = raw.describeWorkflowExecution(io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest
                        .newBuilder().setNamespace("default").setExecution(e.getExecution()).build());
                b.append("in history: ").append(d.getWorkflowExecutionInfo().getStatus());
            } catch (io.grpc.StatusRuntimeException x) {
                b.append("history: ").append(x.getStatus().getCode());
            }
            b.append("; ");
        }
        return b.toString();
    }

    private static List<Path> histories(Path root) throws Exception {
        return files(root.resolve("history"), ".history");
    }

    private static List<Path> files(Path dir, String suffix) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        for (int attempt = 0; ; attempt++) {
            try (Stream<Path> s = Files.walk(dir)) {
                return s.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
            } catch (java.io.UncheckedIOException e) {
                // A temporary file renamed into place while the walk looked at it: look again.
                if (!(e.getCause() instanceof java.nio.file.NoSuchFileException) || attempt >= 10) {
                    throw e;
                }
            }
        }
    }
}
