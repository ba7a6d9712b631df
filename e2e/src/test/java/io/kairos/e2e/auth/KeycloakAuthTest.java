package io.kairos.e2e.auth;

import io.kairos.e2e.ExternalPostgres;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.ListNamespacesRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.authorization.AuthorizationGrpcMetadataProvider;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tokens from a real Keycloak (keycloak-quarkus-dist, realm import with the "permissions" mapper, client-credentials
 * grant) against the production-mode server reading the realm's JWKS: what an operator gets from the chart with
 * web.auth.keycloak and server.config.authorization set.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class KeycloakAuthTest {
    private static Keycloak keycloak;
    private static EmbeddedPostgres postgres;
    private static AuthServer server;
    private static final List<AutoCloseable> closing = new ArrayList<>();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        keycloak = Keycloak.start();
        postgres = ExternalPostgres.start(40);
        server = AuthServer.start("keycloak-auth", tmp, postgres.getPort(), keycloak.jwksUri(), null, "info");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        if (server != null) {
            server.process.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (keycloak != null) {
            keycloak.close();
        }
    }

    /** A fresh token per call, as a token supplier backed by Keycloak would give (they live 5 minutes). */
    private static WorkflowServiceStubs stubs(String clientId) {
        WorkflowServiceStubs s = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
                .setTarget(server.target())
                .addGrpcMetadataProvider(new AuthorizationGrpcMetadataProvider(
                        () -> "Bearer " + keycloak.token(clientId, clientId + "-secret")))
                .build());
        closing.add(s::shutdownNow);
        return s;
    }

    private static WorkflowClient client(WorkflowServiceStubs stubs, String namespace) {
        return WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    }

    private static String start(WorkflowClient client, String queue) {
        AuthorizationTest.Greeting g = client.newWorkflowStub(AuthorizationTest.Greeting.class, WorkflowOptions.newBuilder()
                .setTaskQueue(queue).setWorkflowId("kc-" + UUID.randomUUID())
                .setWorkflowExecutionTimeout(Duration.ofMinutes(1)).build());
        return WorkflowClient.start(g::greet, "keycloak").getWorkflowId();
    }

    @Test
    void keycloakTokensCarryThePermissionsClaim() {
        String token = keycloak.token("worker-ns1", "worker-ns1-secret");
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        assertTrue(payload.contains("\"permissions\":[\"ns1:worker\"]"), payload);
    }

    @Test
    void aKeycloakWorkerRunsWorkflowsInNs1AndIsDeniedInNs2() throws Exception {
        String queue = "kc-" + UUID.randomUUID();
        WorkflowServiceStubs workerStubs = stubs("worker-ns1");
        WorkerFactory factory = WorkerFactory.newInstance(client(workerStubs, "ns1"));
        closing.add(factory::shutdownNow);
        Worker worker = factory.newWorker(queue);
        worker.registerWorkflowImplementationTypes(AuthorizationTest.GreetingImpl.class);
        worker.registerActivitiesImplementations(new AuthorizationTest.ShoutImpl());
        factory.start();
        WorkflowClient starter = client(stubs("starter-ns1"), "ns1");
        String id = start(starter, queue);
        assertEquals("hello KEYCLOAK", starter.newUntypedWorkflowStub(id).getResult(60, TimeUnit.SECONDS, String.class));

        AuthorizationTest.unauthorized(() -> start(client(workerStubs, "ns1"), queue));
        AuthorizationTest.unauthorized(() -> start(client(workerStubs, "ns2"), queue));
        AuthorizationTest.unauthorized(() -> start(client(stubs("starter-ns1"), "ns2"), queue));
    }

    @Test
    void aKeycloakReaderReadsButCannotStart() {
        var reader = stubs("reader-ns1");
        assertEquals("ns1", reader.blockingStub().describeNamespace(DescribeNamespaceRequest.newBuilder()
                .setNamespace("ns1").build()).getNamespaceInfo().getName());
        reader.blockingStub().listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder().setNamespace("ns1").build());
        AuthorizationTest.unauthorized(() -> start(client(reader, "ns1"), "kc-reader"));
        AuthorizationTest.unauthorized(() -> reader.blockingStub().describeNamespace(DescribeNamespaceRequest.newBuilder()
                .setNamespace("ns2").build()));
    }

    @Test
    void aKeycloakAdminRegistersNamespaces() {
        var admin = stubs("ops-admin").blockingStub();
        admin.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace("kc-team")
                .setWorkflowExecutionRetentionPeriod(com.google.protobuf.Duration.newBuilder().setSeconds(86400)).build());
        assertTrue(admin.listNamespaces(ListNamespacesRequest.getDefaultInstance()).getNamespacesList().stream()
                .anyMatch(n -> n.getNamespaceInfo().getName().equals("kc-team")));
        AuthorizationTest.unauthorized(() -> stubs("starter-ns1").blockingStub().registerNamespace(RegisterNamespaceRequest.newBuilder()
                .setNamespace("kc-other").setWorkflowExecutionRetentionPeriod(
                        com.google.protobuf.Duration.newBuilder().setSeconds(86400)).build()));
    }
}
