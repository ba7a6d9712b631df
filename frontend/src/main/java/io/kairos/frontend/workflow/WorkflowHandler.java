package io.kairos.frontend.workflow;

import io.kairos.common.validation.RequestValidation;

import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;

import java.util.UUID;

/** The client-facing workflow RPCs (start, signal, query, describe, history, ...): validate, resolve, forward. */
public final class WorkflowHandler {
    private final NamespaceResolver namespaces;
    private final HistoryServiceGrpc.HistoryServiceBlockingStub history;

    private final UpdateHandler updates;
    private final ActivityOperationsHandler activityOperations;

    public WorkflowHandler(NamespaceResolver namespaces, HistoryServiceGrpc.HistoryServiceBlockingStub history) {
        this.namespaces = namespaces;
        this.history = history;
        this.updates = new UpdateHandler(namespaces, history);
        this.activityOperations = new ActivityOperationsHandler(namespaces, history);
    }

    /** PauseActivity, UnpauseActivity, ResetActivity, UpdateActivityOptions. */
    public ActivityOperationsHandler activityOperations() {
        return activityOperations;
    }

    public io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionResponse update(
            io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest req) {
        return updates.update(req);
    }

    public io.temporal.api.workflowservice.v1.PollWorkflowExecutionUpdateResponse pollUpdate(
            io.temporal.api.workflowservice.v1.PollWorkflowExecutionUpdateRequest req) {
        return updates.poll(req);
    }

    public io.temporal.api.workflowservice.v1.ExecuteMultiOperationResponse executeMultiOperation(
            io.temporal.api.workflowservice.v1.ExecuteMultiOperationRequest req) {
        return updates.executeMultiOperation(req);
    }

    private java.util.function.BiConsumer<NamespaceId, io.temporal.api.common.v1.SearchAttributes> searchAttributeCheck =
            (ns, sa) -> { };

    /** Validates search attributes set at start against the namespace's registered ones. */
    public WorkflowHandler searchAttributeCheck(
            java.util.function.BiConsumer<NamespaceId, io.temporal.api.common.v1.SearchAttributes> check) {
        this.searchAttributeCheck = check;
        return this;
    }

    private void checkSearchAttributes(NamespaceId ns, io.temporal.api.common.v1.SearchAttributes sa) {
        if (sa.getIndexedFieldsCount() > 0) {
            searchAttributeCheck.accept(ns, sa);
        }
    }

    public StartWorkflowExecutionResponse start(StartWorkflowExecutionRequest req) {
        requireValidStart(req.getWorkflowId(), req.getWorkflowType().getName(), req.getTaskQueue(),
                req.getWorkflowExecutionTimeout(), req.getWorkflowRunTimeout(), req.getWorkflowTaskTimeout(),
                req.getInput(), req.getMemo(), req.getRequestId(), req.getCronSchedule(),
                req.hasWorkflowStartDelay() ? req.getWorkflowStartDelay() : null);
        requireCompatibleIdPolicies(req.getWorkflowIdReusePolicy(), req.getWorkflowIdConflictPolicy());
        io.kairos.common.validation.Priorities.requireValid(req.getPriority());
        NamespaceId ns = namespaces.forNewWork(req.getNamespace());
        checkSearchAttributes(ns, req.getSearchAttributes());
        StartWorkflowExecutionRequest withId = withoutCallbackLinks(req.getRequestId().isEmpty()
                ? req.toBuilder().setRequestId(UUID.randomUUID().toString()).build() : req);
        return history.startWorkflowExecution(io.kairos.proto.history.v1.StartWorkflowExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(withId).build());
    }

    /**
     * As Temporal: request links that a Nexus completion callback already carries are dropped from the request (the
     * callback keeps them), so the run's WorkflowExecutionStarted does not repeat them.
     */
    static StartWorkflowExecutionRequest withoutCallbackLinks(StartWorkflowExecutionRequest req) {
        if (req.getLinksCount() == 0 || req.getCompletionCallbacksCount() == 0) {
            return req;
        }
        var callbackLinks = req.getCompletionCallbacksList().stream().filter(cb -> cb.hasNexus())
                .flatMap(cb -> cb.getLinksList().stream()).toList();
        var kept = req.getLinksList().stream().filter(l -> !callbackLinks.contains(l)).toList();
        return kept.size() == req.getLinksCount() ? req : req.toBuilder().clearLinks().addAllLinks(kept).build();
    }

    /**
     * Temporal's start (and update-with-start) check: the deprecated TERMINATE_IF_RUNNING reuse policy only without
     * a conflict policy, and REJECT_DUPLICATE not with TERMINATE_EXISTING.
     */
    static void requireCompatibleIdPolicies(io.temporal.api.enums.v1.WorkflowIdReusePolicy reuse,
                                            io.temporal.api.enums.v1.WorkflowIdConflictPolicy conflict) {
        if (conflict != io.temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED
                && reuse == io.temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING) {
            throw new InvalidArgumentException("Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING"
                    + " cannot be used together with a WorkflowIDConflictPolicy");
        }
        if (conflict == io.temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING
                && reuse == io.temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE) {
            throw new InvalidArgumentException("Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE"
                    + " cannot be used together with WorkflowIdConflictPolicy WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING");
        }
    }

    /** What StartWorkflowExecution and SignalWithStartWorkflowExecution both check about the run to start. */
    static void requireValidStart(String workflowId, String workflowType, io.temporal.api.taskqueue.v1.TaskQueue queue,
                                          com.google.protobuf.Duration executionTimeout, com.google.protobuf.Duration runTimeout,
                                          com.google.protobuf.Duration taskTimeout, com.google.protobuf.MessageLite input,
                                          com.google.protobuf.MessageLite memo, String requestId, String cron,
                                          com.google.protobuf.Duration startDelay /* null: not set */) {
        RequestValidation.requireId(workflowId, "WorkflowId");
        RequestValidation.requireId(workflowType, "WorkflowType");
        RequestValidation.requireTaskQueue(queue);
        RequestValidation.requireNonNegative(executionTimeout, "WorkflowExecutionTimeout");
        RequestValidation.requireNonNegative(runTimeout, "WorkflowRunTimeout");
        RequestValidation.requireNonNegative(taskTimeout, "WorkflowTaskTimeout");
        RequestValidation.requireBlobSize(input);
        RequestValidation.requireBlobSize(memo);
        if (requestId.length() > 1000) {
            throw new InvalidArgumentException("RequestId length exceeds limit.");
        }
        if (!cron.isEmpty() && startDelay != null) {
            throw new InvalidArgumentException("CronSchedule and WorkflowStartDelay may not be used together.");
        }
        if (startDelay != null && (startDelay.getSeconds() < 0 || startDelay.getNanos() < 0
                || startDelay.getNanos() > 999_999_999)) {
            throw new InvalidArgumentException("An invalid WorkflowStartDelaySeconds is set on request.");
        }
        RequestValidation.requireValidCron(cron);
    }

    public io.temporal.api.workflowservice.v1.SignalWorkflowExecutionResponse signal(
            io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest req) {
        RequestValidation.requireId(req.getWorkflowExecution().getWorkflowId(), "WorkflowId");
        RequestValidation.requireId(req.getSignalName(), "SignalName");
        RequestValidation.requireBlobSize(req.getInput());
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.signalWorkflowExecution(io.kairos.proto.history.v1.SignalWorkflowExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public io.temporal.api.workflowservice.v1.SignalWithStartWorkflowExecutionResponse signalWithStart(
            io.temporal.api.workflowservice.v1.SignalWithStartWorkflowExecutionRequest req) {
        requireValidStart(req.getWorkflowId(), req.getWorkflowType().getName(), req.getTaskQueue(),
                req.getWorkflowExecutionTimeout(), req.getWorkflowRunTimeout(), req.getWorkflowTaskTimeout(),
                req.getInput(), req.getMemo(), req.getRequestId(), req.getCronSchedule(),
                req.hasWorkflowStartDelay() ? req.getWorkflowStartDelay() : null);
        RequestValidation.requireId(req.getSignalName(), "SignalName");
        RequestValidation.requireBlobSize(req.getSignalInput());
        requireCompatibleIdPolicies(req.getWorkflowIdReusePolicy(), req.getWorkflowIdConflictPolicy());
        io.kairos.common.validation.Priorities.requireValid(req.getPriority());
        NamespaceId ns = namespaces.forNewWork(req.getNamespace());
        checkSearchAttributes(ns, req.getSearchAttributes());
        var withId = req.getRequestId().isEmpty() ? req.toBuilder().setRequestId(UUID.randomUUID().toString()).build() : req;
        return history.signalWithStartWorkflowExecution(io.kairos.proto.history.v1.SignalWithStartWorkflowExecutionRequest
                .newBuilder().setNamespaceId(ns.toString()).setRequest(withId).build());
    }

    public io.temporal.api.workflowservice.v1.DeleteWorkflowExecutionResponse delete(
            io.temporal.api.workflowservice.v1.DeleteWorkflowExecutionRequest req) {
        RequestValidation.requireId(req.getWorkflowExecution().getWorkflowId(), "WorkflowId");
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.deleteWorkflowExecution(io.kairos.proto.history.v1.DeleteWorkflowExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionResponse terminate(
            io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionRequest req) {
        RequestValidation.requireId(req.getWorkflowExecution().getWorkflowId(), "WorkflowId");
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.terminateWorkflowExecution(io.kairos.proto.history.v1.TerminateWorkflowExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public io.temporal.api.workflowservice.v1.RequestCancelWorkflowExecutionResponse requestCancel(
            io.temporal.api.workflowservice.v1.RequestCancelWorkflowExecutionRequest req) {
        RequestValidation.requireId(req.getWorkflowExecution().getWorkflowId(), "WorkflowId");
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.requestCancelWorkflowExecution(io.kairos.proto.history.v1.RequestCancelWorkflowExecutionRequest
                .newBuilder().setNamespaceId(ns.toString()).setRequest(req).build());
    }

    /** Validated as Temporal's frontend does (request id required, reapply type defaulted to SIGNAL), then history. */
    public io.temporal.api.workflowservice.v1.ResetWorkflowExecutionResponse reset(
            io.temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest req) {
        if (req.getRequestId().isEmpty()) {
            throw new InvalidArgumentException("RequestId is not set on request.");
        }
        if (req.getRequestId().length() > io.kairos.common.TemporalCompat.MAX_ID_LENGTH) {
            throw new InvalidArgumentException("RequestId length exceeds limit.");
        }
        RequestValidation.requireId(req.getWorkflowExecution().getWorkflowId(), "WorkflowId");
        if (!req.getWorkflowExecution().getRunId().isEmpty()) {
            try {
                UUID.fromString(req.getWorkflowExecution().getRunId());
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException("Invalid RunId.");
            }
        }
        var reapply = req.getResetReapplyType();
        if (reapply == io.temporal.api.enums.v1.ResetReapplyType.UNRECOGNIZED) {
            throw new InvalidArgumentException("Unknown ResetReapplyType value " + req.getResetReapplyTypeValue() + ".");
        }
        var withDefault = reapply == io.temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_UNSPECIFIED
                ? req.toBuilder().setResetReapplyType(io.temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_SIGNAL).build()
                : req;
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.resetWorkflowExecution(io.kairos.proto.history.v1.ResetWorkflowExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(withDefault).build());
    }

    /**
     * Validated as Temporal's frontend does, then answered by history; the caller's deadline travels with the
     * call and bounds the wait for a worker.
     */
    public io.temporal.api.workflowservice.v1.QueryWorkflowResponse query(
            io.temporal.api.workflowservice.v1.QueryWorkflowRequest req) {
        if (req.getNamespace().isEmpty()) {
            throw new InvalidArgumentException("Namespace not set on request.");
        }
        if (!req.hasExecution()) {
            throw new InvalidArgumentException("Execution is not set on request.");
        }
        RequestValidation.requireId(req.getExecution().getWorkflowId(), "WorkflowId");
        if (!req.getExecution().getRunId().isEmpty()) {
            try {
                UUID.fromString(req.getExecution().getRunId());
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException("Invalid RunId.");
            }
        }
        if (!req.hasQuery()) {
            throw new InvalidArgumentException("WorkflowQuery is not set on request.");
        }
        if (req.getQuery().getQueryType().isEmpty()) {
            throw new InvalidArgumentException("QueryType is not set on request.");
        }
        RequestValidation.requireBlobSize(req.getQuery().getQueryArgs());
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        var withDefault = req.getQueryRejectCondition() == io.temporal.api.enums.v1.QueryRejectCondition.QUERY_REJECT_CONDITION_UNSPECIFIED
                ? req.toBuilder().setQueryRejectCondition(io.temporal.api.enums.v1.QueryRejectCondition.QUERY_REJECT_CONDITION_NONE).build()
                : req;
        return history.queryWorkflow(io.kairos.proto.history.v1.QueryWorkflowRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(withDefault).build());
    }

    public DescribeWorkflowExecutionResponse describe(DescribeWorkflowExecutionRequest req) {
        RequestValidation.requireId(req.getExecution().getWorkflowId(), "WorkflowId");
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.describeWorkflowExecution(io.kairos.proto.history.v1.DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryReverseResponse historyReverse(
            io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryReverseRequest req) {
        RequestValidation.requireId(req.getExecution().getWorkflowId(), "WorkflowId");
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.getWorkflowExecutionHistoryReverse(io.kairos.proto.history.v1.GetWorkflowExecutionHistoryReverseRequest
                .newBuilder().setNamespaceId(ns.toString()).setRequest(req).build());
    }

    private io.kairos.frontend.archival.ArchivedReads archived;

    /** Serves histories retention deleted from the namespace's archive. */
    public WorkflowHandler archivedReads(io.kairos.frontend.archival.ArchivedReads reads) {
        this.archived = reads;
        return this;
    }

    public GetWorkflowExecutionHistoryResponse history(GetWorkflowExecutionHistoryRequest req) {
        RequestValidation.requireId(req.getExecution().getWorkflowId(), "WorkflowId");
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        // The caller's deadline travels with the call context, bounding the long poll in history.
        java.util.function.Supplier<GetWorkflowExecutionHistoryResponse> fromHistory = () ->
                history.getWorkflowExecutionHistory(io.kairos.proto.history.v1.GetWorkflowExecutionHistoryRequest
                        .newBuilder().setNamespaceId(ns.toString()).setRequest(req).build());
        return archived == null ? fromHistory.get() : archived.history(req, fromHistory);
    }
}
