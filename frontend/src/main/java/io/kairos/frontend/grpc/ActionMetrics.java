package io.kairos.frontend.grpc;

import io.kairos.common.metrics.MetricNames;
import io.kairos.common.metrics.ServiceRequestMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.api.command.v1.Command;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Temporal's {@code action} counter (what Temporal Cloud bills, and the server dashboard's "Actions" panel), tagged
 * {@code action_type} as Temporal's frontend tags it: {@code grpc_<Method>} for the billable calls that succeeded,
 * {@code command_<CommandType>} per billable command of a completed workflow task, {@code activity_retry} when a
 * poll hands out a retry.
 */
public final class ActionMetrics implements ServiceRequestMetrics.SuccessHook {
    private static final Set<String> GRPC_ACTIONS = Set.of("StartWorkflowExecution", "ExecuteMultiOperation",
            "RespondWorkflowTaskCompleted", "PollActivityTaskQueue", "QueryWorkflow", "UpdateWorkflowExecutionOptions",
            "RecordActivityTaskHeartbeat", "RecordActivityTaskHeartbeatById", "ResetWorkflowExecution",
            "SignalWorkflowExecution", "SignalWithStartWorkflowExecution", "CreateSchedule", "UpdateSchedule",
            "DeleteSchedule", "PatchSchedule", "PauseWorkflowExecution", "UnpauseWorkflowExecution");
    private static final Set<CommandType> COMMAND_ACTIONS = EnumSet.of(CommandType.COMMAND_TYPE_RECORD_MARKER,
            CommandType.COMMAND_TYPE_START_TIMER, CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
            CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
            CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION,
            CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
            CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES,
            CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
            CommandType.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION, CommandType.COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION);

    private final MeterRegistry registry;
    private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();

    public ActionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void succeeded(String operation, Object request, Object response, String namespace) {
        if (!GRPC_ACTIONS.contains(operation)) {
            return;
        }
        switch (operation) {
            case "StartWorkflowExecution" -> {
                if (response instanceof StartWorkflowExecutionResponse r && r.getStarted()) {
                    count("grpc_" + operation, namespace);
                } else if (request instanceof StartWorkflowExecutionRequest q && q.hasOnConflictOptions()
                        && q.getWorkflowIdConflictPolicy()
                        == io.temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING) {
                    count("grpc_" + operation + "_UpdateWorkflowExecutionOptions", namespace);
                }
            }
            case "ExecuteMultiOperation" -> {
                // counted when its start started a run, as for StartWorkflowExecution
                if (response instanceof io.temporal.api.workflowservice.v1.ExecuteMultiOperationResponse r
                        && r.getResponsesCount() > 0 && r.getResponses(0).getStartWorkflow().getStarted()) {
                    count("grpc_" + operation, namespace);
                }
            }
            case "RespondWorkflowTaskCompleted" -> {
                if (request instanceof RespondWorkflowTaskCompletedRequest q) {
                    boolean markers = false;
                    for (Command c : q.getCommandsList()) {
                        if (!COMMAND_ACTIONS.contains(c.getCommandType())) {
                            continue;
                        }
                        String type = MetricNames.commandType(c.getCommandType());
                        if (c.getCommandType() == CommandType.COMMAND_TYPE_RECORD_MARKER) {
                            markers = true;
                        }
                        count("command_" + type, namespace);
                        if (c.getCommandType() == CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION) {
                            count("command_" + type + "_Extra", namespace);
                        }
                    }
                    if (markers) {
                        count("command_BatchMarkers", namespace);
                    }
                }
            }
            case "PollActivityTaskQueue" -> {
                if (response instanceof PollActivityTaskQueueResponse r && !r.getTaskToken().isEmpty()
                        && r.getAttempt() > 1) {
                    count("activity_retry", namespace);
                }
            }
            case "QueryWorkflow" -> {
                if (!(request instanceof QueryWorkflowRequest q)
                        || !q.getQuery().getQueryType().equals("__temporal_workflow_metadata")) {
                    count("grpc_" + operation, namespace);
                }
            }
            default -> count("grpc_" + operation, namespace);
        }
    }

    private void count(String actionType, String namespace) {
        counters.computeIfAbsent(actionType + '\0' + namespace, k -> Counter.builder("action")
                .tag("operation", "Action").tag("namespace", namespace).tag("action_type", actionType)
                .register(registry)).increment();
    }
}
