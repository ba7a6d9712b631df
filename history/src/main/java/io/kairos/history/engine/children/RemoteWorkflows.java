package io.kairos.history.engine.children;

import io.kairos.history.engine.workflow.ExternalRequests;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.kairos.common.grpc.ErrorMapper;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.proto.history.v1.ExternalTarget;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.proto.history.v1.RecordChildExecutionCompletedRequest;
import io.kairos.proto.history.v1.RequestCancelExternalWorkflowExecutionRequest;
import io.kairos.proto.history.v1.SignalExternalWorkflowExecutionRequest;
import io.kairos.proto.history.v1.StartChildWorkflowExecutionRequest;
import io.kairos.proto.history.v1.TerminateExternalWorkflowExecutionRequest;
import io.temporal.api.common.v1.Header;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One run acting on another: child starts and closes, external signals and cancel requests, parent close policies.
 * The target's shard may be owned by another history host, so these go through the history routing channel (to
 * this very host over its in-process channel when it owns the target) and come back as the exceptions the target's
 * handler threw: callers catch {@code NotFoundException}, {@code NamespaceNotFoundException},
 * {@code WorkflowAlreadyStartedException} and {@code InvalidArgumentException} either way.
 */
public final class RemoteWorkflows {
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final HistoryServiceGrpc.HistoryServiceBlockingStub stub;

    public RemoteWorkflows(Channel historyChannel) {
        this.stub = HistoryServiceGrpc.newBlockingStub(historyChannel);
    }

    /** Starts the child on its shard; returns its run id (the first run of the chain this command started). */
    String startChild(NamespaceId childNs, StartWorkflowExecutionRequest request, String parentNamespace,
                      WorkflowKey parent, long initiatedId, WorkflowExecution root) {
        return call(() -> stub().startChildWorkflowExecution(StartChildWorkflowExecutionRequest.newBuilder()
                .setNamespaceId(childNs.toString()).setRequest(request).setParentNamespace(parentNamespace)
                .setParentNamespaceId(parent.namespaceId().toString()).setParentExecution(ChildWorkflows.execution(parent))
                .setParentInitiatedEventId(initiatedId).setRootExecution(root).build()).getRunId());
    }

    void recordChildClosed(WorkflowKey parent, long initiatedId, WorkflowKey child, String childFirstRunId,
                           HistoryEvent close) {
        call(() -> stub().recordChildExecutionCompleted(RecordChildExecutionCompletedRequest.newBuilder()
                .setParentNamespaceId(parent.namespaceId().toString()).setParentExecution(ChildWorkflows.execution(parent))
                .setParentInitiatedEventId(initiatedId).setChildExecution(ChildWorkflows.execution(child))
                .setChildFirstExecutionRunId(childFirstRunId).setCloseEvent(close).build()));
    }

    void signal(ExternalRequests.Target t, String name, Payloads input, Header header, String requestId, String identity) {
        call(() -> stub().signalExternalWorkflowExecution(SignalExternalWorkflowExecutionRequest.newBuilder()
                .setTarget(proto(t)).setSignalName(name).setInput(input).setHeader(header).setRequestId(requestId)
                .setIdentity(identity).build()));
    }

    void requestCancel(ExternalRequests.Target t, String reason, String requestId, long initiatedEventId, String identity) {
        call(() -> stub().requestCancelExternalWorkflowExecution(RequestCancelExternalWorkflowExecutionRequest.newBuilder()
                .setTarget(proto(t)).setReason(reason).setRequestId(requestId).setExternalInitiatedEventId(initiatedEventId)
                .setIdentity(identity).build()));
    }

    void terminate(ExternalRequests.Target t, String reason, String identity) {
        call(() -> stub().terminateExternalWorkflowExecution(TerminateExternalWorkflowExecutionRequest.newBuilder()
                .setTarget(proto(t)).setReason(reason).setIdentity(identity).build()));
    }

    static ExternalTarget proto(ExternalRequests.Target t) {
        return ExternalTarget.newBuilder().setNamespaceId(t.namespaceId().toString()).setWorkflowId(t.workflowId())
                .setRunId(t.runId()).setFirstExecutionRunId(t.firstExecutionRunId()).setCaller(t.caller())
                .setChildOnly(t.childOnly()).build();
    }

    public static ExternalRequests.Target target(ExternalTarget t) {
        return new ExternalRequests.Target(NamespaceId.parse(t.getNamespaceId()), t.getWorkflowId(), t.getRunId(),
                t.getFirstExecutionRunId(), t.getCaller(), t.getChildOnly());
    }

    private HistoryServiceGrpc.HistoryServiceBlockingStub stub() {
        return stub.withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static <T> T call(Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw ErrorMapper.fromStatus(e);
        }
    }
}
