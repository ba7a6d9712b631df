package io.kairos.history.engine.workflow;

import io.kairos.history.engine.BadCommandException;
import io.kairos.history.engine.EventApplier;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.RetryPolicies;
import io.kairos.history.engine.Times;
import io.kairos.history.engine.activities.Activities;
import io.kairos.history.engine.activities.PauseInfoAttribute;
import io.kairos.history.engine.children.ChildWorkflows;
import io.kairos.history.engine.children.ExternalCommands;
import io.kairos.history.engine.updates.UpdateMessages;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.UserTimer;
import io.temporal.api.command.v1.Command;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.MarkerRecordedEventAttributes;
import io.temporal.api.history.v1.TimerCanceledEventAttributes;
import io.temporal.api.history.v1.TimerStartedEventAttributes;
import io.temporal.api.history.v1.UpsertWorkflowSearchAttributesEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionCompletedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionFailedEventAttributes;
import io.temporal.api.history.v1.WorkflowPropertiesModifiedEventAttributes;
import io.temporal.api.enums.v1.RetryState;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Command handlers: each validates one command of RespondWorkflowTaskCompleted and emits its events. State
 * changes happen only through those events (EventApplier).
 */
public final class Commands {
    private static final Set<CommandType> CLOSING = EnumSet.of(CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
            CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION, CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
            CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION);

    private final Activities activities;
    private final ChildWorkflows children;
    private final ExternalCommands external;

    public Commands(Activities activities, ChildWorkflows children, ExternalCommands external) {
        this.activities = activities;
        this.children = children;
        this.external = external;
    }

    private java.util.function.BiConsumer<io.kairos.common.ids.NamespaceId, io.temporal.api.common.v1.SearchAttributes>
            searchAttributeValidator = (ns, sa) -> { };

    /** Checks UpsertWorkflowSearchAttributes values against the namespace's registered attributes. */
    public void searchAttributeValidator(java.util.function.BiConsumer<io.kairos.common.ids.NamespaceId,
            io.temporal.api.common.v1.SearchAttributes> v) {
        searchAttributeValidator = v;
    }

    private void validateSearchAttributes(Mutation m, io.temporal.api.common.v1.SearchAttributes sa) {
        try {
            searchAttributeValidator.accept(m.key().namespaceId(), sa);
        } catch (io.kairos.common.errors.InvalidArgumentException e) {
            throw new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES,
                    e.getMessage());
        }
    }

    private io.kairos.history.nexus.NexusCommands nexus = new io.kairos.history.nexus.NexusCommands(null);

    /** ScheduleNexusOperation / RequestCancelNexusOperation; without a registry every endpoint is unknown. */
    public void nexus(io.kairos.history.nexus.NexusCommands n) {
        nexus = n;
    }

    Activities activities() {
        return activities;
    }

    boolean closesWorkflow(List<Command> commands) {
        return commands.stream().anyMatch(c -> CLOSING.contains(c.getCommandType()));
    }

    void apply(Mutation m, List<Command> commands) {
        for (int i = 0; i < commands.size(); i++) {
            Command c = commands.get(i);
            if (!m.isRunning()) {
                throw new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
                        "Command " + c.getCommandType() + " follows a command that closed the workflow.");
            }
            m.commandMetadata(c.hasUserMetadata() ? c.getUserMetadata() : null);
            switch (c.getCommandType()) {
                case COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK -> activities.schedule(m, c.getScheduleActivityTaskCommandAttributes());
                case COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK ->
                        activities.requestCancel(m, c.getRequestCancelActivityTaskCommandAttributes().getScheduledEventId());
                case COMMAND_TYPE_START_TIMER -> startTimer(m, c);
                case COMMAND_TYPE_CANCEL_TIMER -> cancelTimer(m, c);
                case COMMAND_TYPE_RECORD_MARKER -> recordMarker(m, c);
                case COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION -> {
                    var result = c.getCompleteWorkflowExecutionCommandAttributes().getResult();
                    checkBlob(result, WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_COMPLETE_WORKFLOW_EXECUTION_ATTRIBUTES,
                            "CompleteWorkflowExecutionCommandAttributes.Result");
                    m.addEvent(HistoryEvent.newBuilder()
                        .setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
                        .setWorkflowExecutionCompletedEventAttributes(WorkflowExecutionCompletedEventAttributes.newBuilder()
                                .setResult(result)
                                .setNewExecutionRunId(WorkflowRetries.scheduleNextCronRun(m, result, null))
                                .setWorkflowTaskCompletedEventId(lastWorkflowTaskCompletedId(m))));
                }
                case COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION -> failWorkflow(m, c.getFailWorkflowExecutionCommandAttributes().getFailure());
                case COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION -> {
                    if (!m.state().getCancelRequested()) {
                        throw new BadCommandException(
                                WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_WORKFLOW_EXECUTION_ATTRIBUTES,
                                "CancelWorkflowExecution without a cancellation request.");
                    }
                    m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED)
                            .setWorkflowExecutionCanceledEventAttributes(
                                    io.temporal.api.history.v1.WorkflowExecutionCanceledEventAttributes.newBuilder()
                                            .setDetails(c.getCancelWorkflowExecutionCommandAttributes().getDetails())
                                            .setWorkflowTaskCompletedEventId(lastWorkflowTaskCompletedId(m))));
                }
                case COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION -> continueAsNew(m, c);
                case COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION ->
                        children.startChild(m, c.getStartChildWorkflowExecutionCommandAttributes());
                case COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION ->
                        external.signal(m, c.getSignalExternalWorkflowExecutionCommandAttributes());
                case COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION ->
                        external.requestCancel(m, c.getRequestCancelExternalWorkflowExecutionCommandAttributes());
                case COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES -> {
                    validateSearchAttributes(m, c.getUpsertWorkflowSearchAttributesCommandAttributes().getSearchAttributes());
                    m.addEvent(HistoryEvent.newBuilder()
                        .setEventType(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)
                        .setUpsertWorkflowSearchAttributesEventAttributes(UpsertWorkflowSearchAttributesEventAttributes.newBuilder()
                                .setSearchAttributes(c.getUpsertWorkflowSearchAttributesCommandAttributes().getSearchAttributes())
                                .setWorkflowTaskCompletedEventId(lastWorkflowTaskCompletedId(m))));
                }
                case COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES -> m.addEvent(HistoryEvent.newBuilder()
                        .setEventType(EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED)
                        .setWorkflowPropertiesModifiedEventAttributes(WorkflowPropertiesModifiedEventAttributes.newBuilder()
                                .setUpsertedMemo(c.getModifyWorkflowPropertiesCommandAttributes().getUpsertedMemo())
                                .setWorkflowTaskCompletedEventId(lastWorkflowTaskCompletedId(m))));
                case COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION -> nexus.schedule(m, c.getScheduleNexusOperationCommandAttributes());
                case COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION ->
                        nexus.requestCancel(m, c.getRequestCancelNexusOperationCommandAttributes());
                case COMMAND_TYPE_PROTOCOL_MESSAGE -> UpdateMessages.onCommand(m, c.getProtocolMessageCommandAttributes());
                default -> throw new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED,
                        "Command type " + c.getCommandType() + " is not supported by this server yet.");
            }
            m.commandMetadata(null);
        }
    }

    /** Command events reference the WorkflowTaskCompleted event written just before them. */
    public static long lastWorkflowTaskCompletedId(Mutation m) {
        return m.workflowTaskCompletedEventId();
    }

    private static void startTimer(Mutation m, Command c) {
        var a = c.getStartTimerCommandAttributes();
        if (a.getTimerId().isEmpty() || a.getTimerId().length() > io.kairos.common.TemporalCompat.MAX_ID_LENGTH) {
            throw badTimer("TimerId is not set on command or exceeds the length limit.");
        }
        if (a.getStartToFireTimeout().getSeconds() < 0 || Times.isZero(a.getStartToFireTimeout())) {
            throw badTimer("A valid StartToFireTimeout is not set on command.");
        }
        if (m.state().containsTimers(a.getTimerId())) {
            throw badTimer("Timer with id " + a.getTimerId() + " is already started.");
        }
        HistoryEvent e = m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_TIMER_STARTED)
                .setTimerStartedEventAttributes(TimerStartedEventAttributes.newBuilder()
                        .setTimerId(a.getTimerId())
                        .setStartToFireTimeout(a.getStartToFireTimeout())
                        .setWorkflowTaskCompletedEventId(lastWorkflowTaskCompletedId(m))));
        m.timerTask(m.now().plus(Times.duration(a.getStartToFireTimeout())), HistoryTask.newBuilder()
                .setUserTimer(UserTimer.newBuilder().setTimerId(a.getTimerId()).setStartedEventId(e.getEventId())));
    }

    /** WorkflowExecutionFailed; with a workflow retry policy and attempts left, the next attempt starts after its backoff. */
    private static void failWorkflow(Mutation m, io.temporal.api.failure.v1.Failure failure) {
        RetryPolicies.Decision d = WorkflowRetries.decide(m, failure);
        WorkflowExecutionFailedEventAttributes.Builder attrs = WorkflowExecutionFailedEventAttributes.newBuilder()
                .setFailure(failure).setRetryState(d.stopState())
                .setWorkflowTaskCompletedEventId(lastWorkflowTaskCompletedId(m));
        attrs.setNewExecutionRunId(d.retry() ? WorkflowRetries.scheduleNextAttempt(m, failure, d.backoff()).toString()
                : WorkflowRetries.scheduleNextCronRun(m, null, failure));
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED)
                .setWorkflowExecutionFailedEventAttributes(attrs));
    }

    /** Closes this run as ContinuedAsNew; the updater creates the next run in the same transaction. */
    private static void continueAsNew(Mutation m, Command c) {
        var a = c.getContinueAsNewWorkflowExecutionCommandAttributes();
        var exec = m.state().getExecution();
        checkBlob(a.getInput(), WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES,
                "ContinueAsNewWorkflowExecutionCommandAttributes.Input");
        java.util.UUID next = java.util.UUID.randomUUID();
        var type = a.getWorkflowType().getName().isEmpty()
                ? io.temporal.api.common.v1.WorkflowType.newBuilder().setName(exec.getWorkflowType()).build() : a.getWorkflowType();
        var queue = a.getTaskQueue().getName().isEmpty() ? exec.getTaskQueue() : a.getTaskQueue();
        var runTimeout = Times.isZero(a.getWorkflowRunTimeout()) ? exec.getRunTimeout() : a.getWorkflowRunTimeout();
        var taskTimeout = Times.isZero(a.getWorkflowTaskTimeout()) ? exec.getDefaultWorkflowTaskTimeout() : a.getWorkflowTaskTimeout();
        var memo = a.hasMemo() ? a.getMemo() : exec.getMemo();
        var searchAttributes = a.hasSearchAttributes() ? a.getSearchAttributes()
                : PauseInfoAttribute.inherited(exec.getSearchAttributes());
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW)
                .setWorkflowExecutionContinuedAsNewEventAttributes(
                        io.temporal.api.history.v1.WorkflowExecutionContinuedAsNewEventAttributes.newBuilder()
                                .setNewExecutionRunId(next.toString())
                                .setWorkflowType(type).setTaskQueue(queue).setInput(a.getInput())
                                .setWorkflowRunTimeout(runTimeout).setWorkflowTaskTimeout(taskTimeout)
                                .setWorkflowTaskCompletedEventId(lastWorkflowTaskCompletedId(m))
                                .setBackoffStartInterval(a.getBackoffStartInterval())
                                .setInitiator(io.temporal.api.enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW)
                                .setHeader(a.getHeader()).setMemo(memo).setSearchAttributes(searchAttributes)
                                .setLastCompletionResult(a.getLastCompletionResult())));
        m.continueAs(new Mutation.Continuation(next, io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes.newBuilder()
                .setWorkflowType(type).setTaskQueue(queue).setInput(a.getInput())
                .setWorkflowExecutionTimeout(exec.getExecutionTimeout()).setWorkflowRunTimeout(runTimeout)
                .setWorkflowTaskTimeout(taskTimeout)
                .setContinuedExecutionRunId(exec.getRunId())
                .setInitiator(io.temporal.api.enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW)
                .setFirstExecutionRunId(exec.getFirstExecutionRunId())
                .setAttempt(1)
                .setHeader(a.getHeader()).setMemo(memo).setSearchAttributes(searchAttributes)
                .setLastCompletionResult(a.getLastCompletionResult())));
        if (a.hasRetryPolicy()) {
            m.continuation().started().setRetryPolicy(a.getRetryPolicy());
        }
        if (exec.hasPriority()) {
            m.continuation().started().setPriority(exec.getPriority()); // the chain keeps its priority
        }
        ChildWorkflows.inheritParent(m, m.continuation().started());
    }

    private static BadCommandException badTimer(String message) {
        return new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES, message);
    }

    /** Payloads a command carries count against the 2 MiB blob limit. */
    public static void checkBlob(com.google.protobuf.MessageLite blob, WorkflowTaskFailedCause cause, String field) {
        if (blob.getSerializedSize() > BLOB_SIZE_LIMIT) {
            throw new BadCommandException(cause, field + " exceeds size limit.");
        }
    }

    static final int BLOB_SIZE_LIMIT = 2 * 1024 * 1024;

    private static void cancelTimer(Mutation m, Command c) {
        String id = c.getCancelTimerCommandAttributes().getTimerId();
        var timer = m.state().getTimersOrDefault(id, null);
        if (timer == null) {
            throw new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
                    "Timer with id " + id + " is not started.");
        }
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_TIMER_CANCELED)
                .setTimerCanceledEventAttributes(TimerCanceledEventAttributes.newBuilder()
                        .setTimerId(id)
                        .setStartedEventId(timer.getStartedEventId())
                        .setWorkflowTaskCompletedEventId(lastWorkflowTaskCompletedId(m))));
    }

    private static void recordMarker(Mutation m, Command c) {
        var a = c.getRecordMarkerCommandAttributes();
        if (a.getMarkerName().isEmpty()) {
            throw new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES,
                    "MarkerName is not set on command.");
        }
        MarkerRecordedEventAttributes.Builder marker = MarkerRecordedEventAttributes.newBuilder()
                .setMarkerName(a.getMarkerName())
                .putAllDetails(a.getDetailsMap())
                .setHeader(a.getHeader())
                .setWorkflowTaskCompletedEventId(lastWorkflowTaskCompletedId(m));
        if (a.hasFailure()) {
            // Presence matters: on replay the SDK reads a marker with a failure (even an empty one) as a failed
            // local activity.
            marker.setFailure(a.getFailure());
        }
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_MARKER_RECORDED)
                .setMarkerRecordedEventAttributes(marker));
    }
}
