package io.kairos.history.lifecycle;

import io.temporal.api.enums.v1.CallbackState;
import io.temporal.api.enums.v1.NexusOperationCancellationState;

/**
 * A Nexus operation of the caller (Temporal's nexusoperations state machine). SCHEDULED: an attempt is due or in
 * flight; BACKING_OFF: a retryable attempt failed, the next waits for its backoff; STARTED: the handler answered
 * async and the outcome comes through the completion callback. The closed states are final and leave mutable state:
 * SUCCEEDED (NexusOperationCompleted), FAILED, CANCELED, TIMED_OUT. Completion before start goes SCHEDULED ->
 * STARTED -> closed in one transaction, as Temporal writes NexusOperationStarted first.
 */
public final class NexusOperationLifecycle {
    public enum State { SCHEDULED, BACKING_OFF, STARTED, SUCCEEDED, FAILED, CANCELED, TIMED_OUT }

    public static final TransitionTable<State> TABLE = TransitionTable.of("nexus operation", State.class)
            .allow(State.SCHEDULED, State.BACKING_OFF, State.STARTED, State.SUCCEEDED, State.FAILED, State.CANCELED,
                    State.TIMED_OUT)
            .allow(State.BACKING_OFF, State.SCHEDULED, State.STARTED, State.SUCCEEDED, State.FAILED, State.CANCELED,
                    State.TIMED_OUT)
            .allow(State.STARTED, State.SUCCEEDED, State.FAILED, State.CANCELED, State.TIMED_OUT)
            .build();

    /**
     * The cancel request of an operation (Temporal's Cancelation machine), in the API's states: UNSPECIFIED while the
     * operation has not started (the request waits for the async start), SCHEDULED until the handler answers, a
     * retryable failure BACKING_OFF; SUCCEEDED and FAILED are final (TIMED_OUT when the operation times out first).
     */
    public static final TransitionTable<NexusOperationCancellationState> CANCEL = TransitionTable
            .of("nexus cancellation", NexusOperationCancellationState.class)
            .allow(NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_UNSPECIFIED,
                    NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED)
            .allow(NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED,
                    NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_BACKING_OFF,
                    NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_SUCCEEDED,
                    NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_FAILED)
            .allow(NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_BACKING_OFF,
                    NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED)
            .build();

    /**
     * A completion callback of the handler side (Temporal's callbacks machine), in the API's states: STANDBY until the
     * chain closes, then SCHEDULED; a retryable delivery failure BACKING_OFF; SUCCEEDED and FAILED are final.
     */
    public static final TransitionTable<CallbackState> CALLBACK = TransitionTable.of("completion callback", CallbackState.class)
            .allow(CallbackState.CALLBACK_STATE_STANDBY, CallbackState.CALLBACK_STATE_SCHEDULED)
            .allow(CallbackState.CALLBACK_STATE_SCHEDULED, CallbackState.CALLBACK_STATE_BACKING_OFF,
                    CallbackState.CALLBACK_STATE_SUCCEEDED, CallbackState.CALLBACK_STATE_FAILED)
            .allow(CallbackState.CALLBACK_STATE_BACKING_OFF, CallbackState.CALLBACK_STATE_SCHEDULED)
            .build();

    private NexusOperationLifecycle() {
    }
}
