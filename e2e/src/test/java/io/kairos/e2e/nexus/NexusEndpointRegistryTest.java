package io.kairos.e2e.nexus;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.e2e.Clients;
import io.kairos.e2e.ServerProcess;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.errordetails.v1.NotFoundFailure;
import io.temporal.api.nexus.v1.Endpoint;
import io.temporal.api.nexus.v1.EndpointSpec;
import io.temporal.api.nexus.v1.EndpointTarget;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.DeleteNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.GetNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsRequest;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsResponse;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.operatorservice.v1.UpdateNexusEndpointRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static io.kairos.e2e.Clients.assertStatus;
import static io.kairos.e2e.Clients.detail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OperatorService's Nexus endpoint registry through the Java SDK's stubs: CRUD, conflict versions, paging, checks. */
class NexusEndpointRegistryTest {
    private static ServerProcess server;
    private static Clients clients;
    private static OperatorServiceGrpc.OperatorServiceBlockingStub api;

    @BeforeAll
    static void startServer() {
        int port = ServerProcess.freePort();
        server = ServerProcess.launch("nexus-registry", List.of("dev", "--ephemeral", "--port", Integer.toString(port)))
                .awaitReady();
        clients = new Clients(port);
        api = clients.operator.blockingStub();
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

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static EndpointSpec workerSpec(String name, String queue) {
        return EndpointSpec.newBuilder().setName(name).setTarget(EndpointTarget.newBuilder()
                .setWorker(EndpointTarget.Worker.newBuilder().setNamespace("default").setTaskQueue(queue))).build();
    }

    private static Endpoint create(EndpointSpec spec) {
        return api.createNexusEndpoint(CreateNexusEndpointRequest.newBuilder().setSpec(spec).build()).getEndpoint();
    }

    @Test
    void createGetUpdateDelete() {
        String name = unique("orders");
        Payload description = Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                .setData(ByteString.copyFromUtf8("\"the orders service\"")).build();
        Endpoint created = create(workerSpec(name, "orders-q").toBuilder().setDescription(description).build());
        assertEquals(1, created.getVersion());
        assertEquals(name, created.getSpec().getName());
        assertEquals("default", created.getSpec().getTarget().getWorker().getNamespace());
        assertEquals("orders-q", created.getSpec().getTarget().getWorker().getTaskQueue());
        assertEquals(description, created.getSpec().getDescription());
        assertTrue(created.hasCreatedTime());
        assertFalse(created.hasLastModifiedTime(), "set only once modified");
        assertEquals("/nexus/endpoints/" + created.getId() + "/services", created.getUrlPrefix());

        Endpoint got = api.getNexusEndpoint(GetNexusEndpointRequest.newBuilder().setId(created.getId()).build())
                .getEndpoint();
        assertEquals(created, got);

        Endpoint updated = api.updateNexusEndpoint(UpdateNexusEndpointRequest.newBuilder().setId(created.getId())
                .setVersion(1).setSpec(workerSpec(name, "orders-q2")).build()).getEndpoint();
        assertEquals(2, updated.getVersion());
        assertEquals("orders-q2", updated.getSpec().getTarget().getWorker().getTaskQueue());
        assertFalse(updated.getSpec().hasDescription());
        assertEquals(created.getCreatedTime(), updated.getCreatedTime());
        assertTrue(updated.hasLastModifiedTime());

        // A stale version is a conflict.
        StatusRuntimeException stale = assertStatus(Status.Code.FAILED_PRECONDITION, "nexus endpoint version mismatch. "
                + "received: 1 expected 2", () -> api.updateNexusEndpoint(UpdateNexusEndpointRequest.newBuilder()
                .setId(created.getId()).setVersion(1).setSpec(workerSpec(name, "other")).build()));
        assertTrue(stale.getMessage().contains("received: 1"));

        api.deleteNexusEndpoint(DeleteNexusEndpointRequest.newBuilder().setId(created.getId()).setVersion(2).build());
        StatusRuntimeException gone = assertStatus(Status.Code.NOT_FOUND, "Nexus endpoint with ID `" + created.getId()
                + "` not found", () -> api.getNexusEndpoint(GetNexusEndpointRequest.newBuilder()
                .setId(created.getId()).build()));
        detail(gone, NotFoundFailure.class);
        assertStatus(Status.Code.NOT_FOUND, "error deleting nexus endpoint with ID: " + created.getId(),
                () -> api.deleteNexusEndpoint(DeleteNexusEndpointRequest.newBuilder().setId(created.getId())
                        .setVersion(2).build()));
        assertStatus(Status.Code.NOT_FOUND, "error updating Nexus endpoint. endpoint ID " + created.getId()
                + " not found", () -> api.updateNexusEndpoint(UpdateNexusEndpointRequest.newBuilder()
                .setId(created.getId()).setVersion(2).setSpec(workerSpec(name, "q")).build()));
    }

    @Test
    void namesAreUnique() {
        String name = unique("dup");
        Endpoint first = create(workerSpec(name, "q1"));
        assertStatus(Status.Code.ALREADY_EXISTS, "error creating Nexus endpoint. Endpoint with name " + name
                + " already registered", () -> create(workerSpec(name, "q2")));
        Endpoint other = create(workerSpec(unique("other"), "q3"));
        assertStatus(Status.Code.ALREADY_EXISTS, "already registered", () -> api.updateNexusEndpoint(
                UpdateNexusEndpointRequest.newBuilder().setId(other.getId()).setVersion(1)
                        .setSpec(workerSpec(name, "q3")).build()));
        // The name filter finds exactly the one endpoint, or none.
        ListNexusEndpointsResponse byName = api.listNexusEndpoints(ListNexusEndpointsRequest.newBuilder()
                .setName(name).build());
        assertEquals(List.of(first), byName.getEndpointsList());
        assertEquals(0, api.listNexusEndpoints(ListNexusEndpointsRequest.newBuilder().setName(unique("none")).build())
                .getEndpointsCount());
    }

    @Test
    void externalTargetsAndListPaging() {
        Set<String> mine = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            mine.add(create(EndpointSpec.newBuilder().setName(unique("ext")).setTarget(EndpointTarget.newBuilder()
                    .setExternal(EndpointTarget.External.newBuilder().setUrl("https://nexus.example.com/" + i)))
                    .build()).getId());
        }
        Set<String> seen = new HashSet<>();
        ByteString token = ByteString.EMPTY;
        int pages = 0;
        do {
            ListNexusEndpointsResponse page = api.listNexusEndpoints(ListNexusEndpointsRequest.newBuilder()
                    .setPageSize(2).setNextPageToken(token).build());
            assertTrue(page.getEndpointsCount() <= 2);
            page.getEndpointsList().forEach(e -> assertTrue(seen.add(e.getId()), "listed twice: " + e.getId()));
            token = page.getNextPageToken();
            pages++;
        } while (!token.isEmpty() && pages < 100);
        assertTrue(seen.containsAll(mine), "every endpoint is listed once");
        assertStatus(Status.Code.INVALID_ARGUMENT, "page_size exceeds limit of 1000",
                () -> api.listNexusEndpoints(ListNexusEndpointsRequest.newBuilder().setPageSize(1001).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "page_size is negative",
                () -> api.listNexusEndpoints(ListNexusEndpointsRequest.newBuilder().setPageSize(-1).build()));
    }

    @Test
    void invalidSpecsAreRefusedWithEveryIssue() {
        assertStatus(Status.Code.INVALID_ARGUMENT, "endpoint name not set, empty target variant",
                () -> create(EndpointSpec.getDefaultInstance()));
        assertStatus(Status.Code.INVALID_ARGUMENT,
                "endpoint name must match the regex: \"^[a-zA-Z][a-zA-Z0-9\\\\-]*[a-zA-Z0-9]$\", "
                        + "invalid target task queue: \"taskQueue is not set\"",
                () -> create(workerSpec("1bad_name", "")));
        assertStatus(Status.Code.INVALID_ARGUMENT, "endpoint name exceeds length limit of 200",
                () -> create(workerSpec("a" + "b".repeat(200), "q")));
        assertStatus(Status.Code.INVALID_ARGUMENT, "task queue name cannot start with reserved prefix /_sys/",
                () -> create(workerSpec(unique("sys"), "/_sys/q")));
        assertStatus(Status.Code.FAILED_PRECONDITION, "could not verify namespace referenced by target exists: "
                + "Namespace no-such-ns is not found.", () -> create(EndpointSpec.newBuilder().setName(unique("ns"))
                .setTarget(EndpointTarget.newBuilder().setWorker(EndpointTarget.Worker.newBuilder()
                        .setNamespace("no-such-ns").setTaskQueue("q"))).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "invalid target URL scheme: \"ftp\", expected http or https",
                () -> create(EndpointSpec.newBuilder().setName(unique("ftp")).setTarget(EndpointTarget.newBuilder()
                        .setExternal(EndpointTarget.External.newBuilder().setUrl("ftp://x/y"))).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "description size exceeds limit of 20000",
                () -> create(workerSpec(unique("big"), "q").toBuilder().setDescription(Payload.newBuilder()
                        .setData(ByteString.copyFrom(new byte[20001]))).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "endpoint ID not set",
                () -> api.getNexusEndpoint(GetNexusEndpointRequest.getDefaultInstance()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "malformed endpoint ID",
                () -> api.getNexusEndpoint(GetNexusEndpointRequest.newBuilder().setId("not-a-uuid").build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "endpoint version is non-positive",
                () -> api.deleteNexusEndpoint(DeleteNexusEndpointRequest.newBuilder()
                        .setId(UUID.randomUUID().toString()).build()));
        // Nothing of the refused requests was stored.
        assertEquals(0, api.listNexusEndpoints(ListNexusEndpointsRequest.newBuilder().setName("1bad_name").build())
                .getEndpointsCount());
    }
}
