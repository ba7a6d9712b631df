package io.kairos.history.engine.activities;

import io.kairos.history.engine.BadCommandException;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.RetryPolicies;
import io.kairos.history.engine.Times;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.engine.workflow.Commands;
import io.kairos.history.engine.workflow.WorkflowTasks;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.TaskToken;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.lifecycle.ActivityLifecycle;
import io.kairos.proto.history.v1.RecordActivityTaskStartedRequest;
import io.kairos.proto.persistence.v1.ActivityInfo;
import io.kairos.proto.persistence.v1.ActivityRetry;
import io.kairos.proto.persistence.v1.ActivityTaskDispatch;
import io.kairos.proto.persistence.v1.ActivityTimeout;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.TaskTokenData;
import io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.failure.v1.TimeoutFailureInfo;
import io.temporal.api.history.v1.ActivityTaskCancelRequestedEventAttributes;
import io.temporal.api.history.v1.ActivityTaskCanceledEventAttributes;
import io.temporal.api.history.v1.ActivityTaskCompletedEventAttributes;
import io.temporal.api.history.v1.ActivityTaskFailedEventAttributes;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.history.v1.ActivityTaskStartedEventAttributes;
import io.temporal.api.history.v1.ActivityTaskTimedOutEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RecordActivityTaskHeartbeatRequest;
import io.temporal.api.workflowservice.v1.RecordActivityTaskHeartbeatResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCanceledRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskFailedRequest;

import java.time.Instant;
import java.util.List;

/**
 * The activity lifecycle (see {@link io.kairos.history.lifecycle.ActivityLifecycle}). Retries happen here, server
 * side, without events: only the final attempt writes ActivityTaskStarted together with its outcome.
 */
public final class Activities {
    static final int MAX_PENDING_ACTIVITIES = 2000;

    private final WorkflowUpdater updater;

    public Activities(WorkflowUpdater updater) {
        this.updater = updater;
    }

    // ---- scheduling (command) ----

    public void schedule(Mutation m, ScheduleActivityTaskCommandAttributes a) {
        if (a.getActivityId().isEmpty() || a.getActivityId().length() > io.kairos.common.TemporalCompat.MAX_ID_LENGTH) {
            throw badSchedule("ActivityId is not set on command or exceeds the length limit.");
        }
        if (a.getActivityType().getName().isEmpty()) {
            throw badSchedule("ActivityType is not set on command.");
        }
        if (m.state().getActivitiesCount() >= MAX_PENDING_ACTIVITIES) {
            throw new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_PENDING_ACTIVITIES_LIMIT_EXCEEDED,
                    "PendingActivitiesLimitExceeded: the workflow has " + MAX_PENDING_ACTIVITIES + " pending activities.");
        }
        for (ActivityInfo ai : m.state().getActivitiesMap().values()) {
            if (ai.getActivityId().equals(a.getActivityId())) {
                throw badSchedule("Activity with ID " + a.getActivityId() + " is already pending.");
            }
        }
        Commands.checkBlob(a.getInput(), WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
                "ScheduleActivityTaskCommandAttributes.Input");
        ActivityTimeouts t;
        try {
            t = ActivityTimeouts.normalize(a, m.state().getExecution().getRunTimeout());
        } catch (InvalidArgumentException e) {
            throw badSchedule(e.getMessage());
        }
        var taskQueue = a.getTaskQueue().getName().isEmpty() ? m.state().getExecution().getTaskQueue() : a.getTaskQueue();
        HistoryEvent e = m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .setActivityTaskScheduledEventAttributes(ActivityTaskScheduledEventAttributes.newBuilder()
                        .setActivityId(a.getActivityId())
                        .setActivityType(a.getActivityType())
                        .setTaskQueue(taskQueue)
                        .setHeader(a.getHeader())
                        .setInput(a.getInput())
                        .setScheduleToCloseTimeout(t.scheduleToClose())
                        .setScheduleToStartTimeout(t.scheduleToStart())
                        .setStartToCloseTimeout(t.startToClose())
                        .setHeartbeatTimeout(t.heartbeat())
                        .setWorkflowTaskCompletedEventId(Commands.lastWorkflowTaskCompletedId(m))
                        .setRetryPolicy(RetryPolicies.withDefaults(a.getRetryPolicy()))
                        .setPriority(a.getPriority())));
        ActivityInfo ai = m.state().getActivitiesOrThrow(e.getEventId());
        if (a.getRequestEagerExecution() && taskQueue.getName().equals(m.state().getExecution().getTaskQueue().getName())) {
            // The completing worker runs it: started when the whole completion is applied (startEager).
            m.requestEagerActivity(e.getEventId());
        } else {
            dispatch(m, ai);
        }
        if (!Times.isZero(t.scheduleToClose())) {
            timeoutTimer(m, ai, 1, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE,
                    m.now().plus(Times.duration(t.scheduleToClose())));
        }
    }

    /** A standalone activity's one activity, scheduled in its hidden run's first mutation. */
    public void scheduleStandalone(Mutation m, ScheduleActivityTaskCommandAttributes a) {
        schedule(m, a);
    }

    /** RequestCancelActivityExecution: as the workflow command (canceled at once when no worker runs it). */
    public void requestCancelStandalone(Mutation m, long scheduledId) {
        requestCancel(m, scheduledId);
        m.scheduleWorkflowTask(1); // what a workflow would be woken by closes a standalone run
    }

    private static BadCommandException badSchedule(String message) {
        return new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, message);
    }

    /**
     * A pending activity of a reset run's copied history (scheduled, never started there): sent again as Temporal
     * does, its scheduled time moved to now and its schedule-to-close timeout counted from there.
     */
    public static void rescheduleAfterReset(Mutation m, ActivityInfo ai) {
        ActivityInfo now = ai.toBuilder().setScheduledTime(m.nowTs()).setCurrentAttemptScheduledTime(m.nowTs()).build();
        m.state().putActivities(now.getScheduledEventId(), now);
        dispatch(m, now);
        var scheduleToClose = now.getScheduled().getScheduleToCloseTimeout();
        if (!Times.isZero(scheduleToClose)) {
            timeoutTimer(m, now, now.getAttempt(), TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE,
                    m.now().plus(Times.duration(scheduleToClose)));
        }
    }

    /** Sends the current attempt to matching and arms its schedule-to-start timer. */
    private static void dispatch(Mutation m, ActivityInfo ai) {
        sendToMatching(m, ai);
        var s = ai.getScheduled();
        if (!Times.isZero(s.getScheduleToStartTimeout())) {
            timeoutTimer(m, ai, ai.getAttempt(), TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
                    m.now().plus(Times.duration(s.getScheduleToStartTimeout())));
        }
    }

    private static void sendToMatching(Mutation m, ActivityInfo ai) {
        var s = ai.getScheduled();
        m.transferTask(HistoryTask.newBuilder().setActivityTask(ActivityTaskDispatch.newBuilder()
                .setScheduledEventId(ai.getScheduledEventId()).setAttempt(ai.getAttempt()).setTaskQueue(s.getTaskQueue())
                .setScheduleToStartTimeout(s.getScheduleToStartTimeout())));
    }

    private static void timeoutTimer(Mutation m, ActivityInfo ai, int attempt, TimeoutType type, Instant at) {
        m.timerTask(at, HistoryTask.newBuilder().setActivityTimeout(ActivityTimeout.newBuilder()
                .setScheduledEventId(ai.getScheduledEventId()).setAttempt(attempt).setTimeoutType(type)
                .setStamp(ai.getStamp())));
    }

    private static void retryTimer(Mutation m, ActivityInfo ai, Instant at) {
        m.timerTask(at, HistoryTask.newBuilder().setActivityRetry(ActivityRetry.newBuilder()
                .setScheduledEventId(ai.getScheduledEventId()).setAttempt(ai.getAttempt()).setStamp(ai.getStamp())));
    }

    /** The attempt number the running attempt's task token and timers carry (a reset may have renumbered it). */
    static int runningAttempt(ActivityInfo ai) {
        return ai.getStartedAttempt() != 0 ? ai.getStartedAttempt() : ai.getAttempt();
    }

    /**
     * Every timer the activity's current state needs, under its current stamp: called after the stamp was bumped,
     * which turned the earlier ones into no-ops. A paused activity has none until it is unpaused (as in Temporal,
     * where a paused activity's timeouts do not fire); deadlines already past fire at once.
     */
    static void armTimers(Mutation m, ActivityInfo ai) {
        if (ai.getPaused()) {
            return;
        }
        var s = ai.getScheduled();
        if (!Times.isZero(s.getScheduleToCloseTimeout())) {
            timeoutTimer(m, ai, ai.getAttempt(), TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE,
                    Times.instant(ai.getScheduledTime()).plus(Times.duration(s.getScheduleToCloseTimeout())));
        }
        if (ai.getStarted()) {
            Instant started = Times.instant(ai.getStartedTime());
            if (!Times.isZero(s.getStartToCloseTimeout())) {
                timeoutTimer(m, ai, runningAttempt(ai), TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
                        started.plus(Times.duration(s.getStartToCloseTimeout())));
            }
            if (!Times.isZero(s.getHeartbeatTimeout())) {
                Instant last = ai.hasLastHeartbeatTime() ? Times.instant(ai.getLastHeartbeatTime()) : started;
                timeoutTimer(m, ai, runningAttempt(ai), TimeoutType.TIMEOUT_TYPE_HEARTBEAT,
                        last.plus(Times.duration(s.getHeartbeatTimeout())));
            }
        } else if (ai.getRetryPending()) {
            retryTimer(m, ai, Times.instant(ai.getCurrentAttemptScheduledTime()));
        } else if (!Times.isZero(s.getScheduleToStartTimeout())) {
            timeoutTimer(m, ai, ai.getAttempt(), TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
                    Times.instant(ai.getCurrentAttemptScheduledTime()).plus(Times.duration(s.getScheduleToStartTimeout())));
        }
    }

    /**
     * Temporal's RegenerateActivityRetryTask for an activity no worker runs: its attempt is scheduled for {@code at},
     * dispatched now if that has come (SCHEDULED), else waiting for a retry timer (BACKOFF); a paused activity only
     * records the time, UnpauseActivity dispatches it. As in Temporal the last failure and worker are forgotten and a
     * requested heartbeat reset is applied. The caller has bumped the stamp; all timers are armed again here.
     *
     * @param from the activity's state before the caller's changes (for the lifecycle check)
     */
    static ActivityInfo scheduleAttempt(Mutation m, ActivityLifecycle.State from, ActivityInfo ai, Instant at) {
        if (ai.getStarted()) {
            throw new IllegalStateException("activity " + ai.getActivityId() + " is running: no attempt to schedule");
        }
        ActivityInfo.Builder b = ai.toBuilder().setCurrentAttemptScheduledTime(Times.ts(at))
                .clearLastFailure().clearLastWorkerIdentity().setActivityReset(false)
                .setRetryPending(!ai.getPaused() && at.isAfter(m.now()));
        if (ai.getResetHeartbeats()) {
            b.clearHeartbeatDetails().clearLastHeartbeatTime().setResetHeartbeats(false);
        }
        ActivityInfo next = b.build();
        ActivityLifecycle.moved(from, next);
        m.state().putActivities(next.getScheduledEventId(), next);
        if (!next.getPaused() && !next.getRetryPending()) {
            sendToMatching(m, next);
        }
        armTimers(m, next);
        return next;
    }

    public void requestCancel(Mutation m, long scheduledId) {
        ActivityInfo ai = m.state().getActivitiesOrDefault(scheduledId, null);
        if (ai == null) {
            throw new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
                    "RequestCancelActivityTask: activity with scheduled event ID " + scheduledId + " is not pending.");
        }
        HistoryEvent req = m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED)
                .setActivityTaskCancelRequestedEventAttributes(ActivityTaskCancelRequestedEventAttributes.newBuilder()
                        .setScheduledEventId(scheduledId)
                        .setWorkflowTaskCompletedEventId(Commands.lastWorkflowTaskCompletedId(m))));
        if (!ai.getStarted()) {
            // Not running anywhere: canceled at once.
            m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED)
                    .setActivityTaskCanceledEventAttributes(ActivityTaskCanceledEventAttributes.newBuilder()
                            .setScheduledEventId(scheduledId)
                            .setLatestCancelRequestedEventId(req.getEventId())));
        }
    }

    // ---- worker side ----

    public PollActivityTaskQueueResponse recordStarted(RecordActivityTaskStartedRequest req) {
        WorkflowKey key = WorkflowTasks.key(req.getNamespaceId(), req.getExecution());
        return updater.update(key, m -> {
            requireRunning(m);
            ActivityInfo ai = m.state().getActivitiesOrDefault(req.getScheduledEventId(), null);
            if (ai == null || runningAttempt(ai) != req.getAttempt() || ai.getRetryPending()) {
                throw new NotFoundException("Activity task not found.");
            }
            if (ai.getStarted()) {
                if (ai.getRequestId().equals(req.getPollerId())) {
                    return response(m, key, ai);
                }
                throw new NotFoundException("Activity task already started.");
            }
            // A paused activity starts nothing (UnpauseActivity dispatches it again); a task left on a queue the
            // activity's options moved it off is obsolete. Matching drops the task on NOT_FOUND.
            String polled = req.getPollRequest().getTaskQueue().getName();
            if (ai.getPaused() || (!polled.isEmpty() && !polled.equals(ai.getScheduled().getTaskQueue().getName()))) {
                throw new NotFoundException("Activity task not found.");
            }
            return response(m, key, markStarted(m, ai, req.getPollRequest().getIdentity(), req.getPollerId()));
        });
    }

    /**
     * Eager execution (Temporal's request_eager_execution): the activities this completion scheduled for its own
     * worker start in the same transaction and go back in the completion's response, skipping matching. One that
     * the same completion already canceled is not started; a closed workflow starts none.
     */
    public List<PollActivityTaskQueueResponse> startEager(Mutation m, WorkflowKey key, String identity) {
        List<PollActivityTaskQueueResponse> out = new java.util.ArrayList<>();
        for (long scheduledId : m.eagerActivities()) {
            ActivityInfo ai = m.state().getActivitiesOrDefault(scheduledId, null);
            if (ai == null || !m.isRunning()) {
                continue;
            }
            if (ai.getStarted()) {
                continue;
            }
            if (ai.getCancelRequested()) {
                dispatch(m, ai); // not eager after all: matching delivers it as usual
                continue;
            }
            out.add(response(m, key, markStarted(m, ai, identity, java.util.UUID.randomUUID().toString())));
        }
        return out;
    }

    private static ActivityInfo markStarted(Mutation m, ActivityInfo ai, String identity, String requestId) {
        ActivityLifecycle.TABLE.move(ActivityLifecycle.of(ai), ActivityLifecycle.State.STARTED);
        ai = ai.toBuilder().setStarted(true).setStartedTime(m.nowTs())
                .setStartedIdentity(identity).setRequestId(requestId)
                .clearLastHeartbeatTime().build();
        m.state().putActivities(ai.getScheduledEventId(), ai);
        var s = ai.getScheduled();
        if (!Times.isZero(s.getStartToCloseTimeout())) {
            timeoutTimer(m, ai, ai.getAttempt(), TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
                    m.now().plus(Times.duration(s.getStartToCloseTimeout())));
        }
        if (!Times.isZero(s.getHeartbeatTimeout())) {
            timeoutTimer(m, ai, ai.getAttempt(), TimeoutType.TIMEOUT_TYPE_HEARTBEAT,
                    m.now().plus(Times.duration(s.getHeartbeatTimeout())));
        }
        return ai;
    }

    private static PollActivityTaskQueueResponse response(Mutation m, WorkflowKey key, ActivityInfo ai) {
        PollActivityTaskQueueResponse r = workflowResponse(m, key, ai);
        if (io.kairos.common.ids.StandaloneIds.isActivity(key.workflowId())) {
            // A standalone activity has no workflow: the SDK sees its run id instead (its token still routes here).
            return r.toBuilder().clearWorkflowExecution().clearWorkflowType().setActivityRunId(key.runId().toString()).build();
        }
        return r;
    }

    private static PollActivityTaskQueueResponse workflowResponse(Mutation m, WorkflowKey key, ActivityInfo ai) {
        var s = ai.getScheduled();
        TaskToken token = new TaskToken(TaskTokenData.newBuilder().setNamespaceId(key.namespaceId().toString())
                .setWorkflowId(key.workflowId()).setRunId(key.runId().toString())
                .setScheduledEventId(ai.getScheduledEventId()).setAttempt(runningAttempt(ai))
                .setActivityId(ai.getActivityId()).setIsActivity(true).build());
        return PollActivityTaskQueueResponse.newBuilder()
                .setTaskToken(token.toBytes())
                .setWorkflowType(WorkflowType.newBuilder().setName(m.state().getExecution().getWorkflowType()))
                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(key.workflowId()).setRunId(key.runId().toString()))
                .setActivityType(s.getActivityType())
                .setActivityId(ai.getActivityId())
                .setHeader(s.getHeader())
                .setInput(s.getInput())
                .setHeartbeatDetails(ai.getHeartbeatDetails())
                .setScheduledTime(ai.getScheduledTime())
                .setCurrentAttemptScheduledTime(ai.getCurrentAttemptScheduledTime())
                .setStartedTime(ai.getStartedTime())
                .setAttempt(runningAttempt(ai))
                .setScheduleToCloseTimeout(s.getScheduleToCloseTimeout())
                .setStartToCloseTimeout(s.getStartToCloseTimeout())
                .setHeartbeatTimeout(s.getHeartbeatTimeout())
                .setRetryPolicy(s.getRetryPolicy())
                .setPriority(io.kairos.common.validation.Priorities.merge(m.state().getExecution().getPriority(), s.getPriority()))
                .build();
    }

    /** For the *ById RPCs: the token of the activity's current attempt, which must be running on a worker. */
    public com.google.protobuf.ByteString tokenFor(WorkflowKey key, String activityId) {
        var s = updater.load(key).orElseThrow(() -> WorkflowUpdater.notFound(key));
        if (s.getExecution().getState() != io.kairos.proto.persistence.v1.ExecutionState.EXECUTION_STATE_RUNNING) {
            throw new NotFoundException(ActivityOperations.WORKFLOW_COMPLETED);
        }
        for (ActivityInfo ai : s.getActivitiesMap().values()) {
            if (ai.getActivityId().equals(activityId) && ai.getStarted()) {
                return new TaskToken(TaskTokenData.newBuilder().setNamespaceId(key.namespaceId().toString())
                        .setWorkflowId(key.workflowId()).setRunId(key.runId().toString())
                        .setScheduledEventId(ai.getScheduledEventId()).setAttempt(runningAttempt(ai))
                        .setActivityId(activityId).setIsActivity(true).build()).toBytes();
            }
        }
        throw new NotFoundException("Activity task not found.");
    }

    public RecordActivityTaskHeartbeatResponse heartbeat(NamespaceId ns, RecordActivityTaskHeartbeatRequest req) {
        TaskToken token = WorkflowTasks.parse(req.getTaskToken(), ns);
        return updater.update(token.workflowKey(), m -> {
            ActivityInfo ai = requireStarted(m, token);
            m.state().putActivities(ai.getScheduledEventId(), ai.toBuilder().setHeartbeatDetails(req.getDetails())
                    .setLastHeartbeatTime(m.nowTs()).build());
            return RecordActivityTaskHeartbeatResponse.newBuilder().setCancelRequested(ai.getCancelRequested())
                    .setActivityPaused(ai.getPaused()).setActivityReset(ai.getActivityReset()).build();
        });
    }

    public void completed(NamespaceId ns, RespondActivityTaskCompletedRequest req) {
        TaskToken token = WorkflowTasks.parse(req.getTaskToken(), ns);
        updater.update(token.workflowKey(), m -> {
            ActivityInfo ai = requireStarted(m, token);
            long startedId = writeStarted(m, ai).getEventId();
            m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
                    .setActivityTaskCompletedEventAttributes(ActivityTaskCompletedEventAttributes.newBuilder()
                            .setResult(req.getResult()).setScheduledEventId(ai.getScheduledEventId())
                            .setStartedEventId(startedId).setIdentity(req.getIdentity())));
            m.scheduleWorkflowTask(1);
            return null;
        });
    }

    public void failed(NamespaceId ns, RespondActivityTaskFailedRequest req) {
        TaskToken token = WorkflowTasks.parse(req.getTaskToken(), ns);
        updater.update(token.workflowKey(), m -> {
            ActivityInfo ai = requireStarted(m, token);
            if (req.hasLastHeartbeatDetails()) {
                ai = ai.toBuilder().setHeartbeatDetails(req.getLastHeartbeatDetails()).build();
                m.state().putActivities(ai.getScheduledEventId(), ai);
            }
            retryOrFail(m, ai, req.getFailure(), req.getIdentity());
            return null;
        });
    }

    public void canceled(NamespaceId ns, RespondActivityTaskCanceledRequest req) {
        TaskToken token = WorkflowTasks.parse(req.getTaskToken(), ns);
        updater.update(token.workflowKey(), m -> {
            ActivityInfo ai = requireStarted(m, token);
            long startedId = writeStarted(m, ai).getEventId();
            m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED)
                    .setActivityTaskCanceledEventAttributes(ActivityTaskCanceledEventAttributes.newBuilder()
                            .setDetails(req.getDetails()).setScheduledEventId(ai.getScheduledEventId())
                            .setStartedEventId(startedId).setLatestCancelRequestedEventId(ai.getCancelRequestedEventId())
                            .setIdentity(req.getIdentity())));
            m.scheduleWorkflowTask(1);
            return null;
        });
    }

    // ---- timer queue ----

    public void timedOut(WorkflowKey key, ActivityTimeout t) {
        updater.update(key, m -> {
            ActivityInfo ai = m.isRunning() ? m.state().getActivitiesOrDefault(t.getScheduledEventId(), null) : null;
            // Paused: no timeout fires (unpausing arms them again); an older stamp: re-timed since, superseded.
            if (ai == null || ai.getPaused() || t.getStamp() != ai.getStamp()) {
                return null;
            }
            TimeoutType type = t.getTimeoutType();
            boolean sameAttempt = (ai.getStarted() ? runningAttempt(ai) : ai.getAttempt()) == t.getAttempt()
                    && !ai.getRetryPending();
            switch (type) {
                case TIMEOUT_TYPE_SCHEDULE_TO_CLOSE -> {
                    finalTimeout(m, ai, type);
                    countTimeout(m, key, type);
                }
                case TIMEOUT_TYPE_SCHEDULE_TO_START -> {
                    if (sameAttempt && !ai.getStarted()) {
                        finalTimeout(m, ai, type);
                        countTimeout(m, key, type);
                    }
                }
                case TIMEOUT_TYPE_START_TO_CLOSE -> {
                    if (sameAttempt && ai.getStarted()) {
                        retryOrFail(m, ai, timeoutFailure(type), ai.getStartedIdentity());
                        countTimeout(m, key, type);
                    }
                }
                case TIMEOUT_TYPE_HEARTBEAT -> {
                    if (sameAttempt && ai.getStarted()) {
                        Instant last = Times.instant(ai.hasLastHeartbeatTime() ? ai.getLastHeartbeatTime() : ai.getStartedTime());
                        Instant deadline = last.plus(Times.duration(ai.getScheduled().getHeartbeatTimeout()));
                        if (m.now().isBefore(deadline)) {
                            timeoutTimer(m, ai, t.getAttempt(), type, deadline);
                        } else {
                            retryOrFail(m, ai, timeoutFailure(type), ai.getStartedIdentity());
                            countTimeout(m, key, type);
                        }
                    }
                }
                default -> {
                }
            }
            return null;
        });
    }

    /** Temporal's per-timeout-type counters (operation TimerActiveTaskActivityTimeout), once committed. */
    private void countTimeout(Mutation m, WorkflowKey key, TimeoutType type) {
        m.afterCommit(() -> updater.metrics().timedOut("TimerActiveTaskActivityTimeout", key.namespaceId(), type));
    }

    /** Backoff over: the next attempt goes to matching. */
    public void retryTimerFired(WorkflowKey key, ActivityRetry r) {
        updater.update(key, m -> {
            ActivityInfo ai = m.isRunning() ? m.state().getActivitiesOrDefault(r.getScheduledEventId(), null) : null;
            if (ai == null || ai.getAttempt() != r.getAttempt() || !ai.getRetryPending() || ai.getStamp() != r.getStamp()) {
                return null;
            }
            ActivityLifecycle.TABLE.move(ActivityLifecycle.of(ai), ActivityLifecycle.State.SCHEDULED);
            ai = ai.toBuilder().setRetryPending(false).build();
            m.state().putActivities(ai.getScheduledEventId(), ai);
            dispatch(m, ai);
            return null;
        });
    }

    static void retryOrFail(Mutation m, ActivityInfo ai, Failure failure, String identity) {
        var s = ai.getScheduled();
        if (ai.getCancelRequested()) { // Temporal's RetryActivity: a cancel request ends the retries
            closeAttempt(m, ai, failure, identity, RetryState.RETRY_STATE_CANCEL_REQUESTED);
            return;
        }
        if (ai.getPaused() && !RetryPolicies.nonRetryable(s.getRetryPolicy(), failure)) {
            // Temporal's RetryActivity on a paused activity: the next attempt is counted but not scheduled (neither
            // attempts nor the deadline are checked); UnpauseActivity dispatches it.
            ActivityInfo waiting = attemptEnded(m, ai, failure, identity).setRetryPending(false)
                    .setStamp(ai.getStamp() + 1).build();
            ActivityLifecycle.moved(ActivityLifecycle.of(ai), waiting);
            m.state().putActivities(ai.getScheduledEventId(), waiting);
            return;
        }
        Instant deadline = Times.isZero(s.getScheduleToCloseTimeout()) ? null
                : Times.instant(ai.getScheduledTime()).plus(Times.duration(s.getScheduleToCloseTimeout()));
        RetryPolicies.Decision d = RetryPolicies.next(s.getRetryPolicy(), ai.getAttempt(), failure, m.now(), deadline);
        if (d.retry()) {
            ActivityLifecycle.TABLE.move(ActivityLifecycle.of(ai), ActivityLifecycle.State.BACKOFF);
            Instant next = m.now().plus(d.backoff());
            ActivityInfo retry = attemptEnded(m, ai, failure, identity).setRetryPending(true)
                    .setCurrentAttemptScheduledTime(Times.ts(next)).build();
            m.state().putActivities(ai.getScheduledEventId(), retry);
            retryTimer(m, retry, next);
            return;
        }
        closeAttempt(m, ai, failure, identity, d.stopState());
    }

    /** The started attempt's failure or timeout ends the activity: no retry. */
    private static void closeAttempt(Mutation m, ActivityInfo ai, Failure failure, String identity, RetryState state) {
        ActivityLifecycle.TABLE.move(ActivityLifecycle.of(ai), ActivityLifecycle.State.CLOSED);
        long startedId = writeStarted(m, ai).getEventId();
        if (failure.hasTimeoutFailureInfo()) {
            m.addEvent(timedOutEvent(ai, closingTimeout(ai, failure.getTimeoutFailureInfo().getTimeoutType(), state),
                    startedId, state));
        } else {
            m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)
                    .setActivityTaskFailedEventAttributes(ActivityTaskFailedEventAttributes.newBuilder()
                            .setFailure(failure).setScheduledEventId(ai.getScheduledEventId()).setStartedEventId(startedId)
                            .setIdentity(identity).setRetryState(state)));
        }
        m.scheduleWorkflowTask(1);
    }

    /** The running attempt failed or timed out and another is due: its per-attempt state goes. */
    private static ActivityInfo.Builder attemptEnded(Mutation m, ActivityInfo ai, Failure failure, String identity) {
        ActivityInfo.Builder b = ai.toBuilder().setAttempt(ai.getAttempt() + 1).setStarted(false).clearStartedTime()
                .clearRequestId().clearStartedAttempt().setActivityReset(false)
                .setLastFailure(failure).setLastWorkerIdentity(identity).setLastAttemptCompleteTime(m.nowTs())
                .clearLastHeartbeatTime();
        if (ai.getResetHeartbeats()) {
            b.clearHeartbeatDetails().setResetHeartbeats(false);
        }
        return b;
    }

    /** A schedule-to-start or schedule-to-close deadline passed: server-enforced, never retried. */
    private static void finalTimeout(Mutation m, ActivityInfo ai, TimeoutType type) {
        RetryState state = ai.getCancelRequested() ? RetryState.RETRY_STATE_CANCEL_REQUESTED : RetryState.RETRY_STATE_TIMEOUT;
        ActivityLifecycle.TABLE.move(ActivityLifecycle.of(ai), ActivityLifecycle.State.CLOSED);
        long startedId = ai.getStarted() ? writeStarted(m, ai).getEventId() : 0;
        m.addEvent(timedOutEvent(ai, closingTimeout(ai, type, state), startedId, state));
        m.scheduleWorkflowTask(1);
    }

    /**
     * The failure of ActivityTaskTimedOut, as Temporal builds it: when the retries ran out of time (RETRY_STATE_TIMEOUT)
     * any timeout but schedule-to-start is reported as SCHEDULE_TO_CLOSE; the last heartbeat details go on it, and
     * the failure of the attempt before (the one that caused the last retry) is its cause.
     */
    static Failure closingTimeout(ActivityInfo ai, TimeoutType type, RetryState state) {
        Failure.Builder f = state == RetryState.RETRY_STATE_TIMEOUT && type != TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START
                ? Failure.newBuilder().setMessage(NO_TIME_TO_RETRY).setSource("Server").setTimeoutFailureInfo(
                        TimeoutFailureInfo.newBuilder().setTimeoutType(TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE))
                : timeoutFailure(type).toBuilder();
        f.getTimeoutFailureInfoBuilder().setLastHeartbeatDetails(ai.getHeartbeatDetails());
        if (ai.hasLastFailure()) {
            f.setCause(ai.getLastFailure());
        }
        return f.build();
    }

    private static final String NO_TIME_TO_RETRY =
            "Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying";

    private static HistoryEvent.Builder timedOutEvent(ActivityInfo ai, Failure failure, long startedId, RetryState state) {
        return HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT)
                .setActivityTaskTimedOutEventAttributes(ActivityTaskTimedOutEventAttributes.newBuilder()
                        .setFailure(failure).setScheduledEventId(ai.getScheduledEventId()).setStartedEventId(startedId)
                        .setRetryState(state));
    }

    /** Temporal's timeout failure of one attempt: "activity StartToClose timeout". */
    static Failure timeoutFailure(TimeoutType type) {
        String name = switch (type) {
            case TIMEOUT_TYPE_START_TO_CLOSE -> "StartToClose";
            case TIMEOUT_TYPE_SCHEDULE_TO_START -> "ScheduleToStart";
            case TIMEOUT_TYPE_SCHEDULE_TO_CLOSE -> "ScheduleToClose";
            case TIMEOUT_TYPE_HEARTBEAT -> "Heartbeat";
            default -> type.name();
        };
        return Failure.newBuilder().setMessage("activity " + name + " timeout").setSource("Server")
                .setTimeoutFailureInfo(TimeoutFailureInfo.newBuilder().setTimeoutType(type))
                .build();
    }

    /** The lazily written Started event of the final attempt. */
    private static HistoryEvent writeStarted(Mutation m, ActivityInfo ai) {
        return m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
                .setActivityTaskStartedEventAttributes(ActivityTaskStartedEventAttributes.newBuilder()
                        .setScheduledEventId(ai.getScheduledEventId())
                        .setIdentity(ai.getStartedIdentity())
                        .setRequestId(ai.getRequestId())
                        .setAttempt(ai.getAttempt())
                        .setLastFailure(ai.getLastFailure())));
    }

    private static ActivityInfo requireStarted(Mutation m, TaskToken token) {
        TaskTokenData t = token.data();
        requireRunning(m);
        ActivityInfo ai = t.getIsActivity() ? m.state().getActivitiesOrDefault(t.getScheduledEventId(), null) : null;
        if (ai == null || !ai.getStarted() || runningAttempt(ai) != t.getAttempt()) {
            throw new NotFoundException("Activity task not found.");
        }
        return ai;
    }

    /** Temporal's ErrWorkflowCompleted: a closed run's pending activities are only described, never acted on. */
    private static void requireRunning(Mutation m) {
        if (!m.isRunning()) {
            throw new NotFoundException(ActivityOperations.WORKFLOW_COMPLETED);
        }
    }
}
