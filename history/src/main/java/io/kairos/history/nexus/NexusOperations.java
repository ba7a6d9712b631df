package io.kairos.history.nexus;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Durations;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.Namespaces;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.lifecycle.NexusOperationLifecycle;
import io.kairos.persistence.nexus.NexusEndpointRow;
import io.kairos.persistence.nexus.NexusEndpointStore;
import io.kairos.proto.history.v1.CompleteNexusOperationRequest;
import io.kairos.proto.matching.v1.DispatchNexusTaskRequest;
import io.kairos.proto.matching.v1.DispatchNexusTaskResponse;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.NexusCompletionToken;
import io.kairos.proto.persistence.v1.NexusOperationInfo;
import io.kairos.proto.persistence.v1.NexusTask;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.common.v1.Link;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.NexusOperationCancellationState;
import io.temporal.api.enums.v1.PendingNexusOperationState;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.NexusOperationCanceledEventAttributes;
import io.temporal.api.history.v1.NexusOperationCompletedEventAttributes;
import io.temporal.api.history.v1.NexusOperationFailedEventAttributes;
import io.temporal.api.history.v1.NexusOperationScheduledEventAttributes;
import io.temporal.api.history.v1.NexusOperationStartedEventAttributes;
import io.temporal.api.history.v1.NexusOperationTimedOutEventAttributes;
import io.temporal.api.nexus.v1.CancelOperationRequest;
import io.temporal.api.nexus.v1.HandlerError;
import io.temporal.api.nexus.v1.Request;
import io.temporal.api.nexus.v1.StartOperationRequest;
import io.temporal.api.nexus.v1.StartOperationResponse;
import io.temporal.api.taskqueue.v1.TaskQueue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The caller side of Nexus operations (Temporal's nexusoperations executors): the invocation task hands the start
 * request to the endpoint's target queue through matching's DispatchNexusTask and records the answer; retryable
 * failures back off; the schedule-to-close timer times the operation out; the completion of an async operation
 * arrives through {@link #complete}. Tasks may run twice: each checks the operation is still in the state and attempt
 * it was created for.
 */
public final class NexusOperations {
    /** The callback URL of worker targets: completions come back through history, not HTTP. */
    public static final String SYSTEM_CALLBACK_URL = "temporal://system";
    /** Carries the base64 NexusCompletionToken to the handler, which sends it back with the outcome. */
    public static final String CALLBACK_TOKEN_HEADER = "temporal-callback-token";
    /** component.nexusoperations.request.timeout */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** component.nexusoperations.limit.request.timeout.min */
    static final Duration MIN_REQUEST_TIMEOUT = Duration.ofMillis(1500);

    /** Workers answer with Temporal failures (Temporal's new failure wire format, its default). */
    static final Request.Capabilities CAPABILITIES = Request.Capabilities.newBuilder().setTemporalFailureResponses(true).build();

    private final WorkflowUpdater updater;
    private final MatchingServiceGrpc.MatchingServiceBlockingStub matching;
    private final NexusEndpointStore endpoints;
    private final Namespaces namespaces;
    private final Clock clock;

    WorkflowUpdater updater() {
        return updater;
    }

    Optional<NexusEndpointRow> endpoint(NexusOperationInfo op) {
        return endpoints == null ? Optional.empty() : endpoints.get(java.util.UUID.fromString(op.getEndpointId()));
    }

    public NexusOperations(WorkflowUpdater updater, MatchingServiceGrpc.MatchingServiceBlockingStub matching,
                           NexusEndpointStore endpoints, Namespaces namespaces, Clock clock) {
        this.updater = updater;
        this.matching = matching;
        this.endpoints = endpoints;
        this.namespaces = namespaces;
        this.clock = clock;
    }

    // ---- invocation ----

    /** The engine's clock, for the cancel request's scheduled time. */
    Instant now() {
        return clock.instant();
    }

    public void invocationTask(WorkflowKey key, NexusTask task) {
        Optional<NexusOperationInfo> pending = pending(key, task.getScheduledEventId());
        if (pending.isEmpty() || pending.get().getState() != PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_SCHEDULED
                || pending.get().getAttempt() != task.getAttempt()) {
            return;
        }
        NexusOperationInfo op = pending.get();
        HistoryEvent scheduled = event(key, op.getScheduledEventId());
        NexusOperationScheduledEventAttributes attrs = scheduled.getNexusOperationScheduledEventAttributes();
        Optional<NexusEndpointRow> endpoint = endpoint(op);
        if (endpoint.isEmpty() || !endpoint.get().isWorkerTarget()) {
            // Deleted since the command: fails at once, as Temporal does for an unregistered endpoint.
            recordStartAnswer(key, op, Outcome.endpointNotRegistered());
            return;
        }
        Instant now = clock.instant();
        Duration callTimeout = REQUEST_TIMEOUT;
        Duration remaining = null;
        if (Durations.toNanos(op.getScheduleToCloseTimeout()) > 0) {
            remaining = Duration.between(now, Instant.ofEpochSecond(op.getScheduledTime().getSeconds(), op.getScheduledTime().getNanos())
                    .plus(NexusCommands.duration(op.getScheduleToCloseTimeout())));
            callTimeout = remaining.compareTo(callTimeout) < 0 ? remaining : callTimeout;
        }
        if (callTimeout.compareTo(MIN_REQUEST_TIMEOUT) < 0) {
            timedOut(key, NexusTask.newBuilder().setScheduledEventId(op.getScheduledEventId()).build());
            return;
        }
        Request.Builder request = Request.newBuilder().putAllHeader(attrs.getNexusHeaderMap())
                .setCapabilities(CAPABILITIES)
                .setScheduledTime(scheduled.getEventTime()).setEndpoint(op.getEndpoint())
                .setStartOperation(StartOperationRequest.newBuilder()
                        .setService(op.getService()).setOperation(op.getOperation()).setRequestId(op.getRequestId())
                        .setCallback(SYSTEM_CALLBACK_URL)
                        .putCallbackHeader(CALLBACK_TOKEN_HEADER, token(key, op))
                        .setPayload(attrs.getInput()));
        if (!io.kairos.common.ids.StandaloneIds.isStandalone(key.workflowId())) {
            // The caller's event; a standalone operation has no workflow for the handler to link back to.
            request.getStartOperationBuilder().addLinks(NexusLinks.toNexus(Link.WorkflowEvent.newBuilder()
                    .setNamespace(namespaces.nameOf(key.namespaceId())).setWorkflowId(key.workflowId())
                    .setRunId(key.runId().toString())
                    .setEventRef(Link.WorkflowEvent.EventReference.newBuilder()
                            .setEventId(scheduled.getEventId()).setEventType(scheduled.getEventType()))
                    .build()));
        }
        if (remaining != null && !attrs.getNexusHeaderMap().containsKey("operation-timeout")) {
            request.putHeader("operation-timeout", remaining.toMillis() + "ms");
        }
        recordStartAnswer(key, op, dispatch(endpoint.get(), request.build(), callTimeout));
    }

    /**
     * The worker's answer (a response, or a handler error as a Temporal failure with NexusHandlerFailureInfo and
     * whether it is retried), or a retryable call failure.
     */
    record Outcome(DispatchNexusTaskResponse response, Failure handlerFailure, boolean retryable, Failure callFailure) {
        /** The endpoint was deleted (or is external) since the command: a NOT_FOUND handler error, as Temporal's. */
        static Outcome endpointNotRegistered() {
            return error(HandlerError.newBuilder().setErrorType("NOT_FOUND")
                    .setFailure(io.temporal.api.nexus.v1.Failure.newBuilder().setMessage("endpoint not registered")).build());
        }

        static Outcome error(HandlerError e) {
            return new Outcome(null, NexusFailures.handlerFailure(e), NexusFailures.retryable(e), null);
        }

        static Outcome of(DispatchNexusTaskResponse r) {
            return switch (r.getOutcomeCase()) {
                case HANDLER_ERROR -> error(r.getHandlerError());
                case FAILURE -> new Outcome(null, r.getFailure(), NexusFailures.retryable(r.getFailure()), null);
                default -> new Outcome(r, null, false, null);
            };
        }
    }

    Outcome dispatch(NexusEndpointRow endpoint, Request request, Duration timeout) {
        try {
            DispatchNexusTaskResponse r = matching.withDeadlineAfter(timeout.toMillis() + 2000, TimeUnit.MILLISECONDS)
                    .dispatchNexusTask(DispatchNexusTaskRequest.newBuilder()
                            .setNamespaceId(endpoint.targetNamespace().toString())
                            .setTaskQueue(TaskQueue.newBuilder().setName(endpoint.targetTaskQueue()))
                            .setRequest(request).setTimeout(Durations.fromMillis(timeout.toMillis())).build());
            return Outcome.of(r);
        } catch (StatusRuntimeException e) {
            String message = e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED ? "request timed out"
                    : e.getStatus().getCode() + ": " + e.getStatus().getDescription();
            return new Outcome(null, null, true, NexusFailures.callError(message, true));
        }
    }

    private void recordStartAnswer(WorkflowKey key, NexusOperationInfo sent, Outcome outcome) {
        updater.update(key, m -> {
            NexusOperationInfo op = m.state().getNexusOperationsOrDefault(sent.getScheduledEventId(), null);
            if (!m.isRunning() || op == null || op.getState() != PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_SCHEDULED
                    || op.getAttempt() != sent.getAttempt()) {
                return null; // answered by the callback, timed out, or a stale attempt
            }
            if (outcome.callFailure() != null) {
                attemptFailed(m, op, outcome.callFailure());
            } else if (outcome.handlerFailure() != null) {
                if (outcome.retryable()) {
                    attemptFailed(m, op, outcome.handlerFailure());
                } else {
                    failed(m, op, outcome.handlerFailure());
                }
            } else {
                StartOperationResponse r = outcome.response().getResponse().getStartOperation();
                switch (r.getVariantCase()) {
                    case SYNC_SUCCESS -> {
                        m.eventLinks(NexusLinks.fromNexus(r.getSyncSuccess().getLinksList()));
                        completed(m, op, r.getSyncSuccess().getPayload());
                    }
                    case ASYNC_SUCCESS -> {
                        String token = r.getAsyncSuccess().getOperationToken().isEmpty()
                                ? r.getAsyncSuccess().getOperationId() : r.getAsyncSuccess().getOperationToken();
                        // (Tokens over Temporal's length limit never get here: the frontend rejects the worker's answer.)
                        started(m, op, token, NexusLinks.fromNexus(r.getAsyncSuccess().getLinksList()));
                    }
                    case OPERATION_ERROR -> {
                        Failure cause = NexusFailures.toTemporal(r.getOperationError().getFailure());
                        if ("canceled".equals(r.getOperationError().getOperationState())) {
                            canceled(m, op, asCanceled(cause));
                        } else {
                            failed(m, op, cause);
                        }
                    }
                    case FAILURE -> {
                        if (r.getFailure().hasCanceledFailureInfo()) {
                            canceled(m, op, r.getFailure());
                        } else {
                            failed(m, op, r.getFailure());
                        }
                    }
                    default -> failed(m, op, NexusFailures.handlerFailure(HandlerError.newBuilder().setErrorType("INTERNAL")
                            .setFailure(io.temporal.api.nexus.v1.Failure.newBuilder().setMessage("empty outcome")).build()));
                }
            }
            return null;
        });
    }

    /** A retryable attempt failure: BACKING_OFF until the backoff timer (Temporal's default policy: 1 s doubling, 1 h cap). */
    private static void attemptFailed(Mutation m, NexusOperationInfo op, Failure failure) {
        NexusOperationLifecycle.TABLE.move(NexusEventApplier.stateOf(op), NexusOperationLifecycle.State.BACKING_OFF);
        Instant next = m.now().plus(backoff(op.getAttempt()));
        m.state().putNexusOperations(op.getScheduledEventId(), op.toBuilder()
                .setState(PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_BACKING_OFF)
                .setAttempt(op.getAttempt() + 1)
                .setLastAttemptCompleteTime(ts(m.now())).setLastAttemptFailure(failure)
                .setNextAttemptScheduleTime(ts(next)).build());
        m.timerTask(next, HistoryTask.newBuilder().setNexusBackoff(NexusTask.newBuilder()
                .setScheduledEventId(op.getScheduledEventId()).setAttempt(op.getAttempt() + 1)));
    }

    static Duration backoff(int failedAttempts) {
        long seconds = 1L << Math.min(Math.max(failedAttempts - 1, 0), 12);
        return Duration.ofSeconds(Math.min(seconds, 3600));
    }

    public void backoffFired(WorkflowKey key, NexusTask task) {
        updater.update(key, m -> {
            NexusOperationInfo op = m.state().getNexusOperationsOrDefault(task.getScheduledEventId(), null);
            if (!m.isRunning() || op == null || op.getState() != PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_BACKING_OFF
                    || op.getAttempt() != task.getAttempt()) {
                return null;
            }
            NexusOperationLifecycle.TABLE.move(NexusOperationLifecycle.State.BACKING_OFF, NexusOperationLifecycle.State.SCHEDULED);
            m.state().putNexusOperations(op.getScheduledEventId(), op.toBuilder()
                    .setState(PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_SCHEDULED)
                    .clearNextAttemptScheduleTime().build());
            m.transferTask(HistoryTask.newBuilder().setNexusInvocation(task));
            return null;
        });
    }

    /**
     * A timeout timer: NexusOperationTimedOut with its TimeoutFailure type, as Temporal's. Schedule-to-start applies
     * only before the operation started, start-to-close only after; schedule-to-close until it closes.
     */
    public void timedOut(WorkflowKey key, NexusTask task) {
        TimeoutType type = task.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_UNSPECIFIED
                ? TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE : task.getTimeoutType();
        updater.update(key, m -> {
            NexusOperationInfo op = m.state().getNexusOperationsOrDefault(task.getScheduledEventId(), null);
            if (!m.isRunning() || op == null
                    || (type == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START && op.getStarted())
                    || (type == TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE && !op.getStarted())) {
                return null;
            }
            m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT)
                    .setNexusOperationTimedOutEventAttributes(NexusOperationTimedOutEventAttributes.newBuilder()
                            .setScheduledEventId(op.getScheduledEventId()).setRequestId(op.getRequestId())
                            .setFailure(NexusFailures.operationFailure(op,
                                    NexusFailures.timeout(type)))));
            m.scheduleWorkflowTask(1);
            return null;
        });
    }

    // ---- outcomes (shared by the start answer and the completion callback) ----

    private static void completed(Mutation m, NexusOperationInfo op, Payload result) {
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED)
                .setNexusOperationCompletedEventAttributes(NexusOperationCompletedEventAttributes.newBuilder()
                        .setScheduledEventId(op.getScheduledEventId()).setRequestId(op.getRequestId()).setResult(result)));
        m.scheduleWorkflowTask(1);
    }

    private static void failed(Mutation m, NexusOperationInfo op, Failure cause) {
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_FAILED)
                .setNexusOperationFailedEventAttributes(NexusOperationFailedEventAttributes.newBuilder()
                        .setScheduledEventId(op.getScheduledEventId()).setRequestId(op.getRequestId())
                        .setFailure(NexusFailures.operationFailure(op, cause))));
        m.scheduleWorkflowTask(1);
    }

    private static void canceled(Mutation m, NexusOperationInfo op, Failure cause) {
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_CANCELED)
                .setNexusOperationCanceledEventAttributes(NexusOperationCanceledEventAttributes.newBuilder()
                        .setScheduledEventId(op.getScheduledEventId()).setRequestId(op.getRequestId())
                        .setFailure(NexusFailures.operationFailure(op, cause))));
        m.scheduleWorkflowTask(1);
    }

    /** Old SDKs send an ApplicationFailure as a canceled operation's cause; Temporal makes it a CanceledFailure. */
    private static Failure asCanceled(Failure cause) {
        return cause.hasCanceledFailureInfo() ? cause : Failure.newBuilder().setMessage(cause.getMessage())
                .setStackTrace(cause.getStackTrace())
                .setCanceledFailureInfo(io.temporal.api.failure.v1.CanceledFailureInfo.getDefaultInstance())
                .setCause(cause.getCause()).build();
    }

    private static void started(Mutation m, NexusOperationInfo op, String token, List<Link> links) {
        m.eventLinks(links);
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED)
                .setNexusOperationStartedEventAttributes(NexusOperationStartedEventAttributes.newBuilder()
                        .setScheduledEventId(op.getScheduledEventId()).setRequestId(op.getRequestId())
                        .setOperationToken(token).setOperationId(token)));
        m.scheduleWorkflowTask(1);
        NexusCommands.timeoutTimer(m, op.getScheduledEventId(), op.getStartToCloseTimeout(), TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
        NexusOperationInfo now = m.state().getNexusOperationsOrDefault(op.getScheduledEventId(), null);
        if (now != null && now.hasCancellation() && now.getCancellation().getState()
                == NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_UNSPECIFIED) {
            // Cancellation requested before the start answered: send it now.
            NexusOperationLifecycle.CANCEL.move(now.getCancellation().getState(),
                    NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED);
            m.state().putNexusOperations(op.getScheduledEventId(), now.toBuilder().setCancellation(now.getCancellation()
                    .toBuilder().setState(NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED)).build());
            m.transferTask(HistoryTask.newBuilder().setNexusCancel(NexusTask.newBuilder()
                    .setScheduledEventId(op.getScheduledEventId()).setAttempt(1)));
        }
    }

    /**
     * CompleteNexusOperation: a handler run closed. Records Started first when the start answer has not come yet
     * (completion before start), then the outcome. NOT_FOUND when there is nothing to complete.
     */
    public void complete(CompleteNexusOperationRequest r) {
        NexusCompletionToken t = r.getToken();
        WorkflowKey key = new WorkflowKey(io.kairos.common.ids.NamespaceId.parse(t.getNamespaceId()), t.getWorkflowId(),
                java.util.UUID.fromString(t.getRunId()));
        updater.update(key, m -> {
            NexusOperationInfo op = m.state().getNexusOperationsOrDefault(t.getScheduledEventId(), null);
            if (!m.isRunning() || op == null || !op.getRequestId().equals(t.getRequestId())) {
                throw new NotFoundException("operation not found");
            }
            if (!op.getStarted()) {
                started(m, op, r.getOperationToken(), r.getLinksList());
                op = m.state().getNexusOperationsOrThrow(t.getScheduledEventId());
            }
            switch (r.getState()) {
                case "succeeded" -> completed(m, op, r.getResult());
                case "canceled" -> canceled(m, op, asCanceled(r.getFailure()));
                default -> failed(m, op, r.getFailure());
            }
            return null;
        });
    }

    /**
     * Task refresh of a rebuilt run (reset): operations not started are invoked again (same request id, so a handler
     * that saw the first start deduplicates it), schedule-to-close timers re-armed at their original deadline, and
     * started operations' scheduled cancel requests sent again.
     */
    public static void recreateTasks(Mutation m) {
        List<NexusOperationInfo> ops = new java.util.ArrayList<>(m.state().getNexusOperationsMap().values());
        ops.sort(java.util.Comparator.comparingLong(NexusOperationInfo::getScheduledEventId));
        for (NexusOperationInfo op : ops) {
            NexusTask.Builder task = NexusTask.newBuilder().setScheduledEventId(op.getScheduledEventId());
            if (!op.getStarted()) {
                m.transferTask(HistoryTask.newBuilder().setNexusInvocation(task.clone().setAttempt(op.getAttempt())));
            } else if (op.hasCancellation() && op.getCancellation().getState()
                    == NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED) {
                m.transferTask(HistoryTask.newBuilder().setNexusCancel(task.clone().setAttempt(op.getCancellation().getAttempt() + 1)));
            }
            if (Durations.toNanos(op.getScheduleToCloseTimeout()) > 0) {
                m.timerTask(Instant.ofEpochSecond(op.getScheduledTime().getSeconds(), op.getScheduledTime().getNanos())
                        .plus(NexusCommands.duration(op.getScheduleToCloseTimeout())), HistoryTask.newBuilder().setNexusTimeout(task));
            }
        }
    }

    /** DescribeWorkflowExecution's pending_nexus_operations. */
    public static List<io.temporal.api.workflow.v1.PendingNexusOperationInfo> describe(WorkflowMutableState s) {
        return s.getNexusOperationsMap().values().stream()
                .sorted(java.util.Comparator.comparingLong(NexusOperationInfo::getScheduledEventId)).map(op -> {
                    var p = io.temporal.api.workflow.v1.PendingNexusOperationInfo.newBuilder()
                            .setEndpoint(op.getEndpoint()).setService(op.getService()).setOperation(op.getOperation())
                            .setOperationToken(op.getOperationToken()).setOperationId(op.getOperationToken())
                            .setScheduleToCloseTimeout(op.getScheduleToCloseTimeout()).setScheduledTime(op.getScheduledTime())
                            .setState(op.getState()).setAttempt(op.getAttempt()).setScheduledEventId(op.getScheduledEventId());
                    if (op.hasLastAttemptCompleteTime()) {
                        p.setLastAttemptCompleteTime(op.getLastAttemptCompleteTime());
                    }
                    if (op.hasLastAttemptFailure()) {
                        p.setLastAttemptFailure(op.getLastAttemptFailure());
                    }
                    if (op.hasNextAttemptScheduleTime()) {
                        p.setNextAttemptScheduleTime(op.getNextAttemptScheduleTime());
                    }
                    if (op.hasCancellation()) {
                        var c = op.getCancellation();
                        var ci = io.temporal.api.workflow.v1.NexusOperationCancellationInfo.newBuilder()
                                .setRequestedTime(c.getRequestedTime()).setState(c.getState()).setAttempt(c.getAttempt());
                        if (c.hasLastAttemptCompleteTime()) {
                            ci.setLastAttemptCompleteTime(c.getLastAttemptCompleteTime());
                        }
                        if (c.hasLastAttemptFailure()) {
                            ci.setLastAttemptFailure(c.getLastAttemptFailure());
                        }
                        if (c.hasNextAttemptScheduleTime()) {
                            ci.setNextAttemptScheduleTime(c.getNextAttemptScheduleTime());
                        }
                        p.setCancellationInfo(ci);
                    }
                    return p.build();
                }).toList();
    }

    // ---- helpers ----

    Optional<NexusOperationInfo> pending(WorkflowKey key, long scheduledEventId) {
        Optional<WorkflowMutableState> s = updater.load(key);
        if (s.isEmpty() || s.get().getExecution().getState() != ExecutionState.EXECUTION_STATE_RUNNING) {
            return Optional.empty();
        }
        return Optional.ofNullable(s.get().getNexusOperationsOrDefault(scheduledEventId, null));
    }

    HistoryEvent event(WorkflowKey key, long eventId) {
        List<HistoryEvent> events = updater.readHistory(key, eventId, eventId + 1, 1);
        if (events.isEmpty()) {
            throw new IllegalStateException("event " + eventId + " of " + key + " not found");
        }
        return events.get(0);
    }

    private static String token(WorkflowKey key, NexusOperationInfo op) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(NexusCompletionToken.newBuilder()
                .setNamespaceId(key.namespaceId().toString()).setWorkflowId(key.workflowId())
                .setRunId(key.runId().toString()).setScheduledEventId(op.getScheduledEventId())
                .setRequestId(op.getRequestId()).build().toByteArray());
    }

    /** The caller's token from a callback header; null when it is not one of ours. */
    public static NexusCompletionToken parseToken(String value) {
        try {
            return NexusCompletionToken.parseFrom(ByteString.copyFrom(Base64.getUrlDecoder().decode(value)));
        } catch (IllegalArgumentException | com.google.protobuf.InvalidProtocolBufferException e) {
            return null;
        }
    }

    static com.google.protobuf.Timestamp ts(Instant i) {
        return com.google.protobuf.Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
