package io.kairos.frontend.workflow;

import io.temporal.api.enums.v1.BuildIdTaskReachability;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;

import java.util.function.ToLongFunction;

/**
 * {@code report_task_reachability} of ENHANCED DescribeTaskQueue, computed as Temporal does for a queue without
 * versioning rules (Kairos has none): the unversioned build id "" is the default assignment target, so REACHABLE;
 * another build id is REACHABLE if a running workflow of the queue is assigned to it, CLOSED_WORKFLOWS_ONLY if a
 * closed one ran on it, else UNREACHABLE, asked of visibility with Temporal's BuildIds queries.
 */
final class TaskReachability {
    /** Temporal's limit.reachabilityQueryBuildIds. */
    static final int BUILD_ID_LIMIT = 5;

    /** CountWorkflowExecutions; null without a visibility database. */
    private final ToLongFunction<CountWorkflowExecutionsRequest> count;

    TaskReachability(ToLongFunction<CountWorkflowExecutionsRequest> count) {
        this.count = count;
    }

    BuildIdTaskReachability of(String namespace, String taskQueue, String buildId) {
        if (buildId.isEmpty()) {
            return BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_REACHABLE;
        }
        if (count == null) {
            return BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_UNSPECIFIED;
        }
        if (exists(namespace, taskQueue, "assigned:" + buildId, true)) {
            return BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_REACHABLE;
        }
        if (exists(namespace, taskQueue, "versioned:" + buildId, false)) {
            return BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_CLOSED_WORKFLOWS_ONLY;
        }
        return BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_UNREACHABLE;
    }

    private boolean exists(String namespace, String taskQueue, String buildIdsValue, boolean open) {
        String query = "TaskQueue = " + quote(taskQueue) + " AND BuildIds IN (" + quote(buildIdsValue) + ")"
                + (open ? " AND ExecutionStatus = \"Running\"" : " AND ExecutionStatus != \"Running\"");
        return count.applyAsLong(CountWorkflowExecutionsRequest.newBuilder().setNamespace(namespace).setQuery(query)
                .build()) > 0;
    }

    private static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
