package io.kairos.worker.batch;

import io.grpc.StatusRuntimeException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.proto.history.v1.DeleteWorkflowExecutionRequest;
import io.kairos.proto.history.v1.GetWorkflowExecutionHistoryRequest;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.proto.history.v1.RequestCancelWorkflowExecutionRequest;
import io.kairos.proto.history.v1.ResetWorkflowExecutionRequest;
import io.kairos.proto.history.v1.SignalWorkflowExecutionRequest;
import io.kairos.proto.history.v1.TerminateWorkflowExecutionRequest;
import io.kairos.proto.history.v1.UnpauseActivityRequest;
import io.kairos.proto.history.v1.ResetActivityRequest;
import io.kairos.proto.history.v1.UpdateActivityOptionsRequest;
import io.kairos.proto.persistence.v1.BatchOperationRecord;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.ResetType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.StartBatchOperationRequest;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** One batch operation applied to one workflow, through history's internal API. */
final class BatchActions {
    enum Result { DONE, FAILED, RETRY }

    private static final long CALL_TIMEOUT_SECONDS = 30;

    private final HistoryServiceGrpc.HistoryServiceBlockingStub history;

    BatchActions(HistoryServiceGrpc.HistoryServiceBlockingStub history) {
        this.history = history;
    }

    /**
     * As Temporal's batcher: NOT_FOUND (the workflow closed or was deleted meanwhile) counts as done; an overloaded or
     * unreachable history is worth another try; anything else is a failure of this one workflow.
     */
    Result apply(NamespaceId ns, String jobId, BatchOperationRecord record, WorkflowExecution target) {
        try {
            run(ns, jobId, record, target);
            return Result.DONE;
        } catch (StatusRuntimeException e) {
            return switch (e.getStatus().getCode()) {
                case NOT_FOUND -> Result.DONE;
                case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, CANCELLED -> Result.RETRY;
                default -> Result.FAILED;
            };
        }
    }

    private HistoryServiceGrpc.HistoryServiceBlockingStub call() {
        return history.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private void run(NamespaceId ns, String jobId, BatchOperationRecord record, WorkflowExecution target) {
        StartBatchOperationRequest req = record.getRequest();
        String nsId = ns.toString();
        String namespace = record.getNamespace();
        switch (req.getOperationCase()) {
            case TERMINATION_OPERATION -> call().terminateWorkflowExecution(TerminateWorkflowExecutionRequest.newBuilder()
                    .setNamespaceId(nsId).setRequest(io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionRequest
                            .newBuilder().setNamespace(namespace).setWorkflowExecution(target).setReason(req.getReason())
                            .setDetails(req.getTerminationOperation().getDetails())
                            .setIdentity(req.getTerminationOperation().getIdentity())).build());
            case CANCELLATION_OPERATION -> call().requestCancelWorkflowExecution(RequestCancelWorkflowExecutionRequest
                    .newBuilder().setNamespaceId(nsId).setRequest(io.temporal.api.workflowservice.v1
                            .RequestCancelWorkflowExecutionRequest.newBuilder().setNamespace(namespace)
                            .setWorkflowExecution(target).setReason(req.getReason())
                            .setIdentity(req.getCancellationOperation().getIdentity())
                            .setRequestId(requestId(jobId, "cancel", target))).build());
            case SIGNAL_OPERATION -> {
                var op = req.getSignalOperation();
                call().signalWorkflowExecution(SignalWorkflowExecutionRequest.newBuilder().setNamespaceId(nsId)
                        .setRequest(io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest.newBuilder()
                                .setNamespace(namespace).setWorkflowExecution(target).setSignalName(op.getSignal())
                                .setInput(op.getInput()).setHeader(op.getHeader()).setIdentity(op.getIdentity())
                                .setRequestId(requestId(jobId, "signal:" + op.getSignal(), target))).build());
            }
            case DELETION_OPERATION -> call().deleteWorkflowExecution(DeleteWorkflowExecutionRequest.newBuilder()
                    .setNamespaceId(nsId).setRequest(io.temporal.api.workflowservice.v1.DeleteWorkflowExecutionRequest
                            .newBuilder().setNamespace(namespace).setWorkflowExecution(target)).build());
            case RESET_OPERATION -> reset(nsId, namespace, jobId, req, target);
            case UNPAUSE_ACTIVITIES_OPERATION -> {
                var op = req.getUnpauseActivitiesOperation();
                var b = io.temporal.api.workflowservice.v1.UnpauseActivityRequest.newBuilder().setNamespace(namespace)
                        .setExecution(target).setIdentity(op.getIdentity()).setResetAttempts(op.getResetAttempts())
                        .setResetHeartbeat(op.getResetHeartbeat()).setJitter(op.getJitter());
                if (op.hasType()) {
                    b.setType(op.getType());
                } else {
                    b.setUnpauseAll(true);
                }
                call().unpauseActivity(UnpauseActivityRequest.newBuilder().setNamespaceId(nsId).setRequest(b).build());
            }
            case RESET_ACTIVITIES_OPERATION -> {
                var op = req.getResetActivitiesOperation();
                var b = io.temporal.api.workflowservice.v1.ResetActivityRequest.newBuilder().setNamespace(namespace)
                        .setExecution(target).setIdentity(op.getIdentity()).setResetHeartbeat(op.getResetHeartbeat())
                        .setJitter(op.getJitter()).setKeepPaused(op.getKeepPaused())
                        .setRestoreOriginalOptions(op.getRestoreOriginalOptions());
                if (op.hasType()) {
                    b.setType(op.getType());
                } else {
                    b.setMatchAll(true);
                }
                call().resetActivity(ResetActivityRequest.newBuilder().setNamespaceId(nsId).setRequest(b).build());
            }
            case UPDATE_ACTIVITY_OPTIONS_OPERATION -> {
                var op = req.getUpdateActivityOptionsOperation();
                var b = io.temporal.api.workflowservice.v1.UpdateActivityOptionsRequest.newBuilder().setNamespace(namespace)
                        .setExecution(target).setIdentity(op.getIdentity()).setRestoreOriginal(op.getRestoreOriginal())
                        .setUpdateMask(op.getUpdateMask()).setActivityOptions(op.getActivityOptions());
                if (op.hasType()) {
                    b.setType(op.getType());
                } else {
                    b.setMatchAll(true);
                }
                call().updateActivityOptions(UpdateActivityOptionsRequest.newBuilder().setNamespaceId(nsId).setRequest(b).build());
            }
            default -> throw io.grpc.Status.INVALID_ARGUMENT.withDescription("unsupported batch operation "
                    + req.getOperationCase()).asRuntimeException();
        }
    }

    @SuppressWarnings("deprecation")
    private void reset(String nsId, String namespace, String jobId, StartBatchOperationRequest req, WorkflowExecution target) {
        var op = req.getResetOperation();
        long eventId;
        var reapply = op.getResetReapplyType();
        var excludes = java.util.List.<io.temporal.api.enums.v1.ResetReapplyExcludeType>of();
        if (op.hasOptions()) {
            var o = op.getOptions();
            reapply = o.getResetReapplyType();
            excludes = o.getResetReapplyExcludeTypesList();
            eventId = switch (o.getTargetCase()) {
                case FIRST_WORKFLOW_TASK -> workflowTaskEventId(nsId, namespace, target, true);
                case LAST_WORKFLOW_TASK -> workflowTaskEventId(nsId, namespace, target, false);
                case WORKFLOW_TASK_ID -> o.getWorkflowTaskId();
                default -> throw io.grpc.Status.INVALID_ARGUMENT.withDescription("provided reset target ("
                        + o.getTargetCase() + ") is not supported.").asRuntimeException();
            };
        } else {
            eventId = workflowTaskEventId(nsId, namespace, target, op.getResetType() == ResetType.RESET_TYPE_FIRST_WORKFLOW_TASK);
        }
        var b = io.temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest.newBuilder()
                .setNamespace(namespace).setWorkflowExecution(target).setReason(req.getReason())
                .setRequestId(requestId(jobId, "reset", target)).setWorkflowTaskFinishEventId(eventId)
                .setResetReapplyType(reapply == io.temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_UNSPECIFIED
                        ? io.temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_SIGNAL : reapply)
                .addAllResetReapplyExcludeTypes(excludes)
                .addAllPostResetOperations(op.getPostResetOperationsList())
                .setIdentity(op.getIdentity());
        call().resetWorkflowExecution(ResetWorkflowExecutionRequest.newBuilder().setNamespaceId(nsId).setRequest(b).build());
    }

    /**
     * Temporal's reset points: the first (or last) WorkflowTaskCompleted event, or, when no task completed yet, the
     * event after the first (or last) WorkflowTaskScheduled.
     */
    private long workflowTaskEventId(String nsId, String namespace, WorkflowExecution target, boolean first) {
        long firstScheduled = 0;
        long lastCompleted = 0;
        com.google.protobuf.ByteString token = com.google.protobuf.ByteString.EMPTY;
        do {
            var res = call().getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest.newBuilder().setNamespaceId(nsId)
                    .setRequest(io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest.newBuilder()
                            .setNamespace(namespace).setExecution(target).setMaximumPageSize(1000).setNextPageToken(token))
                    .build());
            for (HistoryEvent e : res.getHistory().getEventsList()) {
                if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
                    if (first) {
                        return e.getEventId();
                    }
                    lastCompleted = e.getEventId();
                } else if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED && firstScheduled == 0) {
                    firstScheduled = e.getEventId() + 1;
                }
            }
            token = res.getNextPageToken();
        } while (!token.isEmpty());
        long found = lastCompleted != 0 ? lastCompleted : firstScheduled;
        if (found == 0) {
            throw io.grpc.Status.FAILED_PRECONDITION.withDescription("unable to find any scheduled or completed task")
                    .asRuntimeException();
        }
        return found;
    }

    /** Fixed per job, operation and workflow: a repeated call is deduplicated by history. */
    static String requestId(String jobId, String op, WorkflowExecution target) {
        return UUID.nameUUIDFromBytes((jobId + ":" + op + ":" + target.getWorkflowId() + ":" + target.getRunId())
                .getBytes(StandardCharsets.UTF_8)).toString();
    }
}
