package io.kairos.worker.batch;

import io.kairos.common.TemporalCompat;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.BatchOperationType;
import io.temporal.api.enums.v1.ExecutionType;
import io.temporal.api.enums.v1.ResetType;
import io.temporal.api.workflowservice.v1.StartBatchOperationRequest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Temporal's checks of StartBatchOperation (ValidateBatchOperation and the frontend's), with its messages. */
final class BatchRequests {
    private BatchRequests() {
    }

    /** Checks the request and returns the operation's type as DescribeBatchOperation reports it. */
    static BatchOperationType validate(StartBatchOperationRequest req) {
        int selectors = (req.getVisibilityQuery().isEmpty() ? 0 : 1) + (req.getExecutionsCount() == 0 ? 0 : 1)
                + (req.getTargetExecutionsCount() == 0 ? 0 : 1);
        if (req.getOperationCase() == StartBatchOperationRequest.OperationCase.OPERATION_NOT_SET
                || req.getReason().isEmpty() || selectors == 0) {
            throw new InvalidArgumentException("must provide required parameters: BatchType,Reason,Namespace, AND one of "
                    + "(Query OR Executions OR TargetExecutions)");
        }
        if (req.getJobId().isEmpty()) {
            throw new InvalidArgumentException("JobId is not set on request.");
        }
        if (req.getJobId().getBytes(StandardCharsets.UTF_8).length > TemporalCompat.MAX_ID_LENGTH) {
            throw new InvalidArgumentException("JobId length exceeds limit.");
        }
        if (selectors > 1) {
            throw new InvalidArgumentException("visibility query, executions, and target executions are mutually exclusive");
        }
        if (req.getMaxOperationsPerSecond() < 0 || Float.isNaN(req.getMaxOperationsPerSecond())) {
            throw new InvalidArgumentException("MaxOperationsPerSecond must not be negative.");
        }
        BatchOperationType type = switch (req.getOperationCase()) {
            case TERMINATION_OPERATION -> BatchOperationType.BATCH_OPERATION_TYPE_TERMINATE_WORKFLOW;
            case CANCELLATION_OPERATION -> BatchOperationType.BATCH_OPERATION_TYPE_CANCEL_WORKFLOW;
            case DELETION_OPERATION -> BatchOperationType.BATCH_OPERATION_TYPE_DELETE_WORKFLOW;
            case SIGNAL_OPERATION -> {
                if (req.getSignalOperation().getSignal().isEmpty()) {
                    throw new InvalidArgumentException("must provide signal name");
                }
                yield BatchOperationType.BATCH_OPERATION_TYPE_SIGNAL_WORKFLOW;
            }
            case RESET_OPERATION -> {
                var reset = req.getResetOperation();
                if (reset.hasOptions()) {
                    if (reset.getOptions().getTargetCase() == io.temporal.api.common.v1.ResetOptions.TargetCase.TARGET_NOT_SET) {
                        throw new InvalidArgumentException("batch reset missing target");
                    }
                } else {
                    @SuppressWarnings("deprecation")
                    ResetType t = reset.getResetType();
                    if (t != ResetType.RESET_TYPE_FIRST_WORKFLOW_TASK && t != ResetType.RESET_TYPE_LAST_WORKFLOW_TASK) {
                        throw new InvalidArgumentException("unknown batch reset type " + t);
                    }
                }
                yield BatchOperationType.BATCH_OPERATION_TYPE_RESET_WORKFLOW;
            }
            case UNPAUSE_ACTIVITIES_OPERATION -> {
                var op = req.getUnpauseActivitiesOperation();
                switch (op.getActivityCase()) {
                    case TYPE -> requireActivityType(op.getType().isEmpty());
                    case MATCH_ALL -> requireActivityType(!op.getMatchAll());
                    default -> throw new InvalidArgumentException("activity filter must be set");
                }
                yield BatchOperationType.BATCH_OPERATION_TYPE_UNPAUSE_ACTIVITY;
            }
            case RESET_ACTIVITIES_OPERATION -> {
                var op = req.getResetActivitiesOperation();
                switch (op.getActivityCase()) {
                    case TYPE -> requireActivityType(op.getType().isEmpty());
                    case MATCH_ALL -> requireActivityType(!op.getMatchAll());
                    default -> throw new InvalidArgumentException("must provide ActivityType or MatchAll");
                }
                yield BatchOperationType.BATCH_OPERATION_TYPE_RESET_ACTIVITY;
            }
            case UPDATE_ACTIVITY_OPTIONS_OPERATION -> {
                var op = req.getUpdateActivityOptionsOperation();
                if (op.hasActivityOptions() && op.getRestoreOriginal()) {
                    throw new InvalidArgumentException("cannot set both activity options and restore original");
                }
                if (!op.hasActivityOptions() && !op.getRestoreOriginal()) {
                    throw new InvalidArgumentException("Either activity type must be set, or restore original should be set to true");
                }
                switch (op.getActivityCase()) {
                    case TYPE -> requireActivityType(op.getType().isEmpty());
                    case MATCH_ALL -> requireActivityType(!op.getMatchAll());
                    default -> { }
                }
                yield BatchOperationType.BATCH_OPERATION_TYPE_UPDATE_ACTIVITY_OPTIONS;
            }
            case TERMINATE_ACTIVITIES_OPERATION, CANCEL_ACTIVITIES_OPERATION, DELETE_ACTIVITIES_OPERATION ->
                    throw new InvalidArgumentException("The operation type " + req.getOperationCase().name().toLowerCase()
                            + " is not supported for this namespace");
            default -> throw new InvalidArgumentException("The operation type " + req.getOperationCase().name().toLowerCase()
                    + " is not supported");
        };
        for (int i = 0; i < req.getTargetExecutionsCount(); i++) {
            if (req.getTargetExecutions(i).getType() != ExecutionType.EXECUTION_TYPE_WORKFLOW) {
                throw new InvalidArgumentException("target_executions[" + i + "] has type " + req.getTargetExecutions(i).getType()
                        + ", but operation " + req.getOperationCase().name().toLowerCase() + " requires EXECUTION_TYPE_WORKFLOW");
            }
        }
        return type;
    }

    private static void requireActivityType(boolean missing) {
        if (missing) {
            throw new InvalidArgumentException("Either activity type must be set, or match all should be set to true");
        }
    }

    /**
     * The query the job iterates: as Temporal, operations that only make sense on open workflows see open ones only
     * (a visibility row may lag its workflow, so a closed one can still appear and is then counted as done).
     */
    static String effectiveQuery(StartBatchOperationRequest req, BatchOperationType type) {
        String q = req.getVisibilityQuery();
        if (q.isEmpty()) {
            return q;
        }
        if (req.hasUnpauseActivitiesOperation() && !req.getUnpauseActivitiesOperation().getType().isEmpty()) {
            // As Temporal: unpausing one activity type visits the runs where that type is paused.
            q = "TemporalPauseInfo = " + quote("property:activityType=" + req.getUnpauseActivitiesOperation().getType());
        }
        return switch (type) {
            case BATCH_OPERATION_TYPE_TERMINATE_WORKFLOW, BATCH_OPERATION_TYPE_CANCEL_WORKFLOW,
                 BATCH_OPERATION_TYPE_SIGNAL_WORKFLOW, BATCH_OPERATION_TYPE_UNPAUSE_ACTIVITY,
                 BATCH_OPERATION_TYPE_RESET_ACTIVITY, BATCH_OPERATION_TYPE_UPDATE_ACTIVITY_OPTIONS ->
                    "(" + q + ") AND (ExecutionStatus = 'Running')";
            default -> q;
        };
    }

    /** A string literal of the query language. */
    static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** The explicit targets (target_executions or the deprecated executions), as workflow executions. */
    @SuppressWarnings("deprecation")
    static List<WorkflowExecution> executions(StartBatchOperationRequest req) {
        List<WorkflowExecution> out = new ArrayList<>(req.getExecutionsList());
        for (var e : req.getTargetExecutionsList()) {
            out.add(WorkflowExecution.newBuilder().setWorkflowId(e.getBusinessId()).setRunId(e.getRunId()).build());
        }
        return out;
    }

    static String identity(StartBatchOperationRequest req) {
        return switch (req.getOperationCase()) {
            case TERMINATION_OPERATION -> req.getTerminationOperation().getIdentity();
            case CANCELLATION_OPERATION -> req.getCancellationOperation().getIdentity();
            case DELETION_OPERATION -> req.getDeletionOperation().getIdentity();
            case SIGNAL_OPERATION -> req.getSignalOperation().getIdentity();
            case RESET_OPERATION -> req.getResetOperation().getIdentity();
            case UNPAUSE_ACTIVITIES_OPERATION -> req.getUnpauseActivitiesOperation().getIdentity();
            case RESET_ACTIVITIES_OPERATION -> req.getResetActivitiesOperation().getIdentity();
            case UPDATE_ACTIVITY_OPTIONS_OPERATION -> req.getUpdateActivityOptionsOperation().getIdentity();
            default -> "";
        };
    }
}
