package io.kairos.history.engine.activities;

import io.kairos.history.engine.HistoryReads;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.RetryPolicies;
import io.kairos.history.engine.Times;
import io.kairos.history.engine.WorkflowUpdater;
import com.google.protobuf.Duration;
import io.kairos.common.errors.FailedPreconditionException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.lifecycle.ActivityLifecycle;
import io.kairos.proto.persistence.v1.ActivityInfo;
import io.kairos.proto.persistence.v1.ActivityPauseInfo;
import io.temporal.api.activity.v1.ActivityOptions;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.PauseActivityRequest;
import io.temporal.api.workflowservice.v1.PauseActivityResponse;
import io.temporal.api.workflowservice.v1.ResetActivityRequest;
import io.temporal.api.workflowservice.v1.ResetActivityResponse;
import io.temporal.api.workflowservice.v1.UnpauseActivityRequest;
import io.temporal.api.workflowservice.v1.UnpauseActivityResponse;
import io.temporal.api.workflowservice.v1.UpdateActivityOptionsRequest;
import io.temporal.api.workflowservice.v1.UpdateActivityOptionsResponse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * Temporal's operator actions on a run's pending activities, named after its RPCs: PauseActivity, UnpauseActivity,
 * ResetActivity and UpdateActivityOptions (Temporal's service/history/api/pauseactivity etc. and the helpers of
 * service/history/workflow/activity.go). None writes a history event: each changes the activities' mutable state,
 * committed in one fenced write like every other change. How a paused activity then behaves (no dispatch, no start,
 * no timeouts, a failed attempt waiting) is in {@link Activities}; the states are {@link ActivityLifecycle}'s.
 */
public final class ActivityOperations {
    static final String ACTIVITY_NOT_FOUND =
            "Can't find pending activity with such ID. Invalid activityID or activity already completed";
    static final String WORKFLOW_COMPLETED = "workflow execution already completed";

    private final WorkflowUpdater updater;
    private final HistoryReads reads;

    public ActivityOperations(WorkflowUpdater updater, HistoryReads reads) {
        this.updater = updater;
        this.reads = reads;
    }

    // ---- RPCs ----

    public PauseActivityResponse pauseActivity(NamespaceId ns, PauseActivityRequest req) {
        WorkflowKey key = reads.resolve(ns, req.getExecution().getWorkflowId(), req.getExecution().getRunId());
        updater.update(key, m -> {
            List<String> ids = switch (req.getActivityCase()) {
                case ID -> List.of(req.getId());
                case TYPE -> ofType(m, req.getType());
                default -> List.of();
            };
            if (ids.isEmpty()) {
                throw new NotFoundException(ACTIVITY_NOT_FOUND);
            }
            ActivityPauseInfo info = ActivityPauseInfo.newBuilder().setPauseTime(m.nowTs())
                    .setIdentity(req.getIdentity()).setReason(req.getReason()).setRequestId(req.getRequestId()).build();
            for (String id : ids) {
                pause(m, id, info);
            }
            return null;
        });
        return PauseActivityResponse.getDefaultInstance();
    }

    public UnpauseActivityResponse unpauseActivity(NamespaceId ns, UnpauseActivityRequest req) {
        WorkflowKey key = reads.resolve(ns, req.getExecution().getWorkflowId(), req.getExecution().getRunId());
        updater.update(key, m -> {
            requireRunning(m);
            List<String> ids = switch (req.getActivityCase()) {
                case ID -> List.of(req.getId());
                case TYPE -> ofType(m, req.getType());
                case UNPAUSE_ALL -> all(m);
                default -> List.of();
            };
            if (ids.isEmpty()) {
                throw new NotFoundException(ACTIVITY_NOT_FOUND);
            }
            for (String id : ids) {
                ActivityInfo ai = find(m, id);
                if (ai.getPaused()) { // the others are left as they are
                    unpause(m, ai, req.getResetAttempts(), req.getResetHeartbeat(), jittered(m, req.getJitter()));
                }
            }
            return null;
        });
        return UnpauseActivityResponse.getDefaultInstance();
    }

    public ResetActivityResponse resetActivity(NamespaceId ns, ResetActivityRequest req) {
        WorkflowKey key = reads.resolve(ns, req.getExecution().getWorkflowId(), req.getExecution().getRunId());
        updater.update(key, m -> {
            List<String> ids = switch (req.getActivityCase()) {
                case ID -> List.of(req.getId());
                case TYPE -> ofType(m, req.getType());
                case MATCH_ALL -> all(m);
                default -> List.of();
            };
            if (ids.isEmpty()) {
                throw new NotFoundException(ACTIVITY_NOT_FOUND);
            }
            for (String id : ids) {
                requireRunning(m);
                ActivityInfo ai = find(m, id);
                ActivityOptions original = null;
                if (req.getRestoreOriginalOptions()) {
                    // Temporal's reset restores the scheduled timeouts, queue and retry policy, not the priority.
                    ActivityOptions.Builder o = ActivityOptionsUpdate.original(scheduledEvent(m, ai)).toBuilder().clearPriority();
                    if (ai.getScheduled().hasPriority()) {
                        o.setPriority(ai.getScheduled().getPriority());
                    }
                    original = o.build();
                }
                reset(m, ai, req.getResetHeartbeat(), req.getKeepPaused(), original, jittered(m, req.getJitter()));
            }
            return null;
        });
        return ResetActivityResponse.getDefaultInstance();
    }

    public UpdateActivityOptionsResponse updateActivityOptions(NamespaceId ns, UpdateActivityOptionsRequest req) {
        if (req.hasUpdateMask() && req.getRestoreOriginal() && !req.getUpdateMask().getPathsList().isEmpty()) {
            throw new InvalidArgumentException("Both UpdateMask and RestoreOriginal are provided");
        }
        WorkflowKey key = reads.resolve(ns, req.getExecution().getWorkflowId(), req.getExecution().getRunId());
        ActivityOptions result = updater.update(key, m -> req.getRestoreOriginal() ? restoreOriginal(m, req) : update(m, req));
        return UpdateActivityOptionsResponse.newBuilder().setActivityOptions(result).build();
    }

    private ActivityOptions update(Mutation m, UpdateActivityOptionsRequest req) {
        requireRunning(m);
        if (!req.hasActivityOptions()) {
            throw new InvalidArgumentException("ActivityOptions are not provided");
        }
        List<String> ids = optionsTargets(m, req);
        if (ids.isEmpty()) {
            throw new NotFoundException(ACTIVITY_NOT_FOUND);
        }
        if (!req.hasUpdateMask()) {
            throw new InvalidArgumentException("UpdateMask is not provided");
        }
        Set<String> paths = ActivityOptionsUpdate.paths(req.getUpdateMask());
        ActivityOptions last = null;
        for (String id : ids) {
            ActivityInfo ai = find(m, id);
            ActivityOptions merged = ActivityOptionsUpdate.merge(ActivityOptionsUpdate.current(ai), req.getActivityOptions(), paths);
            last = ActivityOptionsUpdate.validate(merged, paths, ai.getActivityId(),
                    ai.getScheduled().getActivityType().getName());
            updateOptions(m, ai, last);
        }
        return last;
    }

    private ActivityOptions restoreOriginal(Mutation m, UpdateActivityOptionsRequest req) {
        requireRunning(m);
        List<String> ids = optionsTargets(m, req);
        if (ids.isEmpty()) {
            throw new NotFoundException(ACTIVITY_NOT_FOUND);
        }
        ActivityOptions last = null;
        for (String id : ids) {
            ActivityInfo ai = find(m, id);
            last = ActivityOptionsUpdate.original(scheduledEvent(m, ai));
            updateOptions(m, ai, last);
        }
        return last;
    }

    private static List<String> optionsTargets(Mutation m, UpdateActivityOptionsRequest req) {
        return switch (req.getActivityCase()) {
            case ID -> List.of(req.getId());
            case TYPE -> ofType(m, req.getType());
            case MATCH_ALL -> all(m);
            default -> List.of();
        };
    }

    /** The activity's ActivityTaskScheduled event: its attributes are the options it was scheduled with. */
    private ActivityTaskScheduledEventAttributes scheduledEvent(Mutation m, ActivityInfo ai) {
        long id = ai.getScheduledEventId();
        List<HistoryEvent> events = updater.readHistory(m.key(), id, id + 1, 1);
        if (events.isEmpty() || events.get(0).getEventType() != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
            throw new InvalidArgumentException("ActivityTaskScheduledEvent is invalid");
        }
        return events.get(0).getActivityTaskScheduledEventAttributes();
    }

    // ---- the operations on one activity (Temporal's workflow.PauseActivity, UnpauseActivity, ResetActivity) ----

    /**
     * Pauses a pending activity: nothing of it is dispatched or started from now on, and its timers stop. An attempt
     * already running goes on (its heartbeats answer activity_paused). Pausing it again is refused unless it is the
     * same request (same request id, an empty one included), as in Temporal.
     */
    static void pause(Mutation m, String activityId, ActivityPauseInfo info) {
        requireRunning(m);
        ActivityInfo ai = find(m, activityId);
        if (ai.getPaused()) {
            if (ai.getPauseInfo().getRequestId().equals(info.getRequestId())) {
                return;
            }
            throw new FailedPreconditionException("activity is already paused");
        }
        ActivityInfo.Builder b = ai.toBuilder().setPaused(true).setPauseInfo(info);
        if (!ai.getStarted()) {
            b.setRetryPending(false); // a backoff in progress ends with the pause: UnpauseActivity schedules the attempt
        }
        ActivityInfo next = b.build();
        ActivityLifecycle.moved(ActivityLifecycle.of(ai), next);
        m.state().putActivities(next.getScheduledEventId(), next);
        m.pausesChanged();
    }

    /**
     * Unpauses a paused activity: one no worker runs is scheduled again at {@code at} (now, or later by the jitter);
     * a running one is STARTED again with its timers re-armed (those already due fire at once).
     */
    static void unpause(Mutation m, ActivityInfo ai, boolean resetAttempts, boolean resetHeartbeat, Instant at) {
        ActivityLifecycle.State from = ActivityLifecycle.of(ai);
        ActivityInfo.Builder b = ai.toBuilder().setPaused(false).clearPauseInfo().setStamp(ai.getStamp() + 1);
        if (resetAttempts) {
            firstAttempt(b, ai);
        }
        if (resetHeartbeat) {
            b.clearHeartbeatDetails().clearLastHeartbeatTime();
        }
        m.pausesChanged();
        restart(m, from, b.build(), at);
    }

    /**
     * Resets a pending activity to attempt 1: a running attempt is told so by its heartbeats (activity_reset) and,
     * with reset_heartbeat, its details are dropped when it ends; one no worker runs is scheduled again at
     * {@code at} unless it stays paused. A paused activity is unpaused unless {@code keepPaused}.
     *
     * @param original the options to restore (restore_original_options), or null
     */
    static void reset(Mutation m, ActivityInfo ai, boolean resetHeartbeats, boolean keepPaused, ActivityOptions original,
                      Instant at) {
        ActivityLifecycle.State from = ActivityLifecycle.of(ai);
        ActivityInfo.Builder b = ai.toBuilder();
        firstAttempt(b, ai);
        if (ai.getStarted()) {
            b.setActivityReset(true);
        }
        if (resetHeartbeats) {
            b.setResetHeartbeats(true); // applied when the next attempt is scheduled
        }
        boolean retimed = false;
        if (original != null) {
            b.setScheduled(ActivityOptionsUpdate.apply(b.getScheduled(), original));
            retimed = true;
        }
        if (ai.getPaused() && !keepPaused) {
            b.setPaused(false).clearPauseInfo();
            m.pausesChanged();
            retimed = true;
        }
        if (b.getStarted() || b.getPaused()) {
            // Running (its worker finds out by heartbeat) or kept paused: no attempt is scheduled now.
            if (retimed) {
                b.setStamp(ai.getStamp() + 1);
            }
            ActivityInfo next = b.build();
            ActivityLifecycle.moved(from, next);
            m.state().putActivities(next.getScheduledEventId(), next);
            if (retimed) {
                Activities.armTimers(m, next);
            }
            return;
        }
        Activities.scheduleAttempt(m, from, b.setStamp(ai.getStamp() + 1).build(), at);
    }

    /**
     * New options in force (already merged and validated): the timers follow them, and an activity no worker runs is
     * scheduled again when its attempt is due under them (its retry interval counted from the last attempt's end).
     */
    static void updateOptions(Mutation m, ActivityInfo ai, ActivityOptions options) {
        ActivityLifecycle.State from = ActivityLifecycle.of(ai);
        ActivityInfo next = ai.toBuilder().setScheduled(ActivityOptionsUpdate.apply(ai.getScheduled(), options))
                .setStamp(ai.getStamp() + 1).build();
        if (next.getStarted()) {
            m.state().putActivities(next.getScheduledEventId(), next);
            Activities.armTimers(m, next);
            return;
        }
        Activities.scheduleAttempt(m, from, next, dueTime(next));
    }

    private static void restart(Mutation m, ActivityLifecycle.State from, ActivityInfo next, Instant at) {
        if (next.getStarted()) {
            ActivityLifecycle.moved(from, next);
            m.state().putActivities(next.getScheduledEventId(), next);
            Activities.armTimers(m, next);
        } else {
            Activities.scheduleAttempt(m, from, next, at);
        }
    }

    /** Back to attempt 1; a running attempt keeps its own number for its task token and timers. */
    private static void firstAttempt(ActivityInfo.Builder b, ActivityInfo ai) {
        if (ai.getStarted() && ai.getStartedAttempt() == 0 && ai.getAttempt() != 1) {
            b.setStartedAttempt(ai.getAttempt());
        }
        b.setAttempt(1);
    }

    /** Temporal's GetNextScheduledTime: the first attempt's scheduled time, or the last attempt's end plus the interval. */
    static Instant dueTime(ActivityInfo ai) {
        Instant scheduled = Times.instant(ai.getCurrentAttemptScheduledTime());
        if (ai.getAttempt() <= 1 || !ai.hasLastAttemptCompleteTime()) {
            return scheduled;
        }
        java.time.Duration interval = RetryPolicies.backoff(ai.getScheduled().getRetryPolicy(), ai.getAttempt() - 1);
        return Times.instant(ai.getLastAttemptCompleteTime()).plus(interval);
    }

    // ---- selection ----

    private static void requireRunning(Mutation m) {
        if (!m.isRunning()) {
            throw new NotFoundException(WORKFLOW_COMPLETED);
        }
    }

    static ActivityInfo find(Mutation m, String activityId) {
        for (ActivityInfo ai : m.state().getActivitiesMap().values()) {
            if (ai.getActivityId().equals(activityId)) {
                return ai;
            }
        }
        throw new NotFoundException(ACTIVITY_NOT_FOUND);
    }

    private static List<String> ofType(Mutation m, String type) {
        return select(m, ai -> ai.getScheduled().getActivityType().getName().equals(type));
    }

    private static List<String> all(Mutation m) {
        return select(m, ai -> true);
    }

    private static List<String> select(Mutation m, Predicate<ActivityInfo> which) {
        List<String> ids = new ArrayList<>();
        m.state().getActivitiesMap().values().stream().sorted(Comparator.comparingLong(ActivityInfo::getScheduledEventId))
                .filter(which).forEach(ai -> ids.add(ai.getActivityId()));
        return ids;
    }

    /** Now plus a random part of the jitter, as Temporal spreads the dispatch of unpaused and reset activities. */
    private static Instant jittered(Mutation m, Duration jitter) {
        long nanos = Times.duration(jitter).toNanos();
        return nanos <= 0 ? m.now() : m.now().plusNanos(ThreadLocalRandom.current().nextLong(nanos));
    }
}
