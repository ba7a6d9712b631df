package io.kairos.history.engine;

import io.kairos.history.engine.activities.Activities;
import io.kairos.history.engine.activities.PauseInfoAttribute;
import io.kairos.history.engine.children.ChildWorkflows;
import io.kairos.history.engine.updates.UpdateMessages;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.shard.ShardContext;
import io.kairos.persistence.execution.QueueTask;
import io.kairos.persistence.execution.WorkflowWrite;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.kairos.proto.persistence.v1.WorkflowTaskDispatch;
import io.kairos.proto.persistence.v1.WorkflowTaskInfo;
import io.kairos.proto.persistence.v1.WorkflowTaskTimeout;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowTaskScheduledEventAttributes;
import io.temporal.api.taskqueue.v1.TaskQueue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One unit of work on one workflow run: the events it appends, the state they produce and the queue tasks
 * to create, all committed together by {@link WorkflowUpdater}. Events that arrive while a workflow task is
 * running are buffered (state changes at once, ids are assigned when the task completes), as in Temporal.
 */
public final class Mutation {
    /** Events a running workflow task must not see in the middle of its history. */
    private static final Set<EventType> BUFFERABLE = EnumSet.of(
            EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
            EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED, EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
            EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, EventType.EVENT_TYPE_TIMER_FIRED,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
            EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
            EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
            EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
            EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
            EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED,
            EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
            EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
            EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
            EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED, EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED,
            EventType.EVENT_TYPE_NEXUS_OPERATION_FAILED, EventType.EVENT_TYPE_NEXUS_OPERATION_CANCELED,
            EventType.EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT, EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED,
            EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_FAILED,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED);

    final WorkflowKey key;
    final ShardContext shard;
    final WorkflowMutableState.Builder state;
    final long expectedRecordVersion;
    private final WorkflowMutableState original;
    final Instant now;
    private final List<HistoryEvent> events = new ArrayList<>();
    private final List<QueueTask> transferTasks = new ArrayList<>();
    private final List<QueueTask> timerTasks = new ArrayList<>();
    private boolean completingWorkflowTask;
    /** Activities scheduled by this completion whose worker asked to run them itself (eager execution). */
    private final List<Long> eagerActivities = new java.util.ArrayList<>();

    public Mutation(WorkflowKey key, ShardContext shard, WorkflowMutableState.Builder state, Instant now) {
        this.key = key;
        this.shard = shard;
        this.state = state;
        this.expectedRecordVersion = state.getDbRecordVersion();
        this.original = state.build();
        this.now = now;
    }

    public WorkflowKey key() {
        return key;
    }

    /** Links for the next event added (Temporal's HistoryEvent.links, e.g. a Nexus caller's on WorkflowExecutionStarted). */
    public void eventLinks(List<io.temporal.api.common.v1.Link> links) {
        this.eventLinks = links;
    }

    private List<io.temporal.api.common.v1.Link> eventLinks;

    public WorkflowMutableState.Builder state() {
        return state;
    }

    public Instant now() {
        return now;
    }

    public Timestamp nowTs() {
        return Times.ts(now);
    }

    public boolean isRunning() {
        return state.getExecution().getState() == ExecutionState.EXECUTION_STATE_RUNNING;
    }

    public boolean workflowTaskStarted() {
        return state.hasWorkflowTask() && state.getWorkflowTask().getStartedEventId() > 0;
    }

    /** While handling RespondWorkflowTaskCompleted, command events are written directly, not buffered. */
    public void requestEagerActivity(long scheduledEventId) {
        eagerActivities.add(scheduledEventId);
    }

    public List<Long> eagerActivities() {
        return eagerActivities;
    }

    public void completingWorkflowTask(boolean on) {
        completingWorkflowTask = on;
    }

    private long workflowTaskCompletedEventId;
    private io.temporal.api.sdk.v1.UserMetadata commandMetadata;

    /** The user metadata of the command being applied (null: none), for the first event it writes, as Temporal does. */
    public void commandMetadata(io.temporal.api.sdk.v1.UserMetadata metadata) {
        commandMetadata = metadata;
    }

    /** The next run a ContinueAsNew command asked for: committed together with this run's close. */
    public record Continuation(java.util.UUID runId, io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes.Builder started) {
    }

    private Continuation continuation;
    private java.util.function.Supplier<HistoryEvent> startedEvent = () -> {
        throw new IllegalStateException("no history reader");
    };

    /** In-memory effects (update registry) to apply once this mutation is committed, or when it commits nothing. */
    private final List<Runnable> afterCommit = new ArrayList<>();
    /** The protocol messages of the workflow task completion being handled, or null. */
    private UpdateMessages updateMessages;

    public void afterCommit(Runnable effect) {
        afterCommit.add(effect);
    }

    void runAfterCommit() {
        afterCommit.forEach(Runnable::run);
        afterCommit.clear();
    }

    public void updateMessages(UpdateMessages messages) {
        updateMessages = messages;
    }

    public UpdateMessages updateMessages() {
        return updateMessages;
    }

    /** WorkflowExecutionStarted of this run, read from history when a retry needs the original input. */
    public HistoryEvent startedEvent() {
        return startedEvent.get();
    }

    public void startedEventReader(java.util.function.Supplier<HistoryEvent> reader) {
        startedEvent = reader;
    }

    public void continueAs(Continuation next) {
        continuation = next;
    }

    public Continuation continuation() {
        return continuation;
    }

    public void workflowTaskCompletedEventId(long id) {
        workflowTaskCompletedEventId = id;
    }

    /** The WorkflowTaskCompleted event the commands being applied reference. */
    public long workflowTaskCompletedEventId() {
        return workflowTaskCompletedEventId;
    }

    /**
     * Appends an event (or buffers it while a workflow task runs) and applies it to the state.
     *
     * @return the event with its id, or the buffered event with id 0
     */
    public HistoryEvent addEvent(HistoryEvent.Builder b) {
        b.setEventTime(nowTs());
        if (commandMetadata != null) { // the first event of a command carries its summary and details
            b.setUserMetadata(commandMetadata);
            commandMetadata = null;
        }
        if (eventLinks != null) {
            b.addAllLinks(eventLinks);
            eventLinks = null;
        }
        if (workflowTaskStarted() && !completingWorkflowTask && BUFFERABLE.contains(b.getEventType())) {
            HistoryEvent buffered = b.setEventId(0).build();
            state.addBufferedEvents(buffered);
            EventApplier.apply(state, buffered);
            return buffered;
        }
        HistoryEvent e = b.setEventId(state.getNextEventId()).setTaskId(shard.nextTaskId()).build();
        state.setNextEventId(state.getNextEventId() + 1);
        events.add(e);
        boolean wasRunning = isRunning();
        EventApplier.apply(state, e);
        if (wasRunning && !isRunning()) {
            ChildWorkflows.closed(this);
            io.kairos.history.nexus.NexusCallbacks.closed(this, e);
        }
        return e;
    }

    /** The event added last by this mutation, or null. */
    public HistoryEvent lastEvent() {
        return events.isEmpty() ? null : events.get(events.size() - 1);
    }

    public boolean hasBufferedEvents() {
        return state.getBufferedEventsCount() > 0;
    }

    /** Writes buffered events with real ids, pointing activity outcomes at their (also buffered) Started event. */
    public void flushBufferedEvents() {
        List<HistoryEvent> buffered = new ArrayList<>(state.getBufferedEventsList());
        state.clearBufferedEvents();
        Map<Long, Long> startedIds = new HashMap<>();
        Map<Long, Long> childStartedIds = new HashMap<>();
        for (HistoryEvent be : buffered) {
            HistoryEvent.Builder b = be.toBuilder().setEventId(state.getNextEventId()).setTaskId(shard.nextTaskId());
            switch (b.getEventType()) {
                case EVENT_TYPE_ACTIVITY_TASK_STARTED ->
                        startedIds.put(b.getActivityTaskStartedEventAttributes().getScheduledEventId(), b.getEventId());
                case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> {
                    var a = b.getActivityTaskCompletedEventAttributesBuilder();
                    a.setStartedEventId(startedIds.getOrDefault(a.getScheduledEventId(), a.getStartedEventId()));
                }
                case EVENT_TYPE_ACTIVITY_TASK_FAILED -> {
                    var a = b.getActivityTaskFailedEventAttributesBuilder();
                    a.setStartedEventId(startedIds.getOrDefault(a.getScheduledEventId(), a.getStartedEventId()));
                }
                case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT -> {
                    var a = b.getActivityTaskTimedOutEventAttributesBuilder();
                    a.setStartedEventId(startedIds.getOrDefault(a.getScheduledEventId(), a.getStartedEventId()));
                }
                case EVENT_TYPE_ACTIVITY_TASK_CANCELED -> {
                    var a = b.getActivityTaskCanceledEventAttributesBuilder();
                    a.setStartedEventId(startedIds.getOrDefault(a.getScheduledEventId(), a.getStartedEventId()));
                }
                case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED -> childStartedIds.put(
                        b.getChildWorkflowExecutionStartedEventAttributes().getInitiatedEventId(), b.getEventId());
                default -> ChildWorkflows.pointAtStarted(b, childStartedIds);
            }
            state.setNextEventId(state.getNextEventId() + 1);
            HistoryEvent written = b.build();
            EventApplier.written(state, be, written);
            events.add(written);
        }
    }

    /**
     * Schedules a workflow task unless one is already pending. Attempt 1 writes WorkflowTaskScheduled; later
     * attempts (after failures or timeouts) are transient: no event until the task completes.
     */
    public void scheduleWorkflowTask(int attempt) {
        if (io.kairos.common.ids.StandaloneIds.isStandalone(key.workflowId())) {
            // A standalone execution has no workflow: what would wake one closes it once its operation is done.
            if (io.kairos.common.ids.StandaloneIds.isActivity(key.workflowId())) {
                io.kairos.history.standalone.StandaloneActivities.settle(this);
            } else {
                io.kairos.history.standalone.StandaloneNexusOperations.settle(this);
            }
            return;
        }
        if (pendingOnBackoff()) {
            return; // a signal during a start delay or cron/retry backoff waits for it, as in Temporal
        }
        scheduleWorkflowTaskNow(attempt);
    }

    /**
     * The run waits for its first workflow task's backoff (start delay, cron, retry): it never had a workflow task
     * and its execution time is still ahead of its start. Only the backoff timer schedules it.
     */
    boolean pendingOnBackoff() {
        var exec = state.getExecution();
        return !state.hasWorkflowTask() && !exec.getHadWorkflowTask()
                && Times.instant(exec.getExecutionTime()).isAfter(Times.instant(exec.getStartTime()));
    }

    /** Schedules a workflow task unless one is pending, backoff or not (the backoff timer's call). */
    public void scheduleWorkflowTaskNow(int attempt) {
        if (state.hasWorkflowTask() || !isRunning()) {
            return;
        }
        var exec = state.getExecution();
        Duration timeout = exec.getDefaultWorkflowTaskTimeout();
        boolean sticky = !exec.getStickyTaskQueue().getName().isEmpty();
        TaskQueue queue = sticky ? exec.getStickyTaskQueue() : exec.getTaskQueue();
        if (attempt <= 1) {
            addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
                    .setWorkflowTaskScheduledEventAttributes(WorkflowTaskScheduledEventAttributes.newBuilder()
                            .setTaskQueue(queue)
                            .setStartToCloseTimeout(timeout)
                            .setAttempt(1)));
        } else {
            state.getExecutionBuilder().setHadWorkflowTask(true);
            state.setWorkflowTask(WorkflowTaskInfo.newBuilder()
                    .setScheduledEventId(state.getNextEventId())
                    .setAttempt(attempt)
                    .setScheduledTime(nowTs())
                    .setStartToCloseTimeout(timeout)
                    .setTaskQueue(queue)
                    .setTransient(true));
        }
        WorkflowTaskInfo wt = state.getWorkflowTask();
        dispatchWorkflowTask(wt);
        if (sticky) {
            // Not picked up by the sticky worker in time: the task moves to the normal queue.
            timerTask(now.plus(Times.duration(exec.getStickyScheduleToStartTimeout())), HistoryTask.newBuilder()
                    .setWorkflowTaskTimeout(WorkflowTaskTimeout.newBuilder().setScheduledEventId(wt.getScheduledEventId())
                            .setAttempt(wt.getAttempt()).setTimeoutType(TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START)));
        }
    }

    /** Sends the pending workflow task to matching on the queue recorded in it. */
    public void dispatchWorkflowTask(WorkflowTaskInfo wt) {
        var exec = state.getExecution();
        boolean sticky = wt.getTaskQueue().getKind() == io.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY;
        transferTask(HistoryTask.newBuilder().setWorkflowTask(WorkflowTaskDispatch.newBuilder()
                .setScheduledEventId(wt.getScheduledEventId()).setAttempt(wt.getAttempt()).setTaskQueue(wt.getTaskQueue())
                .setScheduleToStartTimeout(sticky ? exec.getStickyScheduleToStartTimeout() : Duration.getDefaultInstance())));
    }

    /** Eager start: the first workflow task goes to the starting worker in the start response, not to matching. */
    public void dropWorkflowTaskDispatch() {
        transferTasks.removeIf(t -> t.task().hasWorkflowTask());
    }

    /** Later workflow tasks go to the normal queue with full history (after failures, timeouts, a lost worker). */
    public void clearStickiness() {
        if (!state.getExecution().getStickyTaskQueue().getName().isEmpty()) {
            state.getExecutionBuilder().clearStickyTaskQueue().clearStickyScheduleToStartTimeout();
        }
    }

    public void workflowTaskTimeoutTimer(WorkflowTaskInfo wt) {
        timerTask(now.plus(Times.duration(wt.getStartToCloseTimeout())), HistoryTask.newBuilder()
                .setWorkflowTaskTimeout(WorkflowTaskTimeout.newBuilder().setScheduledEventId(wt.getScheduledEventId())
                        .setAttempt(wt.getAttempt()).setTimeoutType(TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE)));
    }

    public void transferTask(HistoryTask.Builder t) {
        transferTasks.add(new QueueTask(shard.nextTaskId(), null, withKey(t)));
    }

    public void timerTask(Instant fireAt, HistoryTask.Builder t) {
        timerTasks.add(new QueueTask(shard.nextTaskId(), fireAt, withKey(t)));
    }

    private HistoryTask withKey(HistoryTask.Builder t) {
        return t.setNamespaceId(key.namespaceId().toString()).setWorkflowId(key.workflowId())
                .setRunId(key.runId().toString()).build();
    }

    /**
     * Whether there is anything to commit. State is compared as a whole, so event-less transitions (activity
     * started, heartbeats, retries, buffered events) are never dropped by a handler forgetting to flag them.
     */
    public boolean hasChanges() {
        return !events.isEmpty() || !transferTasks.isEmpty() || !timerTasks.isEmpty() || !state.build().equals(original);
    }

    private boolean pausesChanged;
    private boolean pauseInfoChanged;

    /** An activity was paused or unpaused: the TemporalPauseInfo search attribute is derived again at the write. */
    public void pausesChanged() {
        pausesChanged = true;
    }

    /** Started, search attributes or memo upserted, or closed: the run's visibility record must be written. */
    private io.kairos.proto.persistence.v1.UpsertVisibility.Kind visibilityKind(boolean closing) {
        if (closing) {
            return io.kairos.proto.persistence.v1.UpsertVisibility.Kind.KIND_CLOSE;
        }
        boolean started = events.stream().anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
        return started ? io.kairos.proto.persistence.v1.UpsertVisibility.Kind.KIND_START
                : io.kairos.proto.persistence.v1.UpsertVisibility.Kind.KIND_UPSERT;
    }

    private boolean changesVisibility() {
        boolean wasRunning = original.getExecution().getState() == ExecutionState.EXECUTION_STATE_RUNNING;
        if (wasRunning != isRunning()) {
            return true;
        }
        if (pauseInfoChanged) {
            return true;
        }
        for (HistoryEvent e : events) {
            switch (e.getEventType()) {
                case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
                     EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED -> {
                    return true;
                }
                default -> {
                }
            }
        }
        return false;
    }

    public List<HistoryEvent> events() {
        return events;
    }

    private java.util.function.Function<io.kairos.common.ids.NamespaceId, java.time.Duration> retention;

    void retention(java.util.function.Function<io.kairos.common.ids.NamespaceId, java.time.Duration> r) {
        retention = r;
    }

    private boolean archiveOnClose;

    /** Closing writes an ArchiveExecution task (the cluster archives; the task checks the namespace). */
    void archiveOnClose(boolean on) {
        archiveOnClose = on;
    }

    public WorkflowWrite toWrite() {
        boolean closing = original.getExecution().getState() == ExecutionState.EXECUTION_STATE_RUNNING && !isRunning();
        if (closing && retention != null) {
            java.time.Duration keep = retention.apply(key.namespaceId());
            if (keep != null && !keep.isNegative() && !keep.isZero()) {
                timerTask(now.plus(keep), HistoryTask.newBuilder()
                        .setDeleteHistory(io.kairos.proto.persistence.v1.DeleteHistory.getDefaultInstance()));
            }
        }
        if (closing && archiveOnClose) {
            transferTask(HistoryTask.newBuilder()
                    .setArchiveExecution(io.kairos.proto.persistence.v1.ArchiveExecution.getDefaultInstance()));
        }
        // Pauses change it; so does a paused activity closing (it is then no longer pending).
        if (pausesChanged || (PauseInfoAttribute.present(state) && PauseInfoAttribute.pausedChanged(original, state))) {
            pauseInfoChanged = PauseInfoAttribute.refresh(state);
        }
        if (changesVisibility()) {
            transferTask(HistoryTask.newBuilder().setUpsertVisibility(io.kairos.proto.persistence.v1.UpsertVisibility
                    .newBuilder().setKind(visibilityKind(closing))));
        }
        long txnId = events.isEmpty() ? 0 : shard.nextTaskId();
        return new WorkflowWrite(state.build(), expectedRecordVersion, events, txnId, transferTasks, timerTasks);
    }
}
