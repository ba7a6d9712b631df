package io.kairos.e2e.tls;

import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.kairos.e2e.ExternalPostgres;
import io.kairos.e2e.ProductionConfig;
import io.kairos.e2e.ServerProcess;
import io.kairos.e2e.engine.EngineWorkflows;
import io.kairos.server.tls.TestPki;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.security.cert.X509Certificate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frontend with mutual TLS, as a user configures it for cert-manager files: the official Java SDK gets in only
 * with a client certificate of the configured CA, and a certificate rotated in place is served without a restart.
 */
class FrontendTlsTest {
    private static final TestPki.Ca CA = new TestPki.Ca("kairos-ca");
    private static final TestPki.Ca OTHER_CA = new TestPki.Ca("someone-elses-ca");
    private static EmbeddedPostgres postgres;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = ExternalPostgres.start(50);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void mutualTlsOnTheFrontendWithRotation() throws Exception {
        Path certs = Files.createDirectories(dir.resolve("frontend-certs"));
        Path cert = certs.resolve("tls.crt");
        Path key = certs.resolve("tls.key");
        TestPki.Issued first = CA.issue("kairos-frontend", List.of("127.0.0.1", "localhost")).write(cert, key,
                TestPki.KeyFormat.TRADITIONAL);
        Path ca = CA.writeCert(certs.resolve("ca.crt"));
        int port = ServerProcess.freePort();
        Path config = dir.resolve("frontend-tls.yaml");
        Files.writeString(config, ProductionConfig.yaml(postgres.getPort(), true, 2, port, 0, 0) + """
                namespaces:
                  - name: default
                tls:
                  refreshInterval: 1s
                  frontend:
                    server:
                      certFile: %s
                      keyFile: %s
                      requireClientAuth: true
                      clientCaFiles: [%s]
                """.formatted(cert, key, ca));

        try (ServerProcess server = ServerProcess.launch("frontend-tls", List.of("start", "--config", config.toString()),
                Map.of("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1")).awaitReady()) {
            // no client certificate, a certificate of another CA, or no TLS at all: refused before any RPC
            assertRefused(TlsClients.stubs(port, TlsClients.sslContext(CA, null, dir, null)));
            assertRefused(TlsClients.stubs(port, TlsClients.sslContext(CA,
                    OTHER_CA.issue("intruder", List.of()), dir, null)));
            assertRefused(WorkflowServiceStubs.newServiceStubs(io.temporal.serviceclient.WorkflowServiceStubsOptions
                    .newBuilder().setTarget("127.0.0.1:" + port).build()));

            // a client certificate of the CA: health check (the SDK's own), a worker and a workflow
            AtomicReference<X509Certificate> seen = new AtomicReference<>();
            SslContext trusted = TlsClients.sslContext(CA, CA.issue("sdk-client", List.of()), dir, seen);
            WorkflowServiceStubs service = WorkflowServiceStubs.newConnectedServiceStubs(
                    io.temporal.serviceclient.WorkflowServiceStubsOptions.newBuilder()
                            .setTarget("127.0.0.1:" + port).setSslContext(trusted).build(), Duration.ofSeconds(30));
            try {
                assertEquals(first.serial(), seen.get().getSerialNumber());
                WorkflowClient client = WorkflowClient.newInstance(service,
                        WorkflowClientOptions.newBuilder().setNamespace("default").build());
                WorkerFactory factory = WorkerFactory.newInstance(client);
                Worker worker = factory.newWorker("tls-queue");
                worker.registerWorkflowImplementationTypes(EngineWorkflows.HelloWorkflowImpl.class);
                worker.registerActivitiesImplementations(new EngineWorkflows.GreetingsImpl());
                factory.start();
                try {
                    EngineWorkflows.HelloWorkflow wf = client.newWorkflowStub(EngineWorkflows.HelloWorkflow.class,
                            WorkflowOptions.newBuilder().setTaskQueue("tls-queue").setWorkflowId("tls-hello").build());
                    assertEquals("Hello, mTLS!", wf.run("mTLS"));

                    // cert-manager renews: new key, new serial, same CA, files replaced in place
                    TestPki.Issued renewed = CA.issue("kairos-frontend", List.of("127.0.0.1", "localhost"))
                            .write(cert, key, TestPki.KeyFormat.TRADITIONAL);
                    BigInteger served = awaitServed(port, trusted, seen, renewed.serial());
                    assertEquals(renewed.serial(), served, "a new connection sees the renewed certificate");
                    assertNotEquals(first.serial(), served);
                    // the worker's connection, opened before, goes on working
                    assertEquals("Hello, again!", client.newWorkflowStub(EngineWorkflows.HelloWorkflow.class,
                            WorkflowOptions.newBuilder().setTaskQueue("tls-queue").setWorkflowId("tls-hello-2")
                                    .build()).run("again"));
                } finally {
                    factory.shutdownNow();
                    factory.awaitTermination(10, TimeUnit.SECONDS);
                }
            } finally {
                service.shutdownNow();
            }
            assertTrue(server.stderr().contains("loaded new certificate"), server.stderr());
        }
    }

    /** Opens new connections until one is served {@code expected} (the refresh runs every second). */
    private static BigInteger awaitServed(int port, SslContext ssl, AtomicReference<X509Certificate> seen,
                                          BigInteger expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        BigInteger served = null;
        while (System.nanoTime() < deadline) {
            WorkflowServiceStubs s = TlsClients.stubs(port, ssl);
            try {
                s.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
                served = seen.get().getSerialNumber();
                if (served.equals(expected)) {
                    return served;
                }
            } finally {
                s.shutdownNow();
            }
            Thread.sleep(300);
        }
        return served;
    }

    private static void assertRefused(WorkflowServiceStubs stubs) {
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stubs.blockingStub()
                    .withDeadlineAfter(10, TimeUnit.SECONDS).getSystemInfo(GetSystemInfoRequest.getDefaultInstance()));
            assertEquals(io.grpc.Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
        } finally {
            stubs.shutdownNow();
        }
    }
}
