package io.kairos.frontend.workflow;

import io.kairos.common.validation.RequestValidation;

import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.MultiOperationExecutionException;
import io.kairos.common.errors.PermissionDeniedException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage;
import io.temporal.api.workflowservice.v1.ExecuteMultiOperationRequest;
import io.temporal.api.workflowservice.v1.ExecuteMultiOperationResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowExecutionUpdateRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowExecutionUpdateResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionResponse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * UpdateWorkflowExecution, PollWorkflowExecutionUpdate and ExecuteMultiOperation (update-with-start), validated with
 * Temporal's frontend rules and messages, then answered by history (the caller's deadline travels with the call).
 */
final class UpdateHandler {
    private static final String MULTI_OP_FAILED = "Update-with-Start could not be executed.";

    private final NamespaceResolver namespaces;
    private final HistoryServiceGrpc.HistoryServiceBlockingStub history;

    UpdateHandler(NamespaceResolver namespaces, HistoryServiceGrpc.HistoryServiceBlockingStub history) {
        this.namespaces = namespaces;
        this.history = history;
    }

    UpdateWorkflowExecutionResponse update(UpdateWorkflowExecutionRequest req) {
        UpdateWorkflowExecutionRequest prepared = prepare(req);
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.updateWorkflowExecution(io.kairos.proto.history.v1.UpdateWorkflowExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(prepared).build());
    }

    /** Temporal's prepareUpdateWorkflowRequest: required fields, a generated update id, wait stage COMPLETED by default. */
    static UpdateWorkflowExecutionRequest prepare(UpdateWorkflowExecutionRequest req) {
        if (!req.hasWorkflowExecution()) {
            throw new InvalidArgumentException("Execution is not set on request.");
        }
        RequestValidation.requireId(req.getWorkflowExecution().getWorkflowId(), "WorkflowId");
        requireRunId(req.getWorkflowExecution().getRunId());
        if (!req.getRequest().hasMeta()) {
            throw new InvalidArgumentException("Update meta is not set on request.");
        }
        String updateId = req.getRequest().getMeta().getUpdateId();
        if (updateId.getBytes(StandardCharsets.UTF_8).length > io.kairos.common.TemporalCompat.MAX_ID_LENGTH) {
            throw new InvalidArgumentException("UpdateId length exceeds limit.");
        }
        if (!req.getRequest().hasInput()) {
            throw new InvalidArgumentException("Update input is not set on request.");
        }
        if (req.getRequest().getInput().getName().isEmpty()) {
            throw new InvalidArgumentException("Update name is not set on request.");
        }
        RequestValidation.requireBlobSize(req.getRequest().getInput().getArgs());
        UpdateWorkflowExecutionRequest.Builder b = req.toBuilder();
        if (updateId.isEmpty()) {
            b.getRequestBuilder().getMetaBuilder().setUpdateId(UUID.randomUUID().toString());
        }
        var stage = req.getWaitPolicy().getLifecycleStage();
        if (stage == UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_UNSPECIFIED) {
            b.getWaitPolicyBuilder().setLifecycleStage(UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
        } else if (stage == UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED) {
            throw new PermissionDeniedException(
                    "UpdateWorkflowExecution issued asynchronously and waiting on update admitted is not supported.");
        }
        return b.build();
    }

    private static void requireRunId(String runId) {
        if (!runId.isEmpty()) {
            try {
                UUID.fromString(runId);
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException("Invalid RunId.");
            }
        }
    }

    PollWorkflowExecutionUpdateResponse poll(PollWorkflowExecutionUpdateRequest req) {
        if (!req.hasUpdateRef()) {
            throw new InvalidArgumentException("UpdateRef is not set on request.");
        }
        RequestValidation.requireId(req.getUpdateRef().getWorkflowExecution().getWorkflowId(), "WorkflowId");
        requireRunId(req.getUpdateRef().getWorkflowExecution().getRunId());
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.pollWorkflowExecutionUpdate(io.kairos.proto.history.v1.PollWorkflowExecutionUpdateRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    /** Only [StartWorkflow, UpdateWorkflow], as in Temporal; per-operation errors come back as MultiOperationExecution. */
    ExecuteMultiOperationResponse executeMultiOperation(ExecuteMultiOperationRequest req) {
        NamespaceId ns = namespaces.forNewWork(req.getNamespace());
        if (req.getOperationsCount() != 2 || !req.getOperations(0).hasStartWorkflow() || !req.getOperations(1).hasUpdateWorkflow()) {
            throw new InvalidArgumentException("Operations have to be exactly [Start, Update].");
        }
        List<Throwable> errors = new ArrayList<>();
        StartWorkflowExecutionRequest start = null;
        UpdateWorkflowExecutionRequest update = null;
        try {
            start = prepareStart(req.getNamespace(), req.getOperations(0).getStartWorkflow());
            errors.add(null);
        } catch (RuntimeException e) {
            errors.add(e);
        }
        try {
            update = prepareUpdate(req.getNamespace(), req.getOperations(1).getUpdateWorkflow());
            errors.add(null);
        } catch (RuntimeException e) {
            errors.add(e);
        }
        if (start != null && update != null
                && !start.getWorkflowId().equals(update.getWorkflowExecution().getWorkflowId())) {
            errors.set(1, new InvalidArgumentException("WorkflowId is not consistent with previous operation(s)."));
        }
        if (errors.stream().anyMatch(e -> e != null)) {
            errors.replaceAll(e -> e == null ? MultiOperationExecutionException.ABORTED : e);
            throw new MultiOperationExecutionException(MULTI_OP_FAILED, errors);
        }
        ExecuteMultiOperationRequest prepared = req.toBuilder()
                .setOperations(0, req.getOperations(0).toBuilder().setStartWorkflow(start))
                .setOperations(1, req.getOperations(1).toBuilder().setUpdateWorkflow(update)).build();
        return history.executeMultiOperation(io.kairos.proto.history.v1.ExecuteMultiOperationRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(prepared).build());
    }

    private static StartWorkflowExecutionRequest prepareStart(String namespace, StartWorkflowExecutionRequest s) {
        if (!s.getNamespace().isEmpty() && !s.getNamespace().equals(namespace)) {
            throw new InvalidArgumentException("Operation namespace did not match request's namespace.");
        }
        if (!s.getCronSchedule().isEmpty()) {
            throw new InvalidArgumentException("CronSchedule is not allowed.");
        }
        if (s.getRequestEagerExecution()) {
            throw new InvalidArgumentException("RequestEagerExecution is not supported.");
        }
        if (s.getWorkflowStartDelay().getSeconds() > 0 || s.getWorkflowStartDelay().getNanos() > 0) {
            throw new InvalidArgumentException("WorkflowStartDelay is not supported.");
        }
        WorkflowHandler.requireValidStart(s.getWorkflowId(), s.getWorkflowType().getName(), s.getTaskQueue(),
                s.getWorkflowExecutionTimeout(), s.getWorkflowRunTimeout(), s.getWorkflowTaskTimeout(), s.getInput(),
                s.getMemo(), s.getRequestId(), s.getCronSchedule(), null);
        WorkflowHandler.requireCompatibleIdPolicies(s.getWorkflowIdReusePolicy(), s.getWorkflowIdConflictPolicy());
        io.kairos.common.validation.Priorities.requireValid(s.getPriority());
        return WorkflowHandler.withoutCallbackLinks(
                s.getRequestId().isEmpty() ? s.toBuilder().setRequestId(UUID.randomUUID().toString()).build() : s);
    }

    private static UpdateWorkflowExecutionRequest prepareUpdate(String namespace, UpdateWorkflowExecutionRequest u) {
        if (!u.getNamespace().isEmpty() && !u.getNamespace().equals(namespace)) {
            throw new InvalidArgumentException("Operation namespace did not match request's namespace.");
        }
        UpdateWorkflowExecutionRequest prepared = prepare(u);
        if (!u.getFirstExecutionRunId().isEmpty()) {
            throw new InvalidArgumentException("FirstExecutionRunId is not allowed.");
        }
        if (!u.getWorkflowExecution().getRunId().isEmpty()) {
            throw new InvalidArgumentException("RunId is not allowed.");
        }
        return prepared;
    }
}
