package io.kairos.e2e.archival;

import com.google.protobuf.util.Durations;
import io.grpc.Status;
import io.kairos.e2e.Clients;
import io.kairos.e2e.ServerProcess;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.ArchivalState;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListArchivedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.worker.WorkerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.File;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * s3store archival against a real S3-compatible server (Adobe's S3Mock, run as its own process): the server reaches
 * it through the AWS SDK with an endpoint override, path-style addressing and credentials from the environment.
 */
class S3ArchivalTest {
    private static final String BUCKET = "kairos-archive";
    @TempDir
    Path tmp;

    @Test
    void runsDeletedByRetentionAreArchivedToS3AndReadBack() throws Exception {
        int s3Port = ServerProcess.freePort();
        String java = ProcessHandle.current().info().command().orElse("java");
        try (ServerProcess s3 = ServerProcess.exec("s3mock", List.of(java, "-Xmx256m", "-jar", s3MockJar(),
                        "--com.adobe.testing.s3mock.http-port=" + s3Port, "--server.port=0",
                        "--com.adobe.testing.s3mock.store.initial-buckets=" + BUCKET,
                        "--com.adobe.testing.s3mock.store.root=" + tmp.resolve("s3"),
                        "--logging.level.root=WARN"), Map.of(), false)) {
            awaitPort(s3, s3Port); // Spring Boot takes a while on two busy cores
            String endpoint = "http://127.0.0.1:" + s3Port;
            Path config = tmp.resolve("archival.yaml");
            Files.writeString(config, ArchivalWorkflows.config("""
                          s3store:
                            region: us-east-1
                            endpoint: "%s"
                            s3ForcePathStyle: true
                    """.formatted(endpoint), "s3://" + BUCKET + "/temporal/history",
                    "s3://" + BUCKET + "/temporal/visibility", false));
            int port = ServerProcess.freePort();
            try (ServerProcess server = ServerProcess.launch("s3-archival", List.of("dev", "--ephemeral", "--port",
                            Integer.toString(port), "--config", config.toString()),
                    Map.of("KAIROS_RETENTION_OVERRIDE", "PT1S", "AWS_ACCESS_KEY_ID", "kairos",
                            "AWS_SECRET_ACCESS_KEY", "kairos-secret")).awaitReady();
                 Clients c = new Clients(port);
                 S3Client bucket = S3Client.builder().region(Region.US_EAST_1).endpointOverride(URI.create(endpoint))
                         .forcePathStyle(true).httpClient(UrlConnectionHttpClient.create())
                         .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))
                         .build()) {
                var raw = c.workflow.blockingStub();
                String ns = "s3-archived";
                raw.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(ns)
                        .setWorkflowExecutionRetentionPeriod(Durations.fromHours(1))
                        .setHistoryArchivalState(ArchivalState.ARCHIVAL_STATE_ENABLED)
                        .setVisibilityArchivalState(ArchivalState.ARCHIVAL_STATE_ENABLED).build());
                Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "requested bucket does not exist", () ->
                        raw.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace("nobucket")
                                .setWorkflowExecutionRetentionPeriod(Durations.fromHours(1))
                                .setHistoryArchivalState(ArchivalState.ARCHIVAL_STATE_ENABLED)
                                .setHistoryArchivalUri("s3://no-such-bucket/x").build()));

                WorkflowClient client = WorkflowClient.newInstance(c.workflow,
                        WorkflowClientOptions.newBuilder().setNamespace(ns).build());
                String queue = "s3-" + UUID.randomUUID();
                WorkerFactory factory = WorkerFactory.newInstance(client);
                factory.newWorker(queue).registerWorkflowImplementationTypes(ArchivalWorkflows.StepsImpl.class);
                factory.start();
                List<WorkflowExecution> runs = new ArrayList<>();
                List<Integer> sizes = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    var stub = client.newWorkflowStub(ArchivalWorkflows.Steps.class, WorkflowOptions.newBuilder()
                            .setTaskQueue(queue).setWorkflowId("s3-" + i + "-" + UUID.randomUUID()).build());
                    stub.run(300 * i + 5, false);
                    WorkflowExecution e = WorkflowStub.fromTyped(stub).getExecution();
                    runs.add(e);
                    sizes.add(client.fetchHistory(e.getWorkflowId(), e.getRunId()).getEvents().size());
                }
                factory.shutdownNow();
                long deadline = System.currentTimeMillis() + 30_000;
                while (count(raw, ns) > 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(0, count(raw, ns), "retention did not delete the runs");

                for (int i = 0; i < runs.size(); i++) {
                    WorkflowExecution e = runs.get(i);
                    assertEquals(sizes.get(i), client.fetchHistory(e.getWorkflowId(), e.getRunId()).getEvents().size());
                }
                var listed = raw.listArchivedWorkflowExecutions(ListArchivedWorkflowExecutionsRequest.newBuilder()
                        .setNamespace(ns).setQuery("WorkflowType = 'ArchivedSteps' AND ExecutionStatus = 'Completed'")
                        .build()).getExecutionsList();
                assertEquals(runs.stream().map(WorkflowExecution::getRunId).sorted().toList(),
                        listed.stream().map(i -> i.getExecution().getRunId()).sorted().toList());

                // In the bucket under the URIs' prefixes: one object per run for each.
                List<String> keys = bucket.listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix("temporal/")).contents()
                        .stream().map(S3Object::key).toList();
                for (WorkflowExecution e : runs) {
                    assertEquals(1, keys.stream().filter(k -> k.startsWith("temporal/history/")
                            && k.endsWith("/" + e.getRunId() + ".history")).count(), keys.toString());
                    assertEquals(1, keys.stream().filter(k -> k.startsWith("temporal/visibility/")
                            && k.endsWith("_" + e.getRunId() + ".visibility")).count(), keys.toString());
                }
                assertTrue(keys.size() == 2 * runs.size(), keys.toString());
            }
        }
    }

    private static long count(io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub raw,
                              String ns) {
        return raw.countWorkflowExecutions(CountWorkflowExecutionsRequest.newBuilder().setNamespace(ns)
                .setQuery("WorkflowType = 'ArchivedSteps'").build()).getCount();
    }

    /** The S3Mock jar Maven put on the test classpath. */
    private static String s3MockJar() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> p.contains("s3mock") && p.endsWith("-exec.jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("s3mock exec jar not on the test classpath"));
    }

    private static void awaitPort(ServerProcess p, int port) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("S3Mock exited: " + p.stdout() + p.stderr());
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("S3Mock did not listen on " + port + ": " + p.stdout() + p.stderr());
    }
}
