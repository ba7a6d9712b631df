package io.kairos.e2e;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.NamespaceState;
import io.temporal.api.errordetails.v1.NamespaceAlreadyExistsFailure;
import io.temporal.api.errordetails.v1.NamespaceInvalidStateFailure;
import io.temporal.api.errordetails.v1.NamespaceNotFoundFailure;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.namespace.v1.NamespaceFilter;
import io.temporal.api.namespace.v1.UpdateNamespaceInfo;
import io.temporal.api.operatorservice.v1.DeleteNamespaceRequest;
import io.temporal.api.operatorservice.v1.DeleteNamespaceResponse;
import io.temporal.api.workflowservice.v1.DeprecateNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.ListNamespacesRequest;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.api.workflowservice.v1.UpdateNamespaceRequest;
import io.temporal.api.workflowservice.v1.UpdateNamespaceResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static io.kairos.e2e.Clients.assertStatus;
import static io.kairos.e2e.Clients.detail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every namespace RPC and its error cases, through the official Java SDK's service stubs. */
class NamespaceApiTest {
    private static ServerProcess server;
    private static Clients clients;
    private static WorkflowServiceGrpc.WorkflowServiceBlockingStub api;

    @BeforeAll
    static void startServer() {
        int port = ServerProcess.freePort();
        server = ServerProcess.launch("namespace-api", List.of("dev", "--ephemeral", "--port", Integer.toString(port)))
                .awaitReady();
        clients = new Clients(port);
        api = clients.workflow.blockingStub();
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

    private static Duration hours(long h) {
        return Duration.newBuilder().setSeconds(h * 3600).build();
    }

    private static void register(String name) {
        api.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(name)
                .setWorkflowExecutionRetentionPeriod(hours(24)).build());
    }

    private static DescribeNamespaceResponse describe(String name) {
        return api.describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(name).build());
    }

    @Test
    void registerThenDescribeByNameAndById() {
        String name = unique("orders");
        api.registerNamespace(RegisterNamespaceRequest.newBuilder()
                .setNamespace(name)
                .setDescription("order processing")
                .setOwnerEmail("team@example.com")
                .putData("tier", "gold")
                .setWorkflowExecutionRetentionPeriod(hours(72))
                .build());

        DescribeNamespaceResponse byName = describe(name);
        assertEquals(name, byName.getNamespaceInfo().getName());
        assertEquals(NamespaceState.NAMESPACE_STATE_REGISTERED, byName.getNamespaceInfo().getState());
        assertEquals("order processing", byName.getNamespaceInfo().getDescription());
        assertEquals("team@example.com", byName.getNamespaceInfo().getOwnerEmail());
        assertEquals("gold", byName.getNamespaceInfo().getDataMap().get("tier"));
        assertEquals(72 * 3600, byName.getConfig().getWorkflowExecutionRetentionTtl().getSeconds());
        assertEquals("active", byName.getReplicationConfig().getActiveClusterName());
        assertFalse(byName.getIsGlobalNamespace());
        UUID.fromString(byName.getNamespaceInfo().getId());

        DescribeNamespaceResponse byId = api.describeNamespace(
                DescribeNamespaceRequest.newBuilder().setId(byName.getNamespaceInfo().getId()).build());
        assertEquals(byName, byId);
    }

    @Test
    void devServerCreatesDefaultAndSystemNamespaces() {
        assertEquals(24 * 3600, describe("default").getConfig().getWorkflowExecutionRetentionTtl().getSeconds());
        DescribeNamespaceResponse system = describe("temporal-system");
        assertEquals("32049b68-7872-4094-8e63-d0dd59896a83", system.getNamespaceInfo().getId());
        assertEquals(7 * 24 * 3600, system.getConfig().getWorkflowExecutionRetentionTtl().getSeconds());
    }

    @Test
    void registerDuplicateIsAlreadyExists() {
        String name = unique("dup");
        register(name);
        StatusRuntimeException e = assertStatus(Status.Code.ALREADY_EXISTS, "Namespace \"" + name + "\" already exists",
                () -> register(name));
        detail(e, NamespaceAlreadyExistsFailure.class);
    }

    @Test
    void registerValidatesRetention() {
        assertStatus(Status.Code.INVALID_ARGUMENT, "A valid retention period is not set on request.",
                () -> api.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(unique("noret")).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "A valid retention period is not set on request.",
                () -> api.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(unique("short"))
                        .setWorkflowExecutionRetentionPeriod(Duration.newBuilder().setSeconds(3599)).build()));
        String exactlyOneHour = unique("onehour");
        api.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(exactlyOneHour)
                .setWorkflowExecutionRetentionPeriod(hours(1)).build());
        assertEquals(3600, describe(exactlyOneHour).getConfig().getWorkflowExecutionRetentionTtl().getSeconds());
    }

    @Test
    void registerValidatesName() {
        assertStatus(Status.Code.INVALID_ARGUMENT, "Namespace not set on request.",
                () -> api.registerNamespace(RegisterNamespaceRequest.newBuilder()
                        .setWorkflowExecutionRetentionPeriod(hours(24)).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "Namespace length exceeds limit.", () -> register("n".repeat(1001)));
        assertStatus(Status.Code.INVALID_ARGUMENT, "invalid characters", () -> register("has space"));
        assertStatus(Status.Code.INVALID_ARGUMENT, "invalid characters", () -> register("slash/name"));
        assertStatus(Status.Code.INVALID_ARGUMENT, "invalid characters", () -> register("-leading-dash"));
        String longest = "n".repeat(1000);
        register(longest);
        assertEquals(longest, describe(longest).getNamespaceInfo().getName());
    }

    @Test
    void registerRefusesGlobalNamespaces() {
        assertStatus(Status.Code.INVALID_ARGUMENT, "Cannot register global namespace when not enabled",
                () -> api.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(unique("global"))
                        .setIsGlobalNamespace(true).setWorkflowExecutionRetentionPeriod(hours(24)).build()));
    }

    @Test
    void describeErrors() {
        String missing = unique("missing");
        StatusRuntimeException e = assertStatus(Status.Code.NOT_FOUND, "Namespace " + missing + " is not found.",
                () -> describe(missing));
        assertEquals(missing, detail(e, NamespaceNotFoundFailure.class).getNamespace());

        String missingId = UUID.randomUUID().toString();
        StatusRuntimeException byId = assertStatus(Status.Code.NOT_FOUND,
                () -> api.describeNamespace(DescribeNamespaceRequest.newBuilder().setId(missingId).build()));
        assertEquals(missingId, detail(byId, NamespaceNotFoundFailure.class).getNamespace());

        assertStatus(Status.Code.INVALID_ARGUMENT, "Namespace not set on request.",
                () -> api.describeNamespace(DescribeNamespaceRequest.getDefaultInstance()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "not a UUID",
                () -> api.describeNamespace(DescribeNamespaceRequest.newBuilder().setId("not-a-uuid").build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "Both ID and Name",
                () -> api.describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace("default")
                        .setId(UUID.randomUUID().toString()).build()));
    }

    @Test
    void listPagesThroughEveryNamespace() {
        Set<String> mine = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            String n = unique("list" + i);
            register(n);
            mine.add(n);
        }
        List<String> seen = new ArrayList<>();
        ByteString token = ByteString.EMPTY;
        int pages = 0;
        do {
            ListNamespacesResponse page = api.listNamespaces(ListNamespacesRequest.newBuilder()
                    .setPageSize(2).setNextPageToken(token).build());
            assertTrue(page.getNamespacesCount() <= 2);
            page.getNamespacesList().forEach(ns -> seen.add(ns.getNamespaceInfo().getName()));
            token = page.getNextPageToken();
            pages++;
        } while (!token.isEmpty() && pages < 1000);
        assertEquals(new HashSet<>(seen).size(), seen.size(), "no namespace twice: " + seen);
        assertTrue(seen.containsAll(mine), "all registered namespaces listed: " + seen);
        assertTrue(seen.contains("default") && seen.contains("temporal-system"));
        assertTrue(pages >= 4);

        ListNamespacesResponse defaults = api.listNamespaces(ListNamespacesRequest.getDefaultInstance());
        assertTrue(defaults.getNamespacesCount() >= 7);
        assertStatus(Status.Code.INVALID_ARGUMENT,
                () -> api.listNamespaces(ListNamespacesRequest.newBuilder().setPageSize(-1).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> api.listNamespaces(ListNamespacesRequest.newBuilder()
                .setNextPageToken(ByteString.copyFromUtf8("garbage")).build()));
    }

    @Test
    void updateChangesInfoAndConfig() {
        String name = unique("upd");
        api.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(name).setDescription("before")
                .putData("a", "1").setWorkflowExecutionRetentionPeriod(hours(24)).build());
        UpdateNamespaceResponse r = api.updateNamespace(UpdateNamespaceRequest.newBuilder()
                .setNamespace(name)
                .setUpdateInfo(UpdateNamespaceInfo.newBuilder().setDescription("after").setOwnerEmail("o@example.com")
                        .putData("b", "2"))
                .setConfig(NamespaceConfig.newBuilder().setWorkflowExecutionRetentionTtl(hours(48)))
                .build());
        assertEquals("after", r.getNamespaceInfo().getDescription());
        assertEquals(48 * 3600, r.getConfig().getWorkflowExecutionRetentionTtl().getSeconds());

        DescribeNamespaceResponse d = describe(name);
        assertEquals("after", d.getNamespaceInfo().getDescription());
        assertEquals("o@example.com", d.getNamespaceInfo().getOwnerEmail());
        assertEquals("1", d.getNamespaceInfo().getDataMap().get("a"), "data is merged, not replaced");
        assertEquals("2", d.getNamespaceInfo().getDataMap().get("b"));
        assertEquals(48 * 3600, d.getConfig().getWorkflowExecutionRetentionTtl().getSeconds());

        // An update that changes nothing is not an error.
        UpdateNamespaceResponse same = api.updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace(name).build());
        assertEquals("after", same.getNamespaceInfo().getDescription());
    }

    @Test
    void updateErrors() {
        String name = unique("upderr");
        register(name);
        assertStatus(Status.Code.INVALID_ARGUMENT, "A valid retention period is not set on request.",
                () -> api.updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace(name)
                        .setConfig(NamespaceConfig.newBuilder().setWorkflowExecutionRetentionTtl(
                                Duration.newBuilder().setSeconds(60))).build()));
        String missing = unique("nope");
        StatusRuntimeException nf = assertStatus(Status.Code.NOT_FOUND,
                () -> api.updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace(missing).build()));
        assertEquals(missing, detail(nf, NamespaceNotFoundFailure.class).getNamespace());
        assertStatus(Status.Code.INVALID_ARGUMENT, "Namespace not set on request.",
                () -> api.updateNamespace(UpdateNamespaceRequest.getDefaultInstance()));

        api.deprecateNamespace(DeprecateNamespaceRequest.newBuilder().setNamespace(name).build());
        assertStatus(Status.Code.INVALID_ARGUMENT, "Invalid namespace state update.",
                () -> api.updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace(name)
                        .setUpdateInfo(UpdateNamespaceInfo.newBuilder().setState(NamespaceState.NAMESPACE_STATE_REGISTERED))
                        .build()));
    }

    @Test
    void deprecateKeepsTheNameTaken() {
        String name = unique("old");
        register(name);
        api.deprecateNamespace(DeprecateNamespaceRequest.newBuilder().setNamespace(name).build());
        assertEquals(NamespaceState.NAMESPACE_STATE_DEPRECATED, describe(name).getNamespaceInfo().getState());
        api.deprecateNamespace(DeprecateNamespaceRequest.newBuilder().setNamespace(name).build());
        assertStatus(Status.Code.ALREADY_EXISTS, () -> register(name));
        assertStatus(Status.Code.NOT_FOUND,
                () -> api.deprecateNamespace(DeprecateNamespaceRequest.newBuilder().setNamespace(unique("x")).build()));
    }

    @Test
    void deleteRenamesAndFreesTheName() {
        String name = unique("gone");
        register(name);
        String id = describe(name).getNamespaceInfo().getId();

        DeleteNamespaceResponse r = clients.operator.blockingStub().deleteNamespace(
                DeleteNamespaceRequest.newBuilder().setNamespace(name).build());
        String deletedName = name + "-deleted-" + id.substring(0, 5);
        assertEquals(deletedName, r.getDeletedNamespace());

        assertStatus(Status.Code.NOT_FOUND, () -> describe(name));
        DescribeNamespaceResponse byId = api.describeNamespace(DescribeNamespaceRequest.newBuilder().setId(id).build());
        assertEquals(NamespaceState.NAMESPACE_STATE_DELETED, byId.getNamespaceInfo().getState());
        assertEquals(deletedName, byId.getNamespaceInfo().getName());

        // Changing a deleted namespace is refused with Temporal's invalid-state detail.
        StatusRuntimeException e = assertStatus(Status.Code.FAILED_PRECONDITION,
                "Namespace has invalid state: Deleted. Must be Registered or Deprecated.",
                () -> api.updateNamespace(UpdateNamespaceRequest.newBuilder().setNamespace(deletedName).build()));
        assertEquals(NamespaceState.NAMESPACE_STATE_DELETED, detail(e, NamespaceInvalidStateFailure.class).getState());

        // Listing hides it unless asked.
        assertFalse(allNames(false).contains(deletedName));
        assertTrue(allNames(true).contains(deletedName));

        // The name is free again, with a new id; deleting by id is idempotent.
        register(name);
        assertFalse(describe(name).getNamespaceInfo().getId().equals(id));
        assertEquals(deletedName, clients.operator.blockingStub().deleteNamespace(
                DeleteNamespaceRequest.newBuilder().setNamespaceId(id).build()).getDeletedNamespace());
    }

    @Test
    void deleteErrors() {
        var op = clients.operator.blockingStub();
        assertStatus(Status.Code.FAILED_PRECONDITION, "unable to delete system namespace",
                () -> op.deleteNamespace(DeleteNamespaceRequest.newBuilder().setNamespace("temporal-system").build()));
        String missing = unique("ghost");
        StatusRuntimeException e = assertStatus(Status.Code.NOT_FOUND,
                () -> op.deleteNamespace(DeleteNamespaceRequest.newBuilder().setNamespace(missing).build()));
        assertEquals(missing, detail(e, NamespaceNotFoundFailure.class).getNamespace());
        assertStatus(Status.Code.INVALID_ARGUMENT, "Namespace not set on request.",
                () -> op.deleteNamespace(DeleteNamespaceRequest.getDefaultInstance()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "Only one of namespace name or Id should be set on request.",
                () -> op.deleteNamespace(DeleteNamespaceRequest.newBuilder().setNamespace("default")
                        .setNamespaceId(UUID.randomUUID().toString()).build()));
    }

    private static Set<String> allNames(boolean includeDeleted) {
        Set<String> names = new HashSet<>();
        ByteString token = ByteString.EMPTY;
        do {
            ListNamespacesResponse page = api.listNamespaces(ListNamespacesRequest.newBuilder().setPageSize(50)
                    .setNextPageToken(token)
                    .setNamespaceFilter(NamespaceFilter.newBuilder().setIncludeDeleted(includeDeleted)).build());
            page.getNamespacesList().forEach(ns -> names.add(ns.getNamespaceInfo().getName()));
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return names;
    }
}
