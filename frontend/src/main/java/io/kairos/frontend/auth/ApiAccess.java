package io.kairos.frontend.auth;

import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which role each API needs, by Temporal's method metadata (common/api/metadata.go at HEAD): the scope (one namespace,
 * or the whole cluster) and the access level. An API not listed has no scope and is denied to everyone, whatever
 * the caller's roles, as in Temporal.
 */
public final class ApiAccess {
    public enum Scope { NAMESPACE, CLUSTER }

    /** The role bits a caller needs, compared as numbers (worker, 1, reaches neither: see {@link #isWorkerApi}). */
    public enum Access {
        READ_ONLY(Claims.ROLE_READER), WRITE(Claims.ROLE_WRITER), ADMIN(Claims.ROLE_ADMIN);

        final int requiredRole;

        Access(int requiredRole) {
            this.requiredRole = requiredRole;
        }
    }

    public record Rule(Scope scope, Access access) {
    }

    private static final String WF = WorkflowServiceGrpc.SERVICE_NAME + "/";
    private static final String OP = OperatorServiceGrpc.SERVICE_NAME + "/";
    private static final Map<String, Rule> RULES = new HashMap<>();

    static {
        add(WF, Scope.CLUSTER, Access.READ_ONLY, List.of("GetClusterInfo", "GetSearchAttributes", "GetSystemInfo",
                "ListNamespaces"));
        add(WF, Scope.NAMESPACE, Access.ADMIN, List.of("RegisterNamespace", "UpdateNamespace", "DeprecateNamespace"));
        // Namespace and workflow reads, visibility, queries and long polls that only watch.
        add(WF, Scope.NAMESPACE, Access.READ_ONLY, List.of(
                "DescribeNamespace",
                "DescribeWorkflowExecution", "GetWorkflowExecutionHistory", "GetWorkflowExecutionHistoryReverse",
                "QueryWorkflow", "PollWorkflowExecutionUpdate", "PollWorkflowExecutionTimeSkipping",
                "ListWorkflowExecutions", "ListOpenWorkflowExecutions", "ListClosedWorkflowExecutions",
                "ListArchivedWorkflowExecutions", "ScanWorkflowExecutions", "CountWorkflowExecutions",
                "DescribeTaskQueue", "ListTaskQueuePartitions",
                "DescribeSchedule", "ListSchedules", "CountSchedules", "ListScheduleMatchingTimes",
                "DescribeBatchOperation", "ListBatchOperations",
                "DescribeActivityExecution", "ListActivityExecutions", "CountActivityExecutions", "PollActivityExecution",
                "DescribeNexusOperationExecution", "ListNexusOperationExecutions", "CountNexusOperationExecutions",
                "PollNexusOperationExecution",
                "GetWorkerBuildIdCompatibility", "GetWorkerVersioningRules", "GetWorkerTaskReachability",
                "DescribeDeployment", "ListDeployments", "GetDeploymentReachability", "GetCurrentDeployment",
                "DescribeWorkerDeployment", "DescribeWorkerDeploymentVersion", "ListWorkerDeployments",
                "ValidateWorkerDeploymentVersionComputeConfig",
                "DescribeWorkflowRule", "ListWorkflowRules",
                "ListWorkers", "CountWorkers", "DescribeWorker", "FetchWorkerConfig"));
        // Everything that changes state, including what workers do: polls, task responses, heartbeats.
        add(WF, Scope.NAMESPACE, Access.WRITE, List.of(
                "StartWorkflowExecution", "SignalWorkflowExecution", "SignalWithStartWorkflowExecution",
                "RequestCancelWorkflowExecution", "TerminateWorkflowExecution", "ResetWorkflowExecution",
                "DeleteWorkflowExecution", "UpdateWorkflowExecution", "ExecuteMultiOperation",
                "UpdateWorkflowExecutionOptions", "PauseWorkflowExecution", "UnpauseWorkflowExecution",
                "PollWorkflowTaskQueue", "RespondWorkflowTaskCompleted", "RespondWorkflowTaskFailed",
                "PollActivityTaskQueue", "RecordActivityTaskHeartbeat", "RecordActivityTaskHeartbeatById",
                "RespondActivityTaskCompleted", "RespondActivityTaskCompletedById", "RespondActivityTaskFailed",
                "RespondActivityTaskFailedById", "RespondActivityTaskCanceled", "RespondActivityTaskCanceledById",
                "RespondQueryTaskCompleted", "ResetStickyTaskQueue", "ShutdownWorker", "RecordWorkerHeartbeat",
                "PollNexusTaskQueue", "RespondNexusTaskCompleted", "RespondNexusTaskFailed",
                "UpdateActivityOptions", "PauseActivity", "UnpauseActivity", "ResetActivity",
                "StartActivityExecution", "RequestCancelActivityExecution", "TerminateActivityExecution",
                "DeleteActivityExecution", "UpdateActivityExecutionOptions", "PauseActivityExecution",
                "UnpauseActivityExecution", "ResetActivityExecution",
                "StartNexusOperationExecution", "RequestCancelNexusOperationExecution",
                "TerminateNexusOperationExecution", "DeleteNexusOperationExecution",
                "CreateSchedule", "UpdateSchedule", "PatchSchedule", "DeleteSchedule",
                "StartBatchOperation", "StopBatchOperation",
                "UpdateTaskQueueConfig", "UpdateWorkerConfig",
                "UpdateWorkerBuildIdCompatibility", "UpdateWorkerVersioningRules", "SetCurrentDeployment",
                "SetWorkerDeploymentCurrentVersion", "SetWorkerDeploymentRampingVersion", "SetWorkerDeploymentManager",
                "CreateWorkerDeployment", "DeleteWorkerDeployment", "CreateWorkerDeploymentVersion",
                "DeleteWorkerDeploymentVersion", "UpdateWorkerDeploymentVersionComputeConfig",
                "UpdateWorkerDeploymentVersionMetadata",
                "CreateWorkflowRule", "DeleteWorkflowRule", "TriggerWorkflowRule"));

        add(OP, Scope.NAMESPACE, Access.READ_ONLY, List.of("ListSearchAttributes"));
        add(OP, Scope.NAMESPACE, Access.ADMIN, List.of("AddSearchAttributes", "RemoveSearchAttributes",
                "DeleteNamespace"));
        add(OP, Scope.CLUSTER, Access.ADMIN, List.of("AddOrUpdateRemoteCluster", "RemoveRemoteCluster", "ListClusters",
                "CreateNexusEndpoint", "UpdateNexusEndpoint", "DeleteNexusEndpoint", "GetNexusEndpoint",
                "ListNexusEndpoints"));
    }

    /**
     * What the worker role opens beyond Temporal: the calls an SDK worker makes (polls, task responses, heartbeats,
     * the namespace check at start, history for a sticky-cache miss). Temporal defines {@code <ns>:worker} but its
     * default authorizer lets it do nothing (1 is below reader); Kairos lets it run workers and nothing else.
     */
    private static final Set<String> WORKER_APIS = Set.of(
            "PollWorkflowTaskQueue", "RespondWorkflowTaskCompleted", "RespondWorkflowTaskFailed",
            "PollActivityTaskQueue", "RecordActivityTaskHeartbeat", "RecordActivityTaskHeartbeatById",
            "RespondActivityTaskCompleted", "RespondActivityTaskCompletedById", "RespondActivityTaskFailed",
            "RespondActivityTaskFailedById", "RespondActivityTaskCanceled", "RespondActivityTaskCanceledById",
            "RespondQueryTaskCompleted", "ResetStickyTaskQueue", "ShutdownWorker", "RecordWorkerHeartbeat",
            "PollNexusTaskQueue", "RespondNexusTaskCompleted", "RespondNexusTaskFailed", "FetchWorkerConfig",
            "DescribeNamespace", "GetWorkflowExecutionHistory").stream()
            .map(m -> WF + m).collect(java.util.stream.Collectors.toUnmodifiableSet());

    private ApiAccess() {
    }

    /** Whether the worker role alone may call this API (see {@link #WORKER_APIS}). */
    public static boolean isWorkerApi(String fullMethodName) {
        return WORKER_APIS.contains(fullMethodName);
    }

    private static void add(String service, Scope scope, Access access, List<String> methods) {
        for (String m : methods) {
            if (RULES.put(service + m, new Rule(scope, access)) != null) {
                throw new IllegalStateException("listed twice: " + m);
            }
        }
    }

    static Map<String, Rule> all() {
        return Map.copyOf(RULES);
    }

    /** The rule of a full gRPC method name ({@code package.Service/Method}), or null when the API is not listed. */
    public static Rule of(String fullMethodName) {
        return RULES.get(fullMethodName);
    }
}
