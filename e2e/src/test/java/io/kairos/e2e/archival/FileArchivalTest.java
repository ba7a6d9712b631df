package io.kairos.e2e.archival;

import com.google.protobuf.util.Durations;
import io.grpc.Status;
import io.kairos.e2e.Clients;
import io.kairos.e2e.ServerProcess;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.ArchivalState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.api.workflowservice.v1.ListArchivedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListArchivedWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.api.workflowservice.v1.UpdateNamespaceRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.worker.WorkerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * File archival end to end: a namespace registered with history and visibility archival, runs deleted by a
 * 1-second retention, their histories read back through the SDK and their records listed from the archive.
 */
class FileArchivalTest {
    private static final String NS = "archived";
    private static final String QUEUE = "archival-" + UUID.randomUUID();
    @TempDir
    static Path tmp;
    private static ServerProcess server;
    private static Clients clients;
    private static WorkflowServiceGrpc.WorkflowServiceBlockingStub raw;
    private static WorkflowClient client;
    private static WorkerFactory factory;
    private static Path root;

    @BeforeAll
    static void start() throws Exception {
        root = tmp.resolve("archive");
        Path config = tmp.resolve("archival.yaml");
        Files.writeString(config, ArchivalWorkflows.config(root, false));
        int port = ServerProcess.freePort();
        server = ServerProcess.launch("file-archival", List.of("dev", "--ephemeral", "--port", Integer.toString(port),
                "--config", config.toString()), Map.of("KAIROS_RETENTION_OVERRIDE", "PT1S")).awaitReady();
        clients = new Clients(port);
        raw = clients.workflow.blockingStub();
        raw.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(NS)
                .setWorkflowExecutionRetentionPeriod(Durations.fromHours(1))
                .setHistoryArchivalState(ArchivalState.ARCHIVAL_STATE_ENABLED)
                .setVisibilityArchivalState(ArchivalState.ARCHIVAL_STATE_ENABLED).build());
        client = WorkflowClient.newInstance(clients.workflow, WorkflowClientOptions.newBuilder().setNamespace(NS).build());
        factory = WorkerFactory.newInstance(client);
        factory.newWorker(QUEUE).registerWorkflowImplementationTypes(ArchivalWorkflows.StepsImpl.class);
        factory.start();
    }

    @AfterAll
    static void stop() {
        if (factory != null) {
            factory.shutdownNow();
        }
        if (clients != null) {
            clients.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static NamespaceConfig describe(String ns) {
        return raw.describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(ns).build()).getConfig();
    }

    private static WorkflowExecution run(String id, int steps, boolean fail) {
        ArchivalWorkflows.Steps stub = client.newWorkflowStub(ArchivalWorkflows.Steps.class,
                WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
        if (fail) {
            assertThrows(WorkflowFailedException.class, () -> stub.run(steps, true));
        } else {
            assertEquals("sum=" + (steps * (steps - 1) / 2), stub.run(steps, false));
        }
        return WorkflowStub.fromTyped(stub).getExecution();
    }

    private static long count(String query) {
        return raw.countWorkflowExecutions(CountWorkflowExecutionsRequest.newBuilder().setNamespace(NS)
                .setQuery(query).build()).getCount();
    }

    /** Waits until retention removed the runs from the visibility database (and so from Postgres). */
    private static void awaitDeleted(String query) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (count(query) > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(0, count(query), "still in visibility: " + query);
    }

    private static List<WorkflowExecutionInfo> listArchived(String query, int pageSize) {
        List<WorkflowExecutionInfo> out = new ArrayList<>();
        var req = ListArchivedWorkflowExecutionsRequest.newBuilder().setNamespace(NS).setQuery(query)
                .setPageSize(pageSize);
        do {
            ListArchivedWorkflowExecutionsResponse r = raw.listArchivedWorkflowExecutions(req.build());
            out.addAll(r.getExecutionsList());
            req.setNextPageToken(r.getNextPageToken());
        } while (!req.getNextPageToken().isEmpty());
        return out;
    }

    @Test
    void registeredNamespaceGetsTheClusterDefaultUrisAndKeepsThem() {
        NamespaceConfig c = describe(NS);
        assertEquals(ArchivalState.ARCHIVAL_STATE_ENABLED, c.getHistoryArchivalState());
        assertEquals("file://" + root.resolve("history"), c.getHistoryArchivalUri());
        assertEquals(ArchivalState.ARCHIVAL_STATE_ENABLED, c.getVisibilityArchivalState());
        assertEquals("file://" + root.resolve("visibility"), c.getVisibilityArchivalUri());
        // default was created with the cluster's default state: disabled, no URI
        NamespaceConfig d = describe("default");
        assertEquals(ArchivalState.ARCHIVAL_STATE_DISABLED, d.getHistoryArchivalState());
        assertEquals("", d.getHistoryArchivalUri());

        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "Cannot update existing archival URI", () ->
                raw.updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace(NS).setConfig(NamespaceConfig
                        .newBuilder().setHistoryArchivalUri("file://" + tmp.resolve("elsewhere"))).build()));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "unknown archiver scheme", () ->
                raw.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace("gcs-" + UUID.randomUUID())
                        .setWorkflowExecutionRetentionPeriod(Durations.fromHours(1))
                        .setHistoryArchivalState(ArchivalState.ARCHIVAL_STATE_ENABLED)
                        .setHistoryArchivalUri("gs://bucket/path").build()));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "URI is invalid", () ->
                raw.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace("rel-" + UUID.randomUUID())
                        .setWorkflowExecutionRetentionPeriod(Durations.fromHours(1))
                        .setVisibilityArchivalState(ArchivalState.ARCHIVAL_STATE_ENABLED)
                        .setVisibilityArchivalUri("file://relative/dir").build()));

        // Disabling keeps the URI; enabling again takes it back.
        String other = "toggle-" + UUID.randomUUID();
        String uri = "file://" + tmp.resolve("toggle");
        raw.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(other)
                .setWorkflowExecutionRetentionPeriod(Durations.fromHours(1))
                .setHistoryArchivalState(ArchivalState.ARCHIVAL_STATE_ENABLED).setHistoryArchivalUri(uri).build());
        raw.updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace(other).setConfig(NamespaceConfig
                .newBuilder().setHistoryArchivalState(ArchivalState.ARCHIVAL_STATE_DISABLED)).build());
        assertEquals(ArchivalState.ARCHIVAL_STATE_DISABLED, describe(other).getHistoryArchivalState());
        assertEquals(uri, describe(other).getHistoryArchivalUri());
        raw.updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace(other).setConfig(NamespaceConfig
                .newBuilder().setHistoryArchivalState(ArchivalState.ARCHIVAL_STATE_ENABLED)).build());
        assertEquals(ArchivalState.ARCHIVAL_STATE_ENABLED, describe(other).getHistoryArchivalState());
        assertEquals(uri, describe(other).getHistoryArchivalUri());
    }

    @Test
    void runsDeletedByRetentionAreReadAndListedFromTheArchive() throws Exception {
        String prefix = "arch-" + UUID.randomUUID() + "-";
        Instant before = Instant.now();
        WorkflowExecution big = run(prefix + "big", 600, false);
        WorkflowExecution small = run(prefix + "small", 3, false);
        WorkflowExecution failed = run(prefix + "failed", 2, true);
        WorkflowExecutionHistory original = client.fetchHistory(big.getWorkflowId(), big.getRunId());
        awaitDeleted("WorkflowId STARTS_WITH '" + prefix + "'");

        // Read back through the SDK (GetWorkflowExecutionHistory in pages): the same events as before deletion.
        WorkflowExecutionHistory archived = client.fetchHistory(big.getWorkflowId(), big.getRunId());
        assertEquals(original.getEvents(), archived.getEvents());
        assertTrue(archived.getEvents().size() > 600, "events: " + archived.getEvents().size());
        GetWorkflowExecutionHistoryResponse page = raw.getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest
                .newBuilder().setNamespace(NS).setExecution(small).setMaximumPageSize(2).build());
        assertTrue(page.getArchived());
        assertEquals(2, page.getHistory().getEventsCount());
        assertTrue(!page.getNextPageToken().isEmpty());
        // The SDK's result lookup (the close event alone) is answered from the archive too.
        assertEquals("sum=3", client.newUntypedWorkflowStub(small, java.util.Optional.empty())
                .getResult(10, java.util.concurrent.TimeUnit.SECONDS, String.class));
        List<HistoryEvent> smallEvents = client.fetchHistory(small.getWorkflowId(), small.getRunId()).getEvents();
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, smallEvents.get(smallEvents.size() - 1).getEventType());

        // A run never archived, and the history without a run id: NOT_FOUND as before.
        Clients.assertStatus(Status.Code.NOT_FOUND, () -> raw.getWorkflowExecutionHistory(
                GetWorkflowExecutionHistoryRequest.newBuilder().setNamespace(NS).setExecution(WorkflowExecution
                        .newBuilder().setWorkflowId(prefix + "never").setRunId(UUID.randomUUID().toString())).build()));
        Clients.assertStatus(Status.Code.NOT_FOUND, () -> raw.getWorkflowExecutionHistory(
                GetWorkflowExecutionHistoryRequest.newBuilder().setNamespace(NS).setExecution(WorkflowExecution
                        .newBuilder().setWorkflowId(big.getWorkflowId())).build()));

        // Listed from the archive with Temporal's archival query subset.
        List<WorkflowExecutionInfo> all = listArchived("WorkflowType = 'ArchivedSteps' AND CloseTime >= '"
                + before + "'", 1);
        List<String> ids = all.stream().map(i -> i.getExecution().getWorkflowId()).filter(i -> i.startsWith(prefix)).toList();
        assertEquals(List.of(prefix + "failed", prefix + "small", prefix + "big"), ids, "newest close first");
        WorkflowExecutionInfo f = listArchived("WorkflowId = '" + prefix + "failed'", 10).get(0);
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED, f.getStatus());
        assertEquals(failed.getRunId(), f.getExecution().getRunId());
        assertEquals(QUEUE, f.getTaskQueue());
        assertTrue(f.hasCloseTime() && f.hasStartTime());
        assertEquals(List.of(failed.getRunId()), runIds(listArchived("ExecutionStatus = 'Failed' AND WorkflowId = '"
                + prefix + "failed'", 10)));
        assertEquals(List.of(), listArchived("ExecutionStatus = 'Completed' AND WorkflowId = '" + prefix + "failed'", 10));
        assertEquals(List.of(big.getRunId()), runIds(listArchived("RunId = '" + big.getRunId() + "' AND StartTime >= '"
                + before + "'", 10)));
        assertEquals(List.of(), listArchived("WorkflowId = '" + prefix + "big' AND CloseTime < '" + before + "'", 10));

        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "only comparison and \"and\" expression is supported", () ->
                raw.listArchivedWorkflowExecutions(ListArchivedWorkflowExecutionsRequest.newBuilder().setNamespace(NS)
                        .setQuery("WorkflowId = 'a' OR WorkflowId = 'b'").build()));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "unknown filter name: CustomKeywordField", () ->
                raw.listArchivedWorkflowExecutions(ListArchivedWorkflowExecutionsRequest.newBuilder().setNamespace(NS)
                        .setQuery("CustomKeywordField = 'a'").build()));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "Namespace is not configured for visibility archival.", () ->
                raw.listArchivedWorkflowExecutions(ListArchivedWorkflowExecutionsRequest.newBuilder()
                        .setNamespace("default").build()));

        // The objects are where the URI says, one per run, with the configured file mode.
        Path historyDir = root.resolve("history");
        try (var files = Files.walk(historyDir)) {
            List<Path> runs = files.filter(p -> p.toString().endsWith(".history")).toList();
            assertTrue(runs.stream().anyMatch(p -> p.getFileName().toString().equals(big.getRunId() + ".history")));
            assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(runs.get(0))));
        }
    }

    private static List<String> runIds(List<WorkflowExecutionInfo> infos) {
        return infos.stream().map(i -> i.getExecution().getRunId()).toList();
    }
}
