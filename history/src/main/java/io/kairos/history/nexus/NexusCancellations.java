package io.kairos.history.nexus;

import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.Mutation;
import io.kairos.history.lifecycle.NexusOperationLifecycle;
import io.kairos.persistence.nexus.NexusEndpointRow;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.NexusCancellationInfo;
import io.kairos.proto.persistence.v1.NexusOperationInfo;
import io.kairos.proto.persistence.v1.NexusTask;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.NexusOperationCancellationState;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.NexusOperationCancelRequestCompletedEventAttributes;
import io.temporal.api.history.v1.NexusOperationCancelRequestFailedEventAttributes;
import io.temporal.api.nexus.v1.CancelOperationRequest;
import io.temporal.api.nexus.v1.Request;

import java.time.Instant;
import java.util.Optional;

/**
 * The cancel request of a started operation (Temporal's Cancelation executors): dispatched like the start; the
 * handler's acknowledgement writes NexusOperationCancelRequestCompleted, a non-retryable error
 * NexusOperationCancelRequestFailed (both marked worker_may_ignore, as Temporal's), a retryable one backs off. The
 * operation itself closes only when its outcome arrives.
 */
public final class NexusCancellations {
    private static final NexusOperationCancellationState SCHEDULED =
            NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED;
    private static final NexusOperationCancellationState BACKING_OFF =
            NexusOperationCancellationState.NEXUS_OPERATION_CANCELLATION_STATE_BACKING_OFF;

    private final NexusOperations operations;

    public NexusCancellations(NexusOperations operations) {
        this.operations = operations;
    }

    public void cancelTask(WorkflowKey key, NexusTask task) {
        Optional<NexusOperationInfo> pending = operations.pending(key, task.getScheduledEventId());
        if (pending.isEmpty() || !pending.get().hasCancellation() || pending.get().getCancellation().getState() != SCHEDULED
                || pending.get().getCancellation().getAttempt() + 1 != task.getAttempt()) {
            return;
        }
        NexusOperationInfo op = pending.get();
        Optional<NexusEndpointRow> endpoint = operations.endpoint(op);
        NexusOperations.Outcome outcome;
        if (endpoint.isEmpty() || !endpoint.get().isWorkerTarget()) {
            outcome = NexusOperations.Outcome.endpointNotRegistered();
        } else {
            HistoryEvent scheduled = operations.event(key, op.getScheduledEventId());
            Request request = Request.newBuilder().setCapabilities(NexusOperations.CAPABILITIES)
                    .putAllHeader(scheduled.getNexusOperationScheduledEventAttributes().getNexusHeaderMap())
                    .setScheduledTime(NexusOperations.ts(operations.now())).setEndpoint(op.getEndpoint())
                    .setCancelOperation(CancelOperationRequest.newBuilder().setService(op.getService())
                            .setOperation(op.getOperation()).setOperationToken(op.getOperationToken())
                            .setOperationId(op.getOperationToken()))
                    .build();
            outcome = operations.dispatch(endpoint.get(), request, NexusOperations.REQUEST_TIMEOUT);
        }
        record(key, task, outcome);
    }

    private void record(WorkflowKey key, NexusTask task, NexusOperations.Outcome outcome) {
        operations.updater().update(key, m -> {
            NexusOperationInfo op = m.state().getNexusOperationsOrDefault(task.getScheduledEventId(), null);
            if (!m.isRunning() || op == null || !op.hasCancellation() || op.getCancellation().getState() != SCHEDULED
                    || op.getCancellation().getAttempt() + 1 != task.getAttempt()) {
                return null;
            }
            NexusCancellationInfo c = op.getCancellation();
            if (outcome.callFailure() != null || (outcome.handlerFailure() != null && outcome.retryable())) {
                Failure f = outcome.callFailure() != null ? outcome.callFailure() : outcome.handlerFailure();
                NexusOperationLifecycle.CANCEL.move(SCHEDULED, BACKING_OFF);
                Instant next = m.now().plus(NexusOperations.backoff(c.getAttempt() + 1));
                m.state().putNexusOperations(op.getScheduledEventId(), op.toBuilder().setCancellation(c.toBuilder()
                        .setState(BACKING_OFF).setAttempt(c.getAttempt() + 1).setLastAttemptFailure(f)
                        .setLastAttemptCompleteTime(NexusOperations.ts(m.now()))
                        .setNextAttemptScheduleTime(NexusOperations.ts(next))).build());
                m.timerTask(next, HistoryTask.newBuilder().setNexusCancelBackoff(NexusTask.newBuilder()
                        .setScheduledEventId(op.getScheduledEventId()).setAttempt(c.getAttempt() + 2)));
                return null;
            }
            record(m, op, outcome.handlerFailure());
            return null;
        });
    }

    private static void record(Mutation m, NexusOperationInfo op, Failure failure) {
        // The attempt is counted before the event is applied (the applier moves the state).
        m.state().putNexusOperations(op.getScheduledEventId(), op.toBuilder().setCancellation(op.getCancellation().toBuilder()
                .setAttempt(op.getCancellation().getAttempt() + 1).setLastAttemptCompleteTime(NexusOperations.ts(m.now()))
                .setLastAttemptFailure(failure == null ? Failure.getDefaultInstance() : failure)).build());
        HistoryEvent.Builder e = HistoryEvent.newBuilder().setWorkerMayIgnore(true);
        if (failure == null) {
            e.setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED)
                    .setNexusOperationCancelRequestCompletedEventAttributes(NexusOperationCancelRequestCompletedEventAttributes
                            .newBuilder().setScheduledEventId(op.getScheduledEventId())
                            .setRequestedEventId(op.getCancellation().getRequestedEventId()));
        } else {
            e.setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_FAILED)
                    .setNexusOperationCancelRequestFailedEventAttributes(NexusOperationCancelRequestFailedEventAttributes
                            .newBuilder().setScheduledEventId(op.getScheduledEventId())
                            .setRequestedEventId(op.getCancellation().getRequestedEventId()).setFailure(failure));
        }
        m.addEvent(e);
        m.scheduleWorkflowTask(1);
    }

    public void backoffFired(WorkflowKey key, NexusTask task) {
        operations.updater().update(key, m -> {
            NexusOperationInfo op = m.state().getNexusOperationsOrDefault(task.getScheduledEventId(), null);
            if (!m.isRunning() || op == null || !op.hasCancellation() || op.getCancellation().getState() != BACKING_OFF
                    || op.getCancellation().getAttempt() + 1 != task.getAttempt()) {
                return null;
            }
            NexusOperationLifecycle.CANCEL.move(BACKING_OFF, SCHEDULED);
            m.state().putNexusOperations(op.getScheduledEventId(), op.toBuilder().setCancellation(op.getCancellation()
                    .toBuilder().setState(SCHEDULED).clearNextAttemptScheduleTime()).build());
            m.transferTask(HistoryTask.newBuilder().setNexusCancel(task));
            return null;
        });
    }
}
