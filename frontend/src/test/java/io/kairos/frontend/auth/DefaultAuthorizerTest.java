package io.kairos.frontend.auth;

import io.grpc.MethodDescriptor;
import io.kairos.frontend.OperatorServiceHandler;
import io.kairos.frontend.WorkflowServiceHandler;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Temporal's default authorizer at HEAD over its method metadata. */
class DefaultAuthorizerTest {
    private static final DefaultAuthorizer AUTH = new DefaultAuthorizer();
    private static final String WF = WorkflowServiceGrpc.SERVICE_NAME + "/";
    private static final String OP = OperatorServiceGrpc.SERVICE_NAME + "/";

    private static Claims ns(String namespace, int role) {
        return new Claims("s", 0, Map.of(namespace, role));
    }

    private static Claims system(int role) {
        return new Claims("s", role, Map.of());
    }

    private static boolean allows(Claims c, String method, String namespace) {
        return AUTH.allows(c, method, namespace);
    }

    @Test
    void everyServedRpcHasARule() {
        List<String> missing = new ArrayList<>();
        for (var pair : List.of(Map.entry(WorkflowServiceGrpc.getServiceDescriptor(), WorkflowServiceHandler.class),
                Map.entry(OperatorServiceGrpc.getServiceDescriptor(), OperatorServiceHandler.class))) {
            for (MethodDescriptor<?, ?> m : pair.getKey().getMethods()) {
                String java = Character.toLowerCase(m.getBareMethodName().charAt(0)) + m.getBareMethodName().substring(1);
                boolean served = List.of(pair.getValue().getDeclaredMethods())
                        .stream().anyMatch(x -> x.getName().equals(java) && x.getParameterCount() == 2);
                if (served && ApiAccess.of(m.getFullMethodName()) == null) {
                    missing.add(m.getFullMethodName());
                }
            }
        }
        assertEquals(List.of(), missing, "served RPCs without an authorization rule are denied to everyone");
    }

    @Test
    void tableHasTemporalsSizes() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        ApiAccess.all().forEach((m, r) -> counts.merge(m.substring(0, m.indexOf('/')) + " " + r.scope() + " " + r.access(),
                1L, Long::sum));
        // common/api/metadata.go at HEAD, counted per service, scope and access.
        assertEquals(Map.of(
                WF.replace("/", "") + " CLUSTER READ_ONLY", 4L,
                WF.replace("/", "") + " NAMESPACE ADMIN", 3L,
                WF.replace("/", "") + " NAMESPACE READ_ONLY", 46L,
                WF.replace("/", "") + " NAMESPACE WRITE", 70L,
                OP.replace("/", "") + " NAMESPACE READ_ONLY", 1L,
                OP.replace("/", "") + " NAMESPACE ADMIN", 3L,
                OP.replace("/", "") + " CLUSTER ADMIN", 8L), counts);
        assertEquals(new ApiAccess.Rule(ApiAccess.Scope.CLUSTER, ApiAccess.Access.READ_ONLY), ApiAccess.of(WF + "ListNamespaces"));
        assertEquals(new ApiAccess.Rule(ApiAccess.Scope.NAMESPACE, ApiAccess.Access.ADMIN), ApiAccess.of(WF + "RegisterNamespace"));
        assertEquals(new ApiAccess.Rule(ApiAccess.Scope.NAMESPACE, ApiAccess.Access.WRITE), ApiAccess.of(WF + "PollWorkflowTaskQueue"));
        assertEquals(new ApiAccess.Rule(ApiAccess.Scope.NAMESPACE, ApiAccess.Access.READ_ONLY), ApiAccess.of(WF + "PollWorkflowExecutionUpdate"));
        assertEquals(new ApiAccess.Rule(ApiAccess.Scope.NAMESPACE, ApiAccess.Access.ADMIN), ApiAccess.of(OP + "DeleteNamespace"));
        assertEquals(new ApiAccess.Rule(ApiAccess.Scope.CLUSTER, ApiAccess.Access.ADMIN), ApiAccess.of(OP + "ListClusters"));
        assertEquals(new ApiAccess.Rule(ApiAccess.Scope.NAMESPACE, ApiAccess.Access.READ_ONLY), ApiAccess.of(OP + "ListSearchAttributes"));
    }

    @Test
    void readerReadsButDoesNotWrite() {
        Claims reader = ns("ns1", Claims.ROLE_READER);
        for (String m : List.of("DescribeNamespace", "ListWorkflowExecutions", "CountWorkflowExecutions",
                "DescribeWorkflowExecution", "GetWorkflowExecutionHistory", "QueryWorkflow", "DescribeTaskQueue",
                "ListSchedules", "DescribeSchedule", "DescribeBatchOperation")) {
            assertTrue(allows(reader, WF + m, "ns1"), m);
            assertFalse(allows(reader, WF + m, "ns2"), m + " in another namespace");
        }
        for (String m : List.of("StartWorkflowExecution", "SignalWorkflowExecution", "TerminateWorkflowExecution",
                "PollWorkflowTaskQueue", "RespondActivityTaskCompleted", "CreateSchedule", "StartBatchOperation",
                "UpdateNamespace", "RegisterNamespace")) {
            assertFalse(allows(reader, WF + m, "ns1"), m);
        }
        assertTrue(allows(reader, OP + "ListSearchAttributes", "ns1"));
        assertFalse(allows(reader, OP + "AddSearchAttributes", "ns1"));
        // Cluster APIs need a system role.
        assertFalse(allows(reader, WF + "ListNamespaces", ""));
        assertFalse(allows(reader, WF + "GetClusterInfo", ""));
        assertFalse(allows(reader, WF + "GetSearchAttributes", ""));
    }

    @Test
    void writerDoesEverythingButAdministration() {
        Claims writer = ns("ns1", Claims.ROLE_WRITER);
        for (String m : List.of("StartWorkflowExecution", "PollWorkflowTaskQueue", "PollActivityTaskQueue",
                "RespondWorkflowTaskCompleted", "RespondQueryTaskCompleted", "ShutdownWorker", "ListWorkflowExecutions",
                "DescribeNamespace", "ExecuteMultiOperation", "UpdateWorkflowExecution", "PollWorkflowExecutionUpdate")) {
            assertTrue(allows(writer, WF + m, "ns1"), m);
            assertFalse(allows(writer, WF + m, "ns2"), m);
        }
        assertFalse(allows(writer, WF + "UpdateNamespace", "ns1"));
        assertFalse(allows(writer, OP + "DeleteNamespace", "ns1"));
        assertFalse(allows(writer, OP + "AddSearchAttributes", "ns1"));
    }

    /**
     * Temporal HEAD compares the bits as numbers, so worker (1) alone would reach neither read (2) nor write (4);
     * Kairos lets it make exactly the calls of an SDK worker, in its own namespace, and nothing else.
     */
    @Test
    void workerRunsWorkersAndNothingElse() {
        Claims worker = ns("ns1", Claims.ROLE_WORKER);
        List<String> allowed = new ArrayList<>();
        for (MethodDescriptor<?, ?> m : WorkflowServiceGrpc.getServiceDescriptor().getMethods()) {
            assertFalse(allows(worker, m.getFullMethodName(), "ns2") && !DefaultAuthorizer.isOpen(m.getFullMethodName()),
                    m.getFullMethodName() + " in another namespace");
            if (allows(worker, m.getFullMethodName(), "ns1")) {
                allowed.add(m.getBareMethodName());
            }
        }
        assertEquals(new java.util.TreeSet<>(List.of("GetSystemInfo", "DescribeNamespace", "GetWorkflowExecutionHistory",
                "PollWorkflowTaskQueue", "RespondWorkflowTaskCompleted", "RespondWorkflowTaskFailed",
                "PollActivityTaskQueue", "RecordActivityTaskHeartbeat", "RecordActivityTaskHeartbeatById",
                "RespondActivityTaskCompleted", "RespondActivityTaskCompletedById", "RespondActivityTaskFailed",
                "RespondActivityTaskFailedById", "RespondActivityTaskCanceled", "RespondActivityTaskCanceledById",
                "RespondQueryTaskCompleted", "ResetStickyTaskQueue", "ShutdownWorker", "RecordWorkerHeartbeat",
                "PollNexusTaskQueue", "RespondNexusTaskCompleted", "RespondNexusTaskFailed", "FetchWorkerConfig")),
                new java.util.TreeSet<>(allowed));
        for (MethodDescriptor<?, ?> m : OperatorServiceGrpc.getServiceDescriptor().getMethods()) {
            assertFalse(allows(worker, m.getFullMethodName(), "ns1"), m.getFullMethodName());
        }
        assertTrue(allows(ns("ns1", Claims.ROLE_WORKER | Claims.ROLE_READER), WF + "QueryWorkflow", "ns1"));
        assertFalse(allows(ns("ns1", Claims.ROLE_WORKER | Claims.ROLE_READER), WF + "StartWorkflowExecution", "ns1"));
        assertTrue(allows(ns("ns1", Claims.ROLE_WORKER | Claims.ROLE_WRITER), WF + "PollWorkflowTaskQueue", "ns1"));
        // A reader is not a worker.
        assertFalse(allows(ns("ns1", Claims.ROLE_READER), WF + "PollWorkflowTaskQueue", "ns1"));
        // temporal-system:worker runs workers in every namespace.
        assertTrue(allows(system(Claims.ROLE_WORKER), WF + "PollActivityTaskQueue", "any"));
        assertFalse(allows(system(Claims.ROLE_WORKER), WF + "StartWorkflowExecution", "any"));
    }

    @Test
    void namespaceAdmin() {
        Claims admin = ns("ns1", Claims.ROLE_ADMIN);
        assertTrue(allows(admin, WF + "RegisterNamespace", "ns1"));
        assertTrue(allows(admin, WF + "UpdateNamespace", "ns1"));
        assertTrue(allows(admin, WF + "DeprecateNamespace", "ns1"));
        assertTrue(allows(admin, OP + "DeleteNamespace", "ns1"));
        assertTrue(allows(admin, OP + "AddSearchAttributes", "ns1"));
        assertTrue(allows(admin, WF + "StartWorkflowExecution", "ns1"));
        assertFalse(allows(admin, WF + "RegisterNamespace", "ns2"));
        assertFalse(allows(admin, WF + "ListNamespaces", ""));
        assertFalse(allows(admin, OP + "ListClusters", ""));
    }

    @Test
    void systemRoles() {
        Claims sysRead = system(Claims.ROLE_READER);
        assertTrue(allows(sysRead, WF + "ListNamespaces", ""));
        assertTrue(allows(sysRead, WF + "GetClusterInfo", ""));
        assertTrue(allows(sysRead, WF + "DescribeWorkflowExecution", "any"));
        assertFalse(allows(sysRead, WF + "StartWorkflowExecution", "any"));
        assertFalse(allows(sysRead, OP + "ListClusters", ""));

        Claims sysWrite = system(Claims.ROLE_WRITER);
        assertTrue(allows(sysWrite, WF + "StartWorkflowExecution", "any"));
        assertTrue(allows(sysWrite, WF + "ListNamespaces", ""));
        assertFalse(allows(sysWrite, WF + "RegisterNamespace", "new"));
        assertFalse(allows(sysWrite, OP + "ListClusters", ""));

        Claims sysAdmin = system(Claims.ROLE_ADMIN);
        assertTrue(allows(sysAdmin, WF + "RegisterNamespace", "new"));
        assertTrue(allows(sysAdmin, OP + "ListClusters", ""));
        assertTrue(allows(sysAdmin, OP + "CreateNexusEndpoint", ""));
        assertTrue(allows(sysAdmin, OP + "DeleteNamespace", "any"));

        // System and namespace bits add up: system worker | namespace reader reads.
        assertTrue(allows(new Claims("s", Claims.ROLE_WORKER, Map.of("ns1", Claims.ROLE_READER)), WF + "QueryWorkflow", "ns1"));
    }

    @Test
    void noClaimsOrNoRuleIsDenied() {
        assertFalse(allows(null, WF + "DescribeNamespace", "ns1"));
        assertTrue(allows(null, WF + "GetSystemInfo", ""));
        assertTrue(allows(new Claims("s", 0, Map.of()), WF + "GetSystemInfo", ""));
        assertFalse(allows(system(Claims.ROLE_ADMIN), WF + "NoSuchMethod", "ns1"));
        assertNotNull(ApiAccess.of(WF + "GetSystemInfo"));
    }
}
