package io.kairos.history.engine.reset;

import io.kairos.history.engine.EventApplier;
import io.kairos.history.engine.HistoryReads;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.Times;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.engine.activities.Activities;
import io.kairos.history.engine.workflow.ExternalRequests;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.shard.ShardContext;
import io.kairos.persistence.execution.CurrentExecution;
import io.kairos.persistence.execution.ExecutionWrite;
import io.kairos.persistence.execution.HistoryBatch;
import io.kairos.persistence.execution.WorkflowWrite;
import io.kairos.persistence.sql.ConditionFailedException;
import io.kairos.proto.persistence.v1.ActivityInfo;
import io.kairos.proto.persistence.v1.ExecutionInfo;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.InitiatedCommand;
import io.kairos.proto.persistence.v1.TimerInfo;
import io.kairos.proto.persistence.v1.UserTimer;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.kairos.proto.persistence.v1.WorkflowRunTimeout;
import io.kairos.proto.persistence.v1.WorkflowTaskInfo;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.ResetReapplyExcludeType;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.failure.v1.ResetWorkflowFailureInfo;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowExecutionSignaledEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskFailedEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskStartedEventAttributes;
import io.temporal.api.workflow.v1.ResetPointInfo;
import io.temporal.api.workflow.v1.ResetPoints;
import io.temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.ResetWorkflowExecutionResponse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * ResetWorkflowExecution, with the observable behaviour of Temporal's workflow resetter.
 *
 * <p>The new run (same workflow id, new run id) gets the base run's history up to and including
 * {@code workflow_task_finish_event_id - 1}, which must leave a workflow task pending (its Scheduled or Started
 * event). Its mutable state is rebuilt by replaying those events through {@link EventApplier}, as live processing
 * built the base run's. Then, as Temporal: WorkflowTaskStarted if the task had not started, WorkflowTaskFailed
 * (cause RESET_WORKFLOW, base and new run ids), the signals received after the reset point (unless excluded),
 * and a new WorkflowTaskScheduled. Pending activities are sent again, timers re-armed, undelivered external
 * signals and cancel requests sent again, and the run timeout starts over.
 *
 * <p>The current run, when still running, is terminated and the current-run pointer moves to the new run in one
 * transaction ({@link ExecutionWrite.Reset}): the workflow id never lacks a current run.
 */
public final class ResetWorkflow {
    static final String RESETTER_IDENTITY = "history-resetter";
    static final String HISTORY_SERVICE_IDENTITY = "history-service";
    /** Temporal's limit.maxAutoResetPoints default. */
    static final int MAX_AUTO_RESET_POINTS = 20;
    /** Continue-as-new runs after the base run whose signals are reapplied (a guard against a cycle). */
    private static final int MAX_FOLLOWED_RUNS = 1000;
    private static final int MAX_ATTEMPTS = 3;

    private final WorkflowUpdater updater;
    private final HistoryReads reads;

    public ResetWorkflow(WorkflowUpdater updater, HistoryReads reads) {
        this.updater = updater;
        this.reads = reads;
    }

    public ResetWorkflowExecutionResponse reset(NamespaceId ns, ResetWorkflowExecutionRequest req) {
        if (req.getPostResetOperationsCount() > 0) {
            throw new InvalidArgumentException("PostResetOperations are not supported by this server yet.");
        }
        String workflowId = req.getWorkflowExecution().getWorkflowId();
        WorkflowKey baseKey = reads.resolve(ns, workflowId, req.getWorkflowExecution().getRunId());
        ShardContext shard = updater.shards().contextFor(ns, workflowId);
        // Every run of a workflow id shares one lock stripe: the base, the current and the new run stay still.
        ReentrantLock lock = updater.lockFor(workflowId);
        lock.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    return ResetWorkflowExecutionResponse.newBuilder().setRunId(resetOnce(shard, baseKey, req)).build();
                } catch (ConditionFailedException raced) {
                    if (attempt >= MAX_ATTEMPTS) {
                        throw raced;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private String resetOnce(ShardContext shard, WorkflowKey baseKey, ResetWorkflowExecutionRequest req) {
        NamespaceId ns = baseKey.namespaceId();
        WorkflowMutableState base = updater.load(baseKey).orElseThrow(() -> WorkflowUpdater.notFound(baseKey));
        long finish = req.getWorkflowTaskFinishEventId();
        if (finish <= 1 || finish >= base.getNextEventId()) {
            throw new InvalidArgumentException("Workflow task finish ID must be > 1 && <= workflow last event ID.");
        }
        CurrentExecution current = updater.currentRun(ns, baseKey.workflowId())
                .orElseThrow(() -> WorkflowUpdater.notFound(baseKey));
        if (!req.getRequestId().isEmpty() && req.getRequestId().equals(current.createRequestId())) {
            return current.runId().toString(); // a retried reset: the run it created is current
        }
        WorkflowKey currentKey = new WorkflowKey(ns, baseKey.workflowId(), current.runId());
        WorkflowMutableState currentState = currentKey.equals(baseKey) ? base
                : updater.load(currentKey).orElseThrow(() -> WorkflowUpdater.notFound(currentKey));

        WorkflowKey newKey = new WorkflowKey(ns, baseKey.workflowId(), UUID.randomUUID());
        String requestId = req.getRequestId().isEmpty() ? UUID.randomUUID().toString() : req.getRequestId();
        List<HistoryBatch> prefix = updater.store().readHistoryBatches(shard.shardId(), baseKey, 1, finish);
        List<HistoryEvent> prefixEvents = new ArrayList<>();
        prefix.forEach(b -> prefixEvents.addAll(b.events()));
        WorkflowMutableState.Builder rebuilt = rebuild(newKey, requestId, prefixEvents);
        if (rebuilt.getNextEventId() != finish) {
            throw new IllegalStateException("history of " + baseKey + " has a gap before event " + finish);
        }
        if (rebuilt.getChildExecutionsCount() > 0) {
            throw new InvalidArgumentException("WorkflowResetter encountered pending child workflows.");
        }
        if (!rebuilt.hasWorkflowTask()) {
            throw new InvalidArgumentException("Can only reset workflow to event ID in range "
                    + "[WorkflowTaskScheduled +1, WorkflowTaskStarted + 1]: " + finish);
        }

        Mutation m = new Mutation(newKey, shard, rebuilt, updater.clock().instant());
        m.startedEventReader(() -> prefixEvents.get(0));
        failWorkflowTask(m, baseKey, newKey, req.getReason());
        recreateTasks(m);
        Set<ResetReapplyExcludeType> excluded = excluded(req);
        java.util.Set<String> reappliedUpdates = new java.util.HashSet<>();
        for (HistoryEvent e : eventsAfter(shard, baseKey, base, finish, currentKey, currentState)) {
            if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) {
                if (!excluded.contains(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL)) {
                    var a = e.getWorkflowExecutionSignaledEventAttributes();
                    m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
                            .setWorkflowExecutionSignaledEventAttributes(WorkflowExecutionSignaledEventAttributes.newBuilder()
                                    .setSignalName(a.getSignalName()).setInput(a.getInput()).setIdentity(a.getIdentity())
                                    .setHeader(a.getHeader())));
                }
            } else if (!excluded.contains(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE)) {
                reapplyUpdate(m, e, reappliedUpdates);
            }
        }
        m.scheduleWorkflowTask(1);

        WorkflowWrite terminated = null;
        if (currentState.getExecution().getState() == ExecutionState.EXECUTION_STATE_RUNNING) {
            Mutation cm = new Mutation(currentKey, shard, currentState.toBuilder(), m.now());
            cm.startedEventReader(() -> updater.readHistory(currentKey, 1, 2, 1).get(0));
            ExternalRequests.terminate(cm, req.getReason(), RESETTER_IDENTITY, Payloads.getDefaultInstance());
            terminated = cm.toWrite();
        }
        updater.commit(shard, new ExecutionWrite.Reset(currentKey, terminated, newKey, requestId, prefix, m.toWrite()));
        updater.notifier().changed(currentKey);
        updater.notifier().changed(newKey);
        return newKey.runId().toString();
    }

    /**
     * Mutable state of a new run whose history is {@code events}: the same applier as live processing, so the
     * rebuilt state is what the run had after the last of them (save event-less transitions, which the reset
     * redoes: activity attempts start over, stickiness is gone).
     */
    static WorkflowMutableState.Builder rebuild(WorkflowKey key, String createRequestId, List<HistoryEvent> events) {
        WorkflowMutableState.Builder s = WorkflowMutableState.newBuilder()
                .setNextEventId(1)
                .setExecution(ExecutionInfo.newBuilder()
                        .setNamespaceId(key.namespaceId().toString())
                        .setWorkflowId(key.workflowId())
                        .setRunId(key.runId().toString())
                        .setCreateRequestId(createRequestId));
        for (HistoryEvent e : events) {
            if (e.getEventId() != s.getNextEventId()) {
                throw new IllegalStateException("event " + e.getEventId() + " where " + s.getNextEventId() + " was expected");
            }
            s.setNextEventId(e.getEventId() + 1);
            EventApplier.apply(s, e);
        }
        return s;
    }

    /** Temporal's failWorkflowTask: the pending task is started if need be, then failed with RESET_WORKFLOW. */
    private static void failWorkflowTask(Mutation m, WorkflowKey baseKey, WorkflowKey newKey, String reason) {
        WorkflowTaskInfo wt = m.state().getWorkflowTask();
        long startedId = wt.getStartedEventId();
        if (startedId == 0) {
            startedId = m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
                    .setWorkflowTaskStartedEventAttributes(WorkflowTaskStartedEventAttributes.newBuilder()
                            .setScheduledEventId(wt.getScheduledEventId()).setIdentity(HISTORY_SERVICE_IDENTITY)
                            .setRequestId(wt.getRequestId()))).getEventId();
        }
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
                .setWorkflowTaskFailedEventAttributes(WorkflowTaskFailedEventAttributes.newBuilder()
                        .setScheduledEventId(wt.getScheduledEventId()).setStartedEventId(startedId)
                        .setCause(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW)
                        .setFailure(Failure.newBuilder().setMessage(reason)
                                .setResetWorkflowFailureInfo(ResetWorkflowFailureInfo.getDefaultInstance()))
                        .setIdentity(HISTORY_SERVICE_IDENTITY)
                        .setBaseRunId(baseKey.runId().toString()).setNewRunId(newKey.runId().toString())));
    }

    /**
     * The queue tasks the copied prefix left owed, as Temporal's task refresh: activities go out again (scheduled
     * now, as Temporal overrides their scheduled time), timers fire at their original expiry, undelivered external
     * signals and cancel requests are sent again; the run timeout counts from now.
     */
    private static void recreateTasks(Mutation m) {
        var s = m.state();
        List<ActivityInfo> activities = new ArrayList<>(s.getActivitiesMap().values());
        activities.sort(Comparator.comparingLong(ActivityInfo::getScheduledEventId));
        for (ActivityInfo ai : activities) {
            Activities.rescheduleAfterReset(m, ai);
        }
        List<TimerInfo> timers = new ArrayList<>(s.getTimersMap().values());
        timers.sort(Comparator.comparingLong(TimerInfo::getStartedEventId));
        for (TimerInfo t : timers) {
            m.timerTask(Times.instant(t.getExpiryTime()), HistoryTask.newBuilder()
                    .setUserTimer(UserTimer.newBuilder().setTimerId(t.getTimerId()).setStartedEventId(t.getStartedEventId())));
        }
        io.kairos.history.nexus.NexusOperations.recreateTasks(m);
        s.getPendingSignalsMap().keySet().stream().sorted().forEach(id -> m.transferTask(HistoryTask.newBuilder()
                .setSignalExternal(InitiatedCommand.newBuilder().setInitiatedEventId(id))));
        s.getPendingCancelRequestsMap().keySet().stream().sorted().forEach(id -> m.transferTask(HistoryTask.newBuilder()
                .setCancelExternal(InitiatedCommand.newBuilder().setInitiatedEventId(id))));
        var runTimeout = s.getExecution().getRunTimeout();
        if (!Times.isZero(runTimeout)) {
            m.timerTask(m.now().plus(Times.duration(runTimeout)), HistoryTask.newBuilder()
                    .setWorkflowRunTimeout(WorkflowRunTimeout.newBuilder().setRunId(m.key().runId().toString())));
        }
    }

    /** The event types to leave out: reset_reapply_exclude_types plus what the deprecated reset_reapply_type omits. */
    static Set<ResetReapplyExcludeType> excluded(ResetWorkflowExecutionRequest req) {
        Set<ResetReapplyExcludeType> out = EnumSet.noneOf(ResetReapplyExcludeType.class);
        switch (req.getResetReapplyType()) {
            case RESET_REAPPLY_TYPE_SIGNAL -> out.add(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE);
            case RESET_REAPPLY_TYPE_NONE -> {
                out.add(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL);
                out.add(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE);
            }
            default -> {
                // UNSPECIFIED and ALL_ELIGIBLE exclude nothing
            }
        }
        for (ResetReapplyExcludeType t : req.getResetReapplyExcludeTypesList()) {
            if (t != ResetReapplyExcludeType.UNRECOGNIZED) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * An update admitted or accepted after the reset point is admitted again in the new run by a
     * WorkflowExecutionUpdateAdmitted event (origin REAPPLY), which the worker runs its handler for, as Temporal's
     * resetter does. An accepted event without its request follows an admitted one already reapplied.
     */
    private static void reapplyUpdate(Mutation m, HistoryEvent e, Set<String> reapplied) {
        io.temporal.api.update.v1.Request request = switch (e.getEventType()) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED -> e.getWorkflowExecutionUpdateAdmittedEventAttributes().getRequest();
            case EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED -> e.getWorkflowExecutionUpdateAcceptedEventAttributes().getAcceptedRequest();
            default -> null;
        };
        if (request == null || !request.hasMeta() || !reapplied.add(request.getMeta().getUpdateId())) {
            return;
        }
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED)
                .setWorkflowExecutionUpdateAdmittedEventAttributes(
                        io.temporal.api.history.v1.WorkflowExecutionUpdateAdmittedEventAttributes.newBuilder()
                                .setRequest(request)
                                .setOrigin(io.temporal.api.enums.v1.UpdateAdmittedEventOrigin.UPDATE_ADMITTED_EVENT_ORIGIN_REAPPLY)));
    }

    private static boolean reapplicable(HistoryEvent e) {
        return switch (e.getEventType()) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED,
                 EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED -> true;
            default -> false;
        };
    }

    /**
     * The signals and updates to reapply, in order: the base run's after the reset point, then those of the runs it
     * continued as new into; when that chain ends at the running current run, also the signals it holds buffered
     * (Temporal flushes them into the current run's close and reapplies them from there).
     */
    private List<HistoryEvent> eventsAfter(ShardContext shard, WorkflowKey baseKey, WorkflowMutableState base, long finish,
                                           WorkflowKey currentKey, WorkflowMutableState current) {
        List<HistoryEvent> out = new ArrayList<>();
        WorkflowKey key = baseKey;
        WorkflowMutableState state = base;
        long from = finish;
        for (int followed = 0; followed <= MAX_FOLLOWED_RUNS; followed++) {
            List<HistoryEvent> events = updater.readHistory(key, from, state.getNextEventId(), Integer.MAX_VALUE);
            events.stream().filter(ResetWorkflow::reapplicable).forEach(out::add);
            if (key.equals(currentKey)) {
                if (state.getExecution().getState() == ExecutionState.EXECUTION_STATE_RUNNING) {
                    current.getBufferedEventsList().stream()
                            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).forEach(out::add);
                }
                break;
            }
            HistoryEvent last = events.isEmpty() ? null : events.get(events.size() - 1);
            if (last == null || last.getEventType() != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) {
                break;
            }
            WorkflowKey next = new WorkflowKey(key.namespaceId(), key.workflowId(),
                    UUID.fromString(last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId()));
            var nextState = next.equals(currentKey) ? java.util.Optional.of(current) : updater.load(next);
            if (nextState.isEmpty()) {
                break;
            }
            key = next;
            state = nextState.get();
            from = 1;
        }
        return out;
    }

    /**
     * Temporal's auto-reset points, called by {@link EventApplier} for each WorkflowTaskCompleted: the first
     * completion of each binary checksum / build id pair, the newest {@value #MAX_AUTO_RESET_POINTS} kept.
     */
    public static void addAutoResetPoint(WorkflowMutableState.Builder s, HistoryEvent completed) {
        var a = completed.getWorkflowTaskCompletedEventAttributes();
        String checksum = a.getBinaryChecksum();
        String buildId = a.getWorkerVersion().getBuildId();
        var exec = s.getExecutionBuilder();
        List<ResetPointInfo> points = exec.getAutoResetPoints().getPointsList();
        for (ResetPointInfo p : points) {
            if (p.getBinaryChecksum().equals(checksum) && p.getBuildId().equals(buildId)) {
                return;
            }
        }
        List<ResetPointInfo> kept = points.size() >= MAX_AUTO_RESET_POINTS
                ? points.subList(points.size() - MAX_AUTO_RESET_POINTS + 1, points.size()) : points;
        exec.setAutoResetPoints(ResetPoints.newBuilder().addAllPoints(kept).addPoints(ResetPointInfo.newBuilder()
                .setBinaryChecksum(checksum).setBuildId(buildId).setRunId(exec.getRunId())
                .setFirstWorkflowTaskCompletedId(completed.getEventId()).setCreateTime(completed.getEventTime())
                // Temporal's CheckResettable: not while child workflows are pending.
                .setResettable(s.getChildExecutionsCount() == 0)));
    }
}
