package io.kairos.history.nexus;

import com.google.protobuf.Duration;
import io.kairos.history.engine.BadCommandException;
import io.kairos.history.engine.Mutation;
import io.kairos.persistence.nexus.NexusEndpointRow;
import io.kairos.persistence.nexus.NexusEndpointStore;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.NexusOperationInfo;
import io.kairos.proto.persistence.v1.NexusTask;
import io.temporal.api.command.v1.RequestCancelNexusOperationCommandAttributes;
import io.temporal.api.command.v1.ScheduleNexusOperationCommandAttributes;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.NexusOperationCancelRequestedEventAttributes;
import io.temporal.api.history.v1.NexusOperationScheduledEventAttributes;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The ScheduleNexusOperation and RequestCancelNexusOperation commands, validated as Temporal's nexusoperations
 * command handler does (same limits, causes and messages). Scheduling writes NexusOperationScheduled, the
 * invocation transfer task and the schedule-to-close timer in the completing transaction.
 */
public final class NexusCommands {
    /** component.nexusoperations.limit.operation.concurrency */
    static final int MAX_CONCURRENT_OPERATIONS = 30;
    /** component.nexusoperations.limit.service.name.length / operation.name.length */
    static final int MAX_NAME_LENGTH = 1000;
    /** component.nexusoperations.limit.header.size */
    static final int MAX_HEADER_SIZE = 8192;
    /** component.nexusoperations.disallowedHeaders */
    static final Set<String> DISALLOWED_HEADERS = Set.of("request-timeout", "xdc-redirection", "xdc-redirection-api",
            "xdc-redirection-source-cell", "caller-name", "caller-type", "call-initiation", "temporal-principal-type",
            "temporal-principal-name");
    private static final int BLOB_SIZE_LIMIT = 2 * 1024 * 1024;
    private static final WorkflowTaskFailedCause BAD_SCHEDULE =
            WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_NEXUS_OPERATION_ATTRIBUTES;
    private static final WorkflowTaskFailedCause BAD_CANCEL =
            WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_NEXUS_OPERATION_ATTRIBUTES;

    private final NexusEndpointStore endpoints;

    public NexusCommands(NexusEndpointStore endpoints) {
        this.endpoints = endpoints;
    }

    public void schedule(Mutation m, ScheduleNexusOperationCommandAttributes a) {
        Optional<NexusEndpointRow> endpoint = endpoints == null ? Optional.empty() : endpoints.getByName(a.getEndpoint());
        if (endpoint.isEmpty()) {
            throw new BadCommandException(BAD_SCHEDULE, "endpoint \"" + a.getEndpoint() + "\" not found");
        }
        if (a.getService().length() > MAX_NAME_LENGTH) {
            throw new BadCommandException(BAD_SCHEDULE,
                    "ScheduleNexusOperationCommandAttributes.Service exceeds length limit of " + MAX_NAME_LENGTH);
        }
        if (a.getOperation().length() > MAX_NAME_LENGTH) {
            throw new BadCommandException(BAD_SCHEDULE,
                    "ScheduleNexusOperationCommandAttributes.Operation exceeds length limit of " + MAX_NAME_LENGTH);
        }
        checkDuration(a.getScheduleToCloseTimeout(), "ScheduleToCloseTimeout");
        checkDuration(a.getScheduleToStartTimeout(), "ScheduleToStartTimeout");
        checkDuration(a.getStartToCloseTimeout(), "StartToCloseTimeout");
        if (a.getInput().getSerializedSize() > BLOB_SIZE_LIMIT) {
            throw new BadCommandException(BAD_SCHEDULE, "ScheduleNexusOperationCommandAttributes.Input exceeds size limit");
        }
        Map<String, String> header = new TreeMap<>();
        int headerLength = 0;
        for (var h : a.getNexusHeaderMap().entrySet()) {
            String k = h.getKey().toLowerCase(Locale.ROOT);
            header.put(k, h.getValue());
            headerLength += k.length() + h.getValue().length();
            if (DISALLOWED_HEADERS.contains(k)) {
                throw new BadCommandException(BAD_SCHEDULE,
                        "ScheduleNexusOperationCommandAttributes.NexusHeader contains a disallowed header key: \"" + h.getKey() + "\"");
            }
        }
        if (headerLength > MAX_HEADER_SIZE) {
            throw new BadCommandException(BAD_SCHEDULE, "ScheduleNexusOperationCommandAttributes.NexusHeader exceeds size limit");
        }
        if (m.state().getNexusOperationsCount() >= MAX_CONCURRENT_OPERATIONS) {
            throw new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_PENDING_NEXUS_OPERATIONS_LIMIT_EXCEEDED,
                    "workflow has reached the pending nexus operation limit of " + MAX_CONCURRENT_OPERATIONS
                            + " for this namespace");
        }
        // Timeouts: capped by the run timeout (an unset one becomes it), the secondary ones by schedule-to-close.
        Duration runTimeout = m.state().getExecution().getRunTimeout();
        Duration scheduleToClose = a.getScheduleToCloseTimeout();
        if (seconds(runTimeout) > 0 && (seconds(scheduleToClose) == 0 || seconds(scheduleToClose) > seconds(runTimeout))) {
            scheduleToClose = runTimeout;
        }
        Duration scheduleToStart = a.getScheduleToStartTimeout();
        Duration startToClose = a.getStartToCloseTimeout();
        if (seconds(scheduleToClose) > 0) {
            if (seconds(scheduleToStart) > seconds(scheduleToClose)) {
                scheduleToStart = scheduleToClose;
            }
            if (seconds(startToClose) > seconds(scheduleToClose)) {
                startToClose = scheduleToClose;
            }
        }
        NexusOperationScheduledEventAttributes.Builder attrs = NexusOperationScheduledEventAttributes.newBuilder()
                .setEndpoint(a.getEndpoint()).setEndpointId(endpoint.get().id().toString())
                .setService(a.getService()).setOperation(a.getOperation()).setInput(a.getInput())
                .putAllNexusHeader(header)
                .setRequestId(UUID.randomUUID().toString())
                .setWorkflowTaskCompletedEventId(m.workflowTaskCompletedEventId());
        if (a.hasScheduleToCloseTimeout() || seconds(scheduleToClose) > 0) {
            attrs.setScheduleToCloseTimeout(scheduleToClose);
        }
        if (a.hasScheduleToStartTimeout()) {
            attrs.setScheduleToStartTimeout(scheduleToStart);
        }
        if (a.hasStartToCloseTimeout()) {
            attrs.setStartToCloseTimeout(startToClose);
        }
        HistoryEvent e = m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED)
                .setNexusOperationScheduledEventAttributes(attrs));
        m.transferTask(HistoryTask.newBuilder().setNexusInvocation(NexusTask.newBuilder()
                .setScheduledEventId(e.getEventId()).setAttempt(1)));
        timeoutTimer(m, e.getEventId(), scheduleToClose, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);
        timeoutTimer(m, e.getEventId(), scheduleToStart, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START);
    }

    /** Arms the operation's {@code type} timer when {@code timeout} is set (start-to-close: when it starts). */
    static void timeoutTimer(Mutation m, long scheduledEventId, Duration timeout, TimeoutType type) {
        if (com.google.protobuf.util.Durations.toNanos(timeout) > 0) {
            m.timerTask(m.now().plus(duration(timeout)), HistoryTask.newBuilder().setNexusTimeout(
                    NexusTask.newBuilder().setScheduledEventId(scheduledEventId).setTimeoutType(type)));
        }
    }

    public void requestCancel(Mutation m, RequestCancelNexusOperationCommandAttributes a) {
        long id = a.getScheduledEventId();
        NexusOperationInfo op = m.state().getNexusOperationsOrDefault(id, null);
        boolean outcomeBuffered = m.state().getBufferedEventsList().stream().anyMatch(e -> closes(e, id));
        if (op == null && !outcomeBuffered) {
            throw new BadCommandException(BAD_CANCEL, "requested cancelation for a non-existing or already completed"
                    + " operation with scheduled event ID of " + id);
        }
        if (op != null && op.hasCancellation()) {
            throw new BadCommandException(BAD_CANCEL,
                    "cancelation was already requested for an operation with scheduled event ID " + id);
        }
        // Always written, even with a buffered outcome, so the SDK's replay finds it.
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED)
                .setNexusOperationCancelRequestedEventAttributes(NexusOperationCancelRequestedEventAttributes.newBuilder()
                        .setScheduledEventId(id).setWorkflowTaskCompletedEventId(m.workflowTaskCompletedEventId())));
        if (op != null && op.getStarted()) {
            m.transferTask(HistoryTask.newBuilder().setNexusCancel(NexusTask.newBuilder().setScheduledEventId(id).setAttempt(1)));
        }
    }

    private static boolean closes(HistoryEvent e, long scheduledEventId) {
        return switch (e.getEventType()) {
            case EVENT_TYPE_NEXUS_OPERATION_COMPLETED -> e.getNexusOperationCompletedEventAttributes().getScheduledEventId() == scheduledEventId;
            case EVENT_TYPE_NEXUS_OPERATION_FAILED -> e.getNexusOperationFailedEventAttributes().getScheduledEventId() == scheduledEventId;
            case EVENT_TYPE_NEXUS_OPERATION_CANCELED -> e.getNexusOperationCanceledEventAttributes().getScheduledEventId() == scheduledEventId;
            case EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT -> e.getNexusOperationTimedOutEventAttributes().getScheduledEventId() == scheduledEventId;
            default -> false;
        };
    }

    private static void checkDuration(Duration d, String field) {
        if (d.getSeconds() < 0 || d.getNanos() < 0) {
            throw new BadCommandException(BAD_SCHEDULE, "ScheduleNexusOperationCommandAttributes." + field
                    + " is invalid: negative duration");
        }
    }

    private static double seconds(Duration d) {
        return d.getSeconds() + d.getNanos() / 1e9;
    }

    static java.time.Duration duration(Duration d) {
        return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }
}
