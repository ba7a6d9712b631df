package io.kairos.e2e;

import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.temporal.api.workflowservice.v1.GetClusterInfoRequest;
import io.temporal.api.workflowservice.v1.GetClusterInfoResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.kairos.e2e.Clients.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GetSystemInfo, GetClusterInfo, health, reflection and UNIMPLEMENTED for RPCs not built yet. */
class ServerInfoTest {
    private static ServerProcess server;
    private static Clients clients;

    @BeforeAll
    static void startServer() {
        int port = ServerProcess.freePort();
        server = ServerProcess.launch("server-info", List.of("dev", "--ephemeral", "--port", Integer.toString(port)))
                .awaitReady();
        clients = new Clients(port);
    }

    @AfterAll
    static void stopServer() {
        if (clients != null) {
            clients.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void systemInfoClaimsOnlyWhatWorks() {
        GetSystemInfoResponse info = clients.workflow.blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
        assertTrue(info.getServerVersion().matches("\\d+\\.\\d+\\.\\d+"), info.getServerVersion());
        GetSystemInfoResponse.Capabilities c = info.getCapabilities();
        assertTrue(c.getInternalErrorDifferentiation());
        assertTrue(c.getActivityFailureIncludeHeartbeat());
        assertTrue(c.getEncodedFailureAttributes());
        assertTrue(c.getSdkMetadata());
        assertTrue(c.getUpsertMemo());
        assertTrue(c.getSupportsSchedules());
        assertTrue(c.getEagerWorkflowStart());
        assertTrue(c.getSignalAndQueryHeader());
        assertTrue(c.getCountGroupByExecutionStatus());
        assertTrue(c.getNexus());
        // The SDK keeps what it learned at connect time.
        assertEquals(info.getCapabilities(), clients.workflow.getServerCapabilities().get());
    }

    @Test
    void clusterInfo() {
        GetClusterInfoResponse info = clients.workflow.blockingStub().getClusterInfo(GetClusterInfoRequest.getDefaultInstance());
        assertEquals("active", info.getClusterName());
        assertEquals(4, info.getHistoryShardCount());
        assertEquals("postgres12", info.getPersistenceStore());
        assertEquals("postgres12", info.getVisibilityStore());
        UUID.fromString(info.getClusterId());
        assertFalse(info.getServerVersion().isEmpty());
        assertEquals("<2.0.0", info.getSupportedClientsMap().get("temporal-java"));
    }

    @Test
    void healthReportsServing() {
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, clients.workflow.healthCheck().getStatus());
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(clients.workflow.getRawChannel());
        for (String service : List.of("temporal.api.workflowservice.v1.WorkflowService",
                "temporal.api.operatorservice.v1.OperatorService", "")) {
            assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                    health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus(), service);
        }
        assertStatus(Status.Code.NOT_FOUND,
                () -> health.check(HealthCheckRequest.newBuilder().setService("no.such.Service").build()));
    }

    @Test
    void reflectionListsTheServices() throws Exception {
        CompletableFuture<Set<String>> result = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(clients.workflow.getRawChannel())
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse r) {
                        result.complete(r.getListServicesResponse().getServiceList().stream()
                                .map(ServiceResponse::getName).collect(Collectors.toSet()));
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        Set<String> services = result.get(10, TimeUnit.SECONDS);
        requests.onCompleted();
        assertTrue(services.containsAll(Set.of("temporal.api.workflowservice.v1.WorkflowService",
                "temporal.api.operatorservice.v1.OperatorService", "grpc.health.v1.Health")), services.toString());
    }

    @Test
    void rpcsNotBuiltYetAreUnimplemented() {
        assertStatus(Status.Code.UNIMPLEMENTED, () -> clients.workflow.blockingStub().pauseWorkflowExecution(
                io.temporal.api.workflowservice.v1.PauseWorkflowExecutionRequest.newBuilder().setNamespace("default")
                        .setWorkflowId("w").build()));
        assertStatus(Status.Code.UNIMPLEMENTED, () -> clients.operator.blockingStub().listClusters(
                io.temporal.api.operatorservice.v1.ListClustersRequest.newBuilder().build()));
    }
}
