package io.kairos.e2e.tls;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kairos.e2e.ExternalPostgres;
import io.kairos.e2e.ProductionConfig;
import io.kairos.e2e.ServerProcess;
import io.kairos.e2e.engine.EngineWorkflows;
import io.kairos.server.tls.TestPki;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * History, matching, worker and frontend each in a process of its own, every internal call over mutual TLS with a
 * certificate per process that names only the service name peers check ({@code internode.client.serverName}), as
 * on Kubernetes where peers are dialed by pod IP. A workflow runs through all four; the internal ports refuse anyone
 * without a certificate of the CA.
 */
class InternodeTlsTest {
    private static final TestPki.Ca CA = new TestPki.Ca("kairos-internode-ca");
    private static final String SERVICE_NAME = "kairos-internode";
    private static EmbeddedPostgres postgres;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = ExternalPostgres.start(80);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    private static ServerProcess launch(Path config, String service, Map<String, String> env) throws Exception {
        Path certs = Files.createDirectories(dir.resolve(service));
        CA.issue(service, List.of(SERVICE_NAME)).write(certs.resolve("tls.crt"), certs.resolve("tls.key"));
        Map<String, String> e = new java.util.HashMap<>(env);
        e.put("CERT_DIR", certs.toString());
        e.put("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        return ServerProcess.launch("internode-" + service,
                List.of("start", "--config", config.toString(), "--services", service), e);
    }

    @Test
    void servicesInSeparateProcessesTalkOverMutualTls() throws Exception {
        Path ca = CA.writeCert(dir.resolve("ca.crt"));
        int frontendPort = ServerProcess.freePort();
        int historyPort = ServerProcess.freePort();
        Path config = dir.resolve("internode.yaml");
        Files.writeString(config, ProductionConfig.yaml(postgres.getPort(), false, 4, frontendPort, historyPort, 0) + """
                namespaces:
                  - name: default
                tls:
                  internode:
                    server:
                      certFile: ${CERT_DIR}/tls.crt
                      keyFile: ${CERT_DIR}/tls.key
                      requireClientAuth: true
                      clientCaFiles: [%s]
                    client:
                      serverName: %s
                      rootCaFiles: [%s]
                """.formatted(ca, SERVICE_NAME, ca));
        // the schema job has no certificates either: only start reads them
        try (ServerProcess migrate = ServerProcess.launch("internode-schema",
                List.of("schema", "migrate", "--config", config.toString()),
                Map.of("CERT_DIR", dir.resolve("absent").toString()))) {
            assertEquals(0, migrate.waitForExit(Duration.ofSeconds(90)), migrate.stderr());
        }

        List<ServerProcess> processes = new ArrayList<>();
        try {
            for (String service : List.of("history", "matching", "worker", "frontend")) {
                processes.add(launch(config, service, Map.of()));
            }
            processes.forEach(ServerProcess::awaitReady);

            WorkflowServiceStubs service = WorkflowServiceStubs.newConnectedServiceStubs(WorkflowServiceStubsOptions
                    .newBuilder().setTarget("127.0.0.1:" + frontendPort).build(), Duration.ofSeconds(30));
            WorkflowClient client = WorkflowClient.newInstance(service,
                    WorkflowClientOptions.newBuilder().setNamespace("default").build());
            WorkerFactory factory = WorkerFactory.newInstance(client);
            try {
                Worker worker = factory.newWorker("internode-queue");
                worker.registerWorkflowImplementationTypes(EngineWorkflows.HelloWorkflowImpl.class);
                worker.registerActivitiesImplementations(new EngineWorkflows.GreetingsImpl());
                factory.start();
                // frontend -> history (start), history -> matching (tasks), matching -> history (record started)
                EngineWorkflows.HelloWorkflow wf = client.newWorkflowStub(EngineWorkflows.HelloWorkflow.class,
                        WorkflowOptions.newBuilder().setTaskQueue("internode-queue").setWorkflowId("internode-hello")
                                .setWorkflowExecutionTimeout(Duration.ofSeconds(60)).build());
                assertEquals("Hello, peers!", wf.run("peers"));
                // frontend -> worker service: the schedule API lives there
                assertEquals(0, client.getWorkflowServiceStubs().blockingStub().listSchedules(
                        io.temporal.api.workflowservice.v1.ListSchedulesRequest.newBuilder().setNamespace("default")
                                .build()).getSchedulesCount());
            } finally {
                factory.shutdownNow();
                factory.awaitTermination(10, TimeUnit.SECONDS);
                service.shutdownNow();
            }

            String history = "127.0.0.1:" + historyPort;
            // the history port: plaintext and TLS without a client certificate are refused ...
            assertRefused(NettyChannelBuilder.forTarget(history).usePlaintext());
            assertRefused(NettyChannelBuilder.forTarget(history).overrideAuthority(SERVICE_NAME)
                    .sslContext(GrpcSslContexts.forClient().trustManager(ca.toFile()).build()));
            // ... a certificate of another CA too, while one of the CA is let in (health answers SERVING)
            TestPki.Issued stranger = new TestPki.Ca("stranger-ca").issue("stranger", List.of());
            assertRefused(withClientCert(history, ca, stranger));
            ManagedChannel ok = withClientCert(history, ca, CA.issue("probe", List.of())).build();
            try {
                assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(ok)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.newBuilder().setService("kairos.history.v1.HistoryService").build())
                        .getStatus());
            } finally {
                ok.shutdownNow();
            }

            // cluster describe reads the database only: it works with TLS on (and without the certificate files)
            try (ServerProcess describe = ServerProcess.launch("internode-describe",
                    List.of("cluster", "describe", "--config", config.toString()),
                    Map.of("CERT_DIR", dir.resolve("absent").toString()))) {
                assertEquals(0, describe.waitForExit(Duration.ofSeconds(60)), describe.stderr());
                String out = String.join("\n", describe.stdout());
                assertTrue(out.contains(history), out);
            }
            for (ServerProcess p : processes) {
                assertTrue(p.isAlive(), p.stderr());
            }
        } finally {
            processes.reversed().forEach(ServerProcess::close);
        }
    }

    private static NettyChannelBuilder withClientCert(String target, Path ca, TestPki.Issued client) throws Exception {
        Path cert = dir.resolve("probe-" + client.serial() + ".crt");
        Path key = dir.resolve("probe-" + client.serial() + ".key");
        client.write(cert, key);
        return NettyChannelBuilder.forTarget(target).overrideAuthority(SERVICE_NAME).sslContext(
                GrpcSslContexts.forClient().trustManager(ca.toFile()).keyManager(cert.toFile(), key.toFile()).build());
    }

    private static void assertRefused(NettyChannelBuilder b) {
        ManagedChannel ch = b.build();
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> HealthGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()));
            assertEquals(io.grpc.Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
        } finally {
            ch.shutdownNow();
        }
    }
}
