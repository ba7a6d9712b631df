package io.kairos.frontend.workflow;

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

/** StartWorkflowExecution, DescribeWorkflowExecution and GetWorkflowExecutionHistory: validate, resolve, forward. */
public final class WorkflowHandler {
    private final NamespaceResolver namespaces;
    private final HistoryServiceGrpc.HistoryServiceBlockingStub history;

    public WorkflowHandler(NamespaceResolver namespaces, HistoryServiceGrpc.HistoryServiceBlockingStub history) {
        this.namespaces = namespaces;
        this.history = history;
    }

    public StartWorkflowExecutionResponse start(StartWorkflowExecutionRequest req) {
        RequestValidation.requireId(req.getWorkflowId(), "WorkflowId");
        RequestValidation.requireId(req.getWorkflowType().getName(), "WorkflowType");
        RequestValidation.requireTaskQueue(req.getTaskQueue());
        RequestValidation.requireNonNegative(req.getWorkflowExecutionTimeout(), "WorkflowExecutionTimeout");
        RequestValidation.requireNonNegative(req.getWorkflowRunTimeout(), "WorkflowRunTimeout");
        RequestValidation.requireNonNegative(req.getWorkflowTaskTimeout(), "WorkflowTaskTimeout");
        RequestValidation.requireBlobSize(req.getInput());
        RequestValidation.requireBlobSize(req.getMemo());
        if (req.getRequestId().length() > 1000) {
            throw new InvalidArgumentException("RequestId length exceeds limit.");
        }
        RequestValidation.requireValidCron(req.getCronSchedule());
        if (req.hasWorkflowStartDelay() && req.getWorkflowStartDelay().getSeconds() > 0) {
            throw new InvalidArgumentException("WorkflowStartDelay is not supported by this server yet.");
        }
        NamespaceId ns = namespaces.forNewWork(req.getNamespace());
        StartWorkflowExecutionRequest withId = req.getRequestId().isEmpty()
                ? req.toBuilder().setRequestId(UUID.randomUUID().toString()).build() : req;
        return history.startWorkflowExecution(io.kairos.proto.history.v1.StartWorkflowExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(withId).build());
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
        RequestValidation.requireId(req.getWorkflowId(), "WorkflowId");
        RequestValidation.requireId(req.getWorkflowType().getName(), "WorkflowType");
        RequestValidation.requireTaskQueue(req.getTaskQueue());
        RequestValidation.requireId(req.getSignalName(), "SignalName");
        RequestValidation.requireBlobSize(req.getInput());
        RequestValidation.requireBlobSize(req.getSignalInput());
        RequestValidation.requireValidCron(req.getCronSchedule());
        NamespaceId ns = namespaces.forNewWork(req.getNamespace());
        var withId = req.getRequestId().isEmpty() ? req.toBuilder().setRequestId(UUID.randomUUID().toString()).build() : req;
        return history.signalWithStartWorkflowExecution(io.kairos.proto.history.v1.SignalWithStartWorkflowExecutionRequest
                .newBuilder().setNamespaceId(ns.toString()).setRequest(withId).build());
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

    public GetWorkflowExecutionHistoryResponse history(GetWorkflowExecutionHistoryRequest req) {
        RequestValidation.requireId(req.getExecution().getWorkflowId(), "WorkflowId");
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        // The caller's deadline travels with the call context, bounding the long poll in history.
        return history.getWorkflowExecutionHistory(io.kairos.proto.history.v1.GetWorkflowExecutionHistoryRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }
}
