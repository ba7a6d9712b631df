package io.kairos.history.nexus;

import io.kairos.history.lifecycle.NexusOperationLifecycle;
import io.kairos.history.lifecycle.NexusOperationLifecycle.State;
import io.kairos.proto.persistence.v1.CallbackRecord;
import io.kairos.proto.persistence.v1.NexusCancellationInfo;
import io.kairos.proto.persistence.v1.NexusOperationInfo;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.enums.v1.CallbackState;
import io.temporal.api.enums.v1.NexusOperationCancellationState;
import io.temporal.api.enums.v1.PendingNexusOperationState;
import io.temporal.api.history.v1.HistoryEvent;

/**
 * Part of the engine's EventApplier, called only from it: the events of Nexus operations (caller side) and the
 * completion callbacks a started run carries (handler side). Live processing and replay share it.
 */
public final class NexusEventApplier {
    private NexusEventApplier() {
    }

    public static void apply(WorkflowMutableState.Builder s, HistoryEvent e) {
        switch (e.getEventType()) {
            case EVENT_TYPE_NEXUS_OPERATION_SCHEDULED -> {
                var a = e.getNexusOperationScheduledEventAttributes();
                s.putNexusOperations(e.getEventId(), NexusOperationInfo.newBuilder()
                        .setScheduledEventId(e.getEventId())
                        .setEndpoint(a.getEndpoint()).setEndpointId(a.getEndpointId())
                        .setService(a.getService()).setOperation(a.getOperation())
                        .setRequestId(a.getRequestId())
                        .setScheduledTime(e.getEventTime())
                        .setScheduleToCloseTimeout(a.getScheduleToCloseTimeout())
                        .setStartToCloseTimeout(a.getStartToCloseTimeout())
                        .setState(PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_SCHEDULED)
                        .setAttempt(1)
                        .build());
            }
            case EVENT_TYPE_NEXUS_OPERATION_STARTED -> {
                var a = e.getNexusOperationStartedEventAttributes();
                NexusOperationInfo op = operation(s, a.getScheduledEventId());
                if (op == null) {
                    return;
                }
                NexusOperationLifecycle.TABLE.move(stateOf(op), State.STARTED);
                NexusOperationInfo.Builder b = op.toBuilder()
                        .setState(PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_STARTED)
                        .setStarted(true).setOperationToken(a.getOperationToken())
                        .clearNextAttemptScheduleTime();
                s.putNexusOperations(op.getScheduledEventId(), b.build());
            }
            case EVENT_TYPE_NEXUS_OPERATION_COMPLETED ->
                    close(s, e.getNexusOperationCompletedEventAttributes().getScheduledEventId(), State.SUCCEEDED);
            case EVENT_TYPE_NEXUS_OPERATION_FAILED ->
                    close(s, e.getNexusOperationFailedEventAttributes().getScheduledEventId(), State.FAILED);
            case EVENT_TYPE_NEXUS_OPERATION_CANCELED ->
                    close(s, e.getNexusOperationCanceledEventAttributes().getScheduledEventId(), State.CANCELED);
            case EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT ->
                    close(s, e.getNexusOperationTimedOutEventAttributes().getScheduledEventId(), State.TIMED_OUT);
            case EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED -> {
                var a = e.getNexusOperationCancelRequestedEventAttributes();
                NexusOperationInfo op = operation(s, a.getScheduledEventId());
                if (op == null) {
                    return; // the operation's outcome was buffered before the cancel request: nothing to cancel
                }
                // A started operation's cancel is sent at once; one not started yet waits for the start (UNSPECIFIED).
                NexusCancellationInfo.Builder c = NexusCancellationInfo.newBuilder().setRequestedEventId(e.getEventId())
                        .setRequestedTime(e.getEventTime())
                        .setState(op.getStarted() ? NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED
                                : NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_UNSPECIFIED);
                s.putNexusOperations(op.getScheduledEventId(), op.toBuilder().setCancellation(c).build());
            }
            case EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED, EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_FAILED -> {
                long id = e.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED
                        ? e.getNexusOperationCancelRequestCompletedEventAttributes().getScheduledEventId()
                        : e.getNexusOperationCancelRequestFailedEventAttributes().getScheduledEventId();
                NexusOperationInfo op = operation(s, id);
                if (op == null || !op.hasCancellation()) {
                    return;
                }
                var to = e.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED
                        ? NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_SUCCEEDED
                        : NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_FAILED;
                NexusOperationLifecycle.CANCEL.move(op.getCancellation().getState(), to);
                s.putNexusOperations(id, op.toBuilder().setCancellation(op.getCancellation().toBuilder().setState(to)).build());
            }
            case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED -> {
                var a = e.getWorkflowExecutionStartedEventAttributes();
                for (var cb : a.getCompletionCallbacksList()) {
                    s.addCallbacks(CallbackRecord.newBuilder().setCallback(cb).setRegistrationTime(e.getEventTime())
                            .setState(CallbackState.CALLBACK_STATE_STANDBY)
                            .setRequestId(s.getExecution().getCreateRequestId()));
                }
            }
            case EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED -> {
                var a = e.getWorkflowExecutionOptionsUpdatedEventAttributes();
                for (var cb : a.getAttachedCompletionCallbacksList()) {
                    s.addCallbacks(CallbackRecord.newBuilder().setCallback(cb).setRegistrationTime(e.getEventTime())
                            .setState(CallbackState.CALLBACK_STATE_STANDBY).setRequestId(a.getAttachedRequestId()));
                }
            }
            default -> {
            }
        }
    }

    /** The lifecycle state of a pending operation. */
    public static State stateOf(NexusOperationInfo op) {
        return switch (op.getState()) {
            case PENDING_NEXUS_OPERATION_STATE_BACKING_OFF -> State.BACKING_OFF;
            case PENDING_NEXUS_OPERATION_STATE_STARTED -> State.STARTED;
            default -> State.SCHEDULED;
        };
    }

    private static NexusOperationInfo operation(WorkflowMutableState.Builder s, long scheduledEventId) {
        return s.getNexusOperationsOrDefault(scheduledEventId, null);
    }

    private static void close(WorkflowMutableState.Builder s, long scheduledEventId, State to) {
        NexusOperationInfo op = operation(s, scheduledEventId);
        if (op != null) {
            NexusOperationLifecycle.TABLE.move(stateOf(op), to);
            s.removeNexusOperations(scheduledEventId);
        }
    }
}
