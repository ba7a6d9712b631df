package io.kairos.history.nexus;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.kairos.proto.persistence.v1.ExecutionInfo;
import io.kairos.proto.persistence.v1.NexusOperationInfo;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.common.v1.Callback;
import io.temporal.api.common.v1.Link;
import io.temporal.api.enums.v1.CallbackState;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.NexusHandlerErrorRetryBehavior;
import io.temporal.api.enums.v1.NexusOperationCancellationState;
import io.temporal.api.enums.v1.PendingNexusOperationState;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.NexusOperationCancelRequestedEventAttributes;
import io.temporal.api.history.v1.NexusOperationCompletedEventAttributes;
import io.temporal.api.history.v1.NexusOperationScheduledEventAttributes;
import io.temporal.api.history.v1.NexusOperationStartedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes;
import io.temporal.api.nexus.v1.HandlerError;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nexus state from events (one applier for live processing and replay), failure and link conversions, backoff. */
class NexusHelpersTest {
    private static final Timestamp T = Timestamp.newBuilder().setSeconds(1_700_000_000).build();

    private static HistoryEvent scheduled(long id) {
        return HistoryEvent.newBuilder().setEventId(id).setEventTime(T).setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED)
                .setNexusOperationScheduledEventAttributes(NexusOperationScheduledEventAttributes.newBuilder()
                        .setEndpoint("ep").setEndpointId("00000000-0000-0000-0000-000000000001").setService("svc")
                        .setOperation("op").setRequestId("req")
                        .setScheduleToCloseTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(30))).build();
    }

    private static HistoryEvent started(long scheduledId, String token) {
        return HistoryEvent.newBuilder().setEventId(scheduledId + 2).setEventTime(T).setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED)
                .setNexusOperationStartedEventAttributes(NexusOperationStartedEventAttributes.newBuilder()
                        .setScheduledEventId(scheduledId).setOperationToken(token).setOperationId(token)).build();
    }

    @Test
    void operationStateFollowsItsEvents() {
        WorkflowMutableState.Builder s = WorkflowMutableState.newBuilder();
        NexusEventApplier.apply(s, scheduled(5));
        NexusOperationInfo op = s.getNexusOperationsOrThrow(5);
        assertEquals(PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_SCHEDULED, op.getState());
        assertEquals(1, op.getAttempt());
        assertEquals("req", op.getRequestId());
        assertEquals(30, op.getScheduleToCloseTimeout().getSeconds());

        // Cancel requested before the start answered: the cancel request waits for the start.
        NexusEventApplier.apply(s, HistoryEvent.newBuilder().setEventId(6).setEventTime(T)
                .setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED)
                .setNexusOperationCancelRequestedEventAttributes(NexusOperationCancelRequestedEventAttributes.newBuilder()
                        .setScheduledEventId(5)).build());
        assertEquals(NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_UNSPECIFIED,
                s.getNexusOperationsOrThrow(5).getCancellation().getState());
        assertEquals(6, s.getNexusOperationsOrThrow(5).getCancellation().getRequestedEventId());

        NexusEventApplier.apply(s, started(5, "tok"));
        op = s.getNexusOperationsOrThrow(5);
        assertEquals(PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_STARTED, op.getState());
        assertTrue(op.getStarted());
        assertEquals("tok", op.getOperationToken());
        // A second start is a forbidden move (a bug, never user input).
        assertThrows(IllegalStateException.class, () -> NexusEventApplier.apply(s, started(5, "again")));

        NexusEventApplier.apply(s, HistoryEvent.newBuilder().setEventId(8).setEventTime(T)
                .setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED)
                .setNexusOperationCompletedEventAttributes(NexusOperationCompletedEventAttributes.newBuilder()
                        .setScheduledEventId(5)).build());
        assertEquals(0, s.getNexusOperationsCount());
    }

    @Test
    void startedRunKeepsItsCompletionCallbacksOnStandby() {
        WorkflowMutableState.Builder s = WorkflowMutableState.newBuilder()
                .setExecution(ExecutionInfo.newBuilder().setCreateRequestId("start-req"));
        Callback cb = Callback.newBuilder().setNexus(Callback.Nexus.newBuilder().setUrl("temporal://system")
                .putHeader("temporal-callback-token", "abc")).build();
        NexusEventApplier.apply(s, HistoryEvent.newBuilder().setEventId(1).setEventTime(T)
                .setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
                .setWorkflowExecutionStartedEventAttributes(WorkflowExecutionStartedEventAttributes.newBuilder()
                        .addCompletionCallbacks(cb)).build());
        assertEquals(1, s.getCallbacksCount());
        assertEquals(CallbackState.CALLBACK_STATE_STANDBY, s.getCallbacks(0).getState());
        assertEquals("start-req", s.getCallbacks(0).getRequestId());
        assertEquals(cb, NexusCallbacks.describe(s.build()).get(0).getCallback());
    }

    @Test
    void handlerErrorRetryRules() {
        assertTrue(NexusFailures.retryable(HandlerError.newBuilder().setErrorType("INTERNAL").build()));
        assertTrue(NexusFailures.retryable(HandlerError.newBuilder().setErrorType("UNAVAILABLE").build()));
        assertFalse(NexusFailures.retryable(HandlerError.newBuilder().setErrorType("BAD_REQUEST").build()));
        assertFalse(NexusFailures.retryable(HandlerError.newBuilder().setErrorType("NOT_FOUND").build()));
        assertFalse(NexusFailures.retryable(HandlerError.newBuilder().setErrorType("INTERNAL")
                .setRetryBehavior(NexusHandlerErrorRetryBehavior.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE).build()));
        assertTrue(NexusFailures.retryable(HandlerError.newBuilder().setErrorType("BAD_REQUEST")
                .setRetryBehavior(NexusHandlerErrorRetryBehavior.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_RETRYABLE).build()));
    }

    @Test
    void nexusFailureCarryingATemporalFailureIsReadBack() {
        var nf = io.temporal.api.nexus.v1.Failure.newBuilder().setMessage("boom")
                .putMetadata("type", NexusFailures.TEMPORAL_FAILURE_TYPE)
                .setDetails(ByteString.copyFromUtf8("{\"applicationFailureInfo\":{\"type\":\"MyError\",\"nonRetryable\":true}}"))
                .build();
        var f = NexusFailures.toTemporal(nf);
        assertEquals("boom", f.getMessage());
        assertEquals("MyError", f.getApplicationFailureInfo().getType());
        assertTrue(f.getApplicationFailureInfo().getNonRetryable());

        var handler = NexusFailures.handlerFailure(HandlerError.newBuilder().setErrorType("BAD_REQUEST").setFailure(nf).build());
        assertEquals("BAD_REQUEST", handler.getNexusHandlerFailureInfo().getType());
        assertEquals("boom", handler.getMessage());
        assertEquals("MyError", handler.getCause().getApplicationFailureInfo().getType());
    }

    @Test
    void workflowEventLinksRoundTrip() {
        Link.WorkflowEvent we = Link.WorkflowEvent.newBuilder().setNamespace("default").setWorkflowId("wf id/1")
                .setRunId("run-1").setEventRef(Link.WorkflowEvent.EventReference.newBuilder().setEventId(5)
                        .setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED)).build();
        var nexus = NexusLinks.toNexus(we);
        assertEquals("temporal.api.common.v1.Link.WorkflowEvent", nexus.getType());
        assertTrue(nexus.getUrl().startsWith("temporal:///namespaces/default/workflows/wf%20id%2F1/run-1/history?"), nexus.getUrl());
        assertTrue(nexus.getUrl().contains("eventType=NexusOperationScheduled"), nexus.getUrl());
        assertEquals(List.of(Link.newBuilder().setWorkflowEvent(we).build()), NexusLinks.fromNexus(List.of(nexus)));
        assertNull(NexusLinks.parse(io.temporal.api.nexus.v1.Link.newBuilder().setType("other").setUrl("x").build()));
    }

    @Test
    void callbackTokenRoundTrip() {
        var token = io.kairos.proto.persistence.v1.NexusCompletionToken.newBuilder().setNamespaceId("ns").setWorkflowId("w")
                .setRunId("r").setScheduledEventId(5).setRequestId("req").build();
        String encoded = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(token.toByteArray());
        assertEquals(token, NexusOperations.parseToken(encoded));
        assertNull(NexusOperations.parseToken("%%%not base64"));
    }

    @Test
    void backoffDoublesUpToAnHour() {
        assertEquals(Duration.ofSeconds(1), NexusOperations.backoff(1));
        assertEquals(Duration.ofSeconds(2), NexusOperations.backoff(2));
        assertEquals(Duration.ofSeconds(8), NexusOperations.backoff(4));
        assertEquals(Duration.ofHours(1), NexusOperations.backoff(40));
    }
}
