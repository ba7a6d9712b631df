package io.kairos.history.nexus;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.Namespaces;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.lifecycle.NexusOperationLifecycle;
import io.kairos.proto.history.v1.CompleteNexusOperationRequest;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.proto.persistence.v1.CallbackRecord;
import io.kairos.proto.persistence.v1.CallbackTask;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.NexusCompletionToken;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.common.v1.Link;
import io.temporal.api.enums.v1.CallbackState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The handler side: completion callbacks a run was started with (a Nexus WorkflowRunOperation's) are delivered when
 * its chain closes (not at continue-as-new, retry or cron hand-over), as Temporal's callbacks component does. The
 * {@code temporal://system} callback goes to the caller's shard through CompleteNexusOperation; failures to deliver
 * are retried with backoff, a refusal (NOT_FOUND: the caller or its operation is gone) fails the callback.
 */
public final class NexusCallbacks {
    private final WorkflowUpdater updater;
    private final Namespaces namespaces;
    private final HistoryServiceGrpc.HistoryServiceBlockingStub history;

    public NexusCallbacks(WorkflowUpdater updater, Namespaces namespaces, Channel historyChannel) {
        this.updater = updater;
        this.namespaces = namespaces;
        this.history = HistoryServiceGrpc.newBlockingStub(historyChannel);
    }

    /** Mutation hook: the run closed with {@code close}; if the chain ends here its callbacks are scheduled. */
    public static void closed(Mutation m, HistoryEvent close) {
        if (m.state().getCallbacksCount() == 0 || continues(close)) {
            return;
        }
        for (int i = 0; i < m.state().getCallbacksCount(); i++) {
            CallbackRecord cb = m.state().getCallbacks(i);
            if (cb.getState() == CallbackState.CALLBACK_STATE_STANDBY) {
                NexusOperationLifecycle.CALLBACK.move(cb.getState(), CallbackState.CALLBACK_STATE_SCHEDULED);
                m.state().setCallbacks(i, cb.toBuilder().setState(CallbackState.CALLBACK_STATE_SCHEDULED).setAttempt(1));
                m.transferTask(HistoryTask.newBuilder().setNexusCallback(CallbackTask.newBuilder().setIndex(i).setAttempt(1)));
            }
        }
    }

    private static boolean continues(HistoryEvent close) {
        return switch (close.getEventType()) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW -> true;
            case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED ->
                    !close.getWorkflowExecutionCompletedEventAttributes().getNewExecutionRunId().isEmpty();
            case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED ->
                    !close.getWorkflowExecutionFailedEventAttributes().getNewExecutionRunId().isEmpty();
            case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT ->
                    !close.getWorkflowExecutionTimedOutEventAttributes().getNewExecutionRunId().isEmpty();
            default -> false;
        };
    }

    public void callbackTask(WorkflowKey key, CallbackTask task) {
        Optional<WorkflowMutableState> loaded = updater.load(key);
        if (loaded.isEmpty() || task.getIndex() >= loaded.get().getCallbacksCount()) {
            return;
        }
        WorkflowMutableState s = loaded.get();
        CallbackRecord cb = s.getCallbacks(task.getIndex());
        if (cb.getState() != CallbackState.CALLBACK_STATE_SCHEDULED || cb.getAttempt() != task.getAttempt()) {
            return;
        }
        Failure failure = null;
        boolean retry = false;
        NexusCompletionToken token = cb.getCallback().hasNexus() && NexusOperations.SYSTEM_CALLBACK_URL.equals(cb.getCallback().getNexus().getUrl())
                ? NexusOperations.parseToken(header(cb.getCallback().getNexus().getHeaderMap(), NexusOperations.CALLBACK_TOKEN_HEADER))
                : null;
        if (token == null) {
            // Only worker targets of this cluster call back here; HTTP callbacks are not delivered by this server.
            failure = failure("callback URL is not supported by this server", true);
        } else {
            try {
                history.withDeadlineAfter(10, TimeUnit.SECONDS).completeNexusOperation(completion(key, s, cb, token));
            } catch (StatusRuntimeException e) {
                retry = e.getStatus().getCode() != Status.Code.NOT_FOUND && e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT;
                failure = failure(e.getStatus().getCode() + ": " + e.getStatus().getDescription(), !retry);
            }
        }
        record(key, task, failure, retry);
    }

    private void record(WorkflowKey key, CallbackTask task, Failure failure, boolean retry) {
        updater.update(key, m -> {
            if (task.getIndex() >= m.state().getCallbacksCount()) {
                return null;
            }
            CallbackRecord cb = m.state().getCallbacks(task.getIndex());
            if (cb.getState() != CallbackState.CALLBACK_STATE_SCHEDULED || cb.getAttempt() != task.getAttempt()) {
                return null;
            }
            CallbackState to = failure == null ? CallbackState.CALLBACK_STATE_SUCCEEDED
                    : retry ? CallbackState.CALLBACK_STATE_BACKING_OFF : CallbackState.CALLBACK_STATE_FAILED;
            NexusOperationLifecycle.CALLBACK.move(cb.getState(), to);
            CallbackRecord.Builder b = cb.toBuilder().setState(to).setLastAttemptCompleteTime(NexusOperations.ts(m.now()));
            if (failure != null) {
                b.setLastAttemptFailure(failure);
            } else {
                b.clearLastAttemptFailure();
            }
            if (retry) {
                Instant next = m.now().plus(NexusOperations.backoff(cb.getAttempt()));
                b.setNextAttemptScheduleTime(NexusOperations.ts(next));
                m.timerTask(next, HistoryTask.newBuilder().setNexusCallbackBackoff(task));
            }
            m.state().setCallbacks(task.getIndex(), b);
            return null;
        });
    }

    public void backoffFired(WorkflowKey key, CallbackTask task) {
        updater.update(key, m -> {
            if (task.getIndex() >= m.state().getCallbacksCount()) {
                return null;
            }
            CallbackRecord cb = m.state().getCallbacks(task.getIndex());
            if (cb.getState() != CallbackState.CALLBACK_STATE_BACKING_OFF || cb.getAttempt() != task.getAttempt()) {
                return null;
            }
            NexusOperationLifecycle.CALLBACK.move(cb.getState(), CallbackState.CALLBACK_STATE_SCHEDULED);
            m.state().setCallbacks(task.getIndex(), cb.toBuilder().setState(CallbackState.CALLBACK_STATE_SCHEDULED)
                    .setAttempt(cb.getAttempt() + 1).clearNextAttemptScheduleTime());
            m.transferTask(HistoryTask.newBuilder().setNexusCallback(CallbackTask.newBuilder()
                    .setIndex(task.getIndex()).setAttempt(cb.getAttempt() + 1)));
            return null;
        });
    }

    /** The run's outcome as Temporal's GetNexusCompletion shapes it, with a link to its WorkflowExecutionStarted. */
    private CompleteNexusOperationRequest completion(WorkflowKey key, WorkflowMutableState s, CallbackRecord cb,
                                                     NexusCompletionToken token) {
        long closeId = s.getExecution().getCompletionEventId();
        HistoryEvent close = updater.readHistory(key, closeId, closeId + 1, 1).get(0);
        Link.WorkflowEvent.Builder link = Link.WorkflowEvent.newBuilder().setNamespace(namespaces.nameOf(key.namespaceId()))
                .setWorkflowId(key.workflowId()).setRunId(key.runId().toString());
        if (s.getCallbacks(0).getRequestId().equals(cb.getRequestId()) || cb.getRequestId().isEmpty()) {
            link.setEventRef(Link.WorkflowEvent.EventReference.newBuilder().setEventId(1)
                    .setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED));
        } else {
            // Attached to the running workflow later: referenced by its request id, as Temporal does.
            link.setRequestIdRef(Link.WorkflowEvent.RequestIdReference.newBuilder().setRequestId(cb.getRequestId())
                    .setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED));
        }
        CompleteNexusOperationRequest.Builder r = CompleteNexusOperationRequest.newBuilder().setToken(token)
                .setStartTime(s.getExecution().getStartTime())
                .addLinks(Link.newBuilder().setWorkflowEvent(link));
        switch (close.getEventType()) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> {
                var result = close.getWorkflowExecutionCompletedEventAttributes().getResult();
                r.setState("succeeded");
                if (result.getPayloadsCount() > 0) {
                    r.setResult(result.getPayloads(0));
                }
            }
            case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED ->
                    r.setState("failed").setFailure(close.getWorkflowExecutionFailedEventAttributes().getFailure());
            case EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED -> r.setState("canceled").setFailure(Failure.newBuilder()
                    .setMessage("operation canceled").setCanceledFailureInfo(io.temporal.api.failure.v1.CanceledFailureInfo
                            .newBuilder().setDetails(close.getWorkflowExecutionCanceledEventAttributes().getDetails())));
            case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> r.setState("failed").setFailure(Failure.newBuilder()
                    .setMessage("operation terminated")
                    .setTerminatedFailureInfo(io.temporal.api.failure.v1.TerminatedFailureInfo.getDefaultInstance()));
            default -> r.setState("failed").setFailure(Failure.newBuilder() // timed out
                    .setMessage("operation exceeded internal timeout")
                    .setTimeoutFailureInfo(io.temporal.api.failure.v1.TimeoutFailureInfo.getDefaultInstance()));
        }
        return r.build();
    }

    private static String header(Map<String, String> headers, String name) {
        for (var e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return "";
    }

    private static Failure failure(String message, boolean nonRetryable) {
        return Failure.newBuilder().setMessage(message).setApplicationFailureInfo(
                io.temporal.api.failure.v1.ApplicationFailureInfo.newBuilder().setNonRetryable(nonRetryable)).build();
    }

    /** DescribeWorkflowExecution's callbacks. */
    public static List<io.temporal.api.workflow.v1.CallbackInfo> describe(WorkflowMutableState s) {
        return s.getCallbacksList().stream().map(cb -> {
            var info = io.temporal.api.workflow.v1.CallbackInfo.newBuilder().setCallback(cb.getCallback())
                    .setTrigger(io.temporal.api.workflow.v1.CallbackInfo.Trigger.newBuilder()
                            .setWorkflowClosed(io.temporal.api.workflow.v1.CallbackInfo.WorkflowClosed.getDefaultInstance()))
                    .setRegistrationTime(cb.getRegistrationTime()).setState(cb.getState()).setAttempt(cb.getAttempt());
            if (cb.hasLastAttemptCompleteTime()) {
                info.setLastAttemptCompleteTime(cb.getLastAttemptCompleteTime());
            }
            if (cb.hasLastAttemptFailure()) {
                info.setLastAttemptFailure(cb.getLastAttemptFailure());
            }
            if (cb.hasNextAttemptScheduleTime()) {
                info.setNextAttemptScheduleTime(cb.getNextAttemptScheduleTime());
            }
            return info.build();
        }).toList();
    }
}
