package io.kairos.history.engine.activities;

import io.kairos.history.engine.RetryPolicies;
import io.kairos.history.engine.Times;
import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import io.kairos.common.TemporalCompat;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.proto.persistence.v1.ActivityInfo;
import io.temporal.api.activity.v1.ActivityOptions;
import io.temporal.api.common.v1.Priority;
import io.temporal.api.common.v1.RetryPolicy;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.taskqueue.v1.TaskQueue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * UpdateActivityOptions' arithmetic, as Temporal's: the request's field mask picks fields of its ActivityOptions to
 * copy over the activity's current options, and the result is validated and normalized like a new activity's
 * (without the run timeout cap). The activity's options live in its ActivityInfo.scheduled, which starts as the
 * ActivityTaskScheduled event's attributes; the event itself keeps the originals (restore_original reads it back).
 */
public final class ActivityOptionsUpdate {
    private static final String RESERVED_TASK_QUEUE_PREFIX = "/_sys/";
    private static final String TIMEOUT_FAILURE_TYPE_PREFIX = "TemporalTimeout:";

    private ActivityOptionsUpdate() {
    }

    /** The mask's paths in Temporal's form: each dot-separated part lowerCamelCase ("task_queue.name" -> "taskQueue.name"). */
    static Set<String> paths(FieldMask mask) {
        Set<String> out = new LinkedHashSet<>();
        for (String path : mask.getPathsList()) {
            StringBuilder joined = new StringBuilder();
            for (String part : path.split("\\.", -1)) {
                if (!joined.isEmpty()) {
                    joined.append('.');
                }
                String[] words = part.split("_", -1);
                for (int i = 0; i < words.length; i++) {
                    String w = words[i];
                    if (w.isEmpty()) {
                        continue;
                    }
                    if (i == 0) {
                        joined.append(w.substring(0, 1).toLowerCase(Locale.ROOT)).append(w.substring(1));
                    } else {
                        String lower = w.toLowerCase(Locale.ROOT);
                        joined.append(lower.substring(0, 1).toUpperCase(Locale.ROOT)).append(lower.substring(1));
                    }
                }
            }
            out.add(joined.toString());
        }
        return out;
    }

    /**
     * What the merge starts from, as Temporal builds it from its ActivityInfo: the queue's name, the timeouts, the
     * priority and the retry policy's numbers (its non-retryable error types are not part of what can change).
     */
    static ActivityOptions current(ActivityInfo ai) {
        var s = ai.getScheduled();
        RetryPolicy p = s.getRetryPolicy();
        ActivityOptions.Builder b = ActivityOptions.newBuilder()
                .setTaskQueue(TaskQueue.newBuilder().setName(s.getTaskQueue().getName()))
                .setScheduleToCloseTimeout(s.getScheduleToCloseTimeout())
                .setScheduleToStartTimeout(s.getScheduleToStartTimeout())
                .setStartToCloseTimeout(s.getStartToCloseTimeout())
                .setHeartbeatTimeout(s.getHeartbeatTimeout())
                .setRetryPolicy(RetryPolicy.newBuilder().setInitialInterval(p.getInitialInterval())
                        .setBackoffCoefficient(p.getBackoffCoefficient()).setMaximumInterval(p.getMaximumInterval())
                        .setMaximumAttempts(p.getMaximumAttempts()));
        if (s.hasPriority()) {
            b.setPriority(s.getPriority());
        }
        return b.build();
    }

    /** PendingActivityInfo.activity_options: the current options, the queue named as Temporal names it. */
    public static ActivityOptions describe(ActivityInfo ai) {
        ActivityOptions o = current(ai);
        String queue = o.getTaskQueue().getName();
        return o.toBuilder().setTaskQueue(TaskQueue.newBuilder().setName(queue).setNormalName(queue)).build();
    }

    /** Temporal's MergeActivityOptions: the masked fields of {@code from} over {@code into}; unknown paths are ignored. */
    static ActivityOptions merge(ActivityOptions into, ActivityOptions from, Set<String> paths) {
        ActivityOptions.Builder b = into.toBuilder();
        if (paths.contains("taskQueue.name")) {
            if (!from.hasTaskQueue()) {
                throw new InvalidArgumentException("TaskQueue is not provided");
            }
            b.getTaskQueueBuilder().setName(from.getTaskQueue().getName());
        }
        if (paths.contains("scheduleToCloseTimeout")) {
            b.setScheduleToCloseTimeout(from.getScheduleToCloseTimeout());
        }
        if (paths.contains("scheduleToStartTimeout")) {
            b.setScheduleToStartTimeout(from.getScheduleToStartTimeout());
        }
        if (paths.contains("startToCloseTimeout")) {
            b.setStartToCloseTimeout(from.getStartToCloseTimeout());
        }
        if (paths.contains("heartbeatTimeout")) {
            b.setHeartbeatTimeout(from.getHeartbeatTimeout());
        }
        if (paths.contains("priority")) {
            if (from.hasPriority()) {
                b.setPriority(from.getPriority());
            } else {
                b.clearPriority();
            }
        }
        for (String field : new String[] {"priorityKey", "fairnessKey", "fairnessWeight"}) {
            if (paths.contains("priority." + field)) {
                if (!from.hasPriority()) {
                    throw new InvalidArgumentException("Priority is not provided");
                }
                Priority.Builder p = b.getPriorityBuilder();
                switch (field) {
                    case "priorityKey" -> p.setPriorityKey(from.getPriority().getPriorityKey());
                    case "fairnessKey" -> p.setFairnessKey(from.getPriority().getFairnessKey());
                    default -> p.setFairnessWeight(from.getPriority().getFairnessWeight());
                }
            }
        }
        if (paths.contains("retryPolicy")) {
            if (!from.hasRetryPolicy()) {
                throw new InvalidArgumentException("RetryPolicy is not provided");
            }
            b.setRetryPolicy(from.getRetryPolicy());
        }
        for (String field : new String[] {"initialInterval", "backoffCoefficient", "maximumInterval", "maximumAttempts"}) {
            if (paths.contains("retryPolicy." + field)) {
                if (!from.hasRetryPolicy()) {
                    throw new InvalidArgumentException("RetryPolicy is not provided");
                }
                RetryPolicy.Builder r = b.getRetryPolicyBuilder();
                RetryPolicy f = from.getRetryPolicy();
                switch (field) {
                    case "initialInterval" -> r.setInitialInterval(f.getInitialInterval());
                    case "backoffCoefficient" -> r.setBackoffCoefficient(f.getBackoffCoefficient());
                    case "maximumInterval" -> r.setMaximumInterval(f.getMaximumInterval());
                    default -> r.setMaximumAttempts(f.getMaximumAttempts());
                }
            }
        }
        if (paths.contains("startDelay")) {
            b.setStartDelay(from.getStartDelay());
        }
        return b.build();
    }

    /**
     * Temporal's checks of the merged options (retryPolicy.Validate when a retry policy field was masked, then the
     * activity validator with no run timeout), and their normal form: timeouts filled in from schedule-to-close,
     * heartbeat capped by start-to-close, retry policy defaults.
     */
    static ActivityOptions validate(ActivityOptions o, Set<String> paths, String activityId, String activityType) {
        if (paths.stream().anyMatch(p -> p.startsWith("retryPolicy."))) {
            validateRetryPolicy(o.getRetryPolicy());
        }
        ActivityOptions.Builder b = o.toBuilder();
        TaskQueue.Builder tq = b.getTaskQueueBuilder();
        if (tq.getKind() == TaskQueueKind.TASK_QUEUE_KIND_UNSPECIFIED) {
            tq.setKind(TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
        }
        if (tq.getName().isEmpty()) {
            throw new InvalidArgumentException("missing task queue name");
        }
        if (tq.getName().getBytes(StandardCharsets.UTF_8).length > TemporalCompat.MAX_ID_LENGTH) {
            throw new InvalidArgumentException("taskQueue length exceeds limit");
        }
        if (tq.getName().startsWith(RESERVED_TASK_QUEUE_PREFIX)) {
            throw new InvalidArgumentException("task queue name cannot start with reserved prefix " + RESERVED_TASK_QUEUE_PREFIX);
        }
        RetryPolicy policy = RetryPolicies.withDefaults(b.getRetryPolicy());
        validateRetryPolicy(policy);
        b.setRetryPolicy(policy);
        normalizeTimeouts(b, activityId, activityType);
        return b.build();
    }

    private static void normalizeTimeouts(ActivityOptions.Builder b, String activityId, String activityType) {
        checkDuration(b.getScheduleToCloseTimeout(), "ScheduleToCloseTimeout");
        checkDuration(b.getScheduleToStartTimeout(), "ScheduleToStartTimeout");
        checkDuration(b.getStartToCloseTimeout(), "StartToCloseTimeout");
        checkDuration(b.getHeartbeatTimeout(), "HeartbeatTimeout");
        boolean s2c = !Times.isZero(b.getScheduleToCloseTimeout());
        boolean s2s = !Times.isZero(b.getScheduleToStartTimeout());
        boolean st2c = !Times.isZero(b.getStartToCloseTimeout());
        if (s2c) {
            b.setScheduleToStartTimeout(s2s ? min(b.getScheduleToStartTimeout(), b.getScheduleToCloseTimeout())
                    : b.getScheduleToCloseTimeout());
            b.setStartToCloseTimeout(st2c ? min(b.getStartToCloseTimeout(), b.getScheduleToCloseTimeout())
                    : b.getScheduleToCloseTimeout());
        } else if (!st2c) {
            throw new InvalidArgumentException("a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the "
                    + "activity. ActivityId=" + activityId + " ActivityType=" + activityType);
        }
        // Without schedule-to-close (and no run timeout to fill it from, as Temporal calls it) both stay unlimited.
        b.setHeartbeatTimeout(min(b.getHeartbeatTimeout(), b.getStartToCloseTimeout()));
    }

    private static Duration min(Duration a, Duration b) {
        return Times.duration(a).compareTo(Times.duration(b)) <= 0 ? a : b;
    }

    private static void checkDuration(Duration d, String field) {
        String problem = durationProblem(d);
        if (problem != null) {
            throw new InvalidArgumentException("invalid " + field + ": " + problem);
        }
    }

    private static String durationProblem(Duration d) {
        if ((d.getSeconds() > 0 && d.getNanos() < 0) || (d.getSeconds() < 0 && d.getNanos() > 0)) {
            return "duration has seconds and nanos with different signs";
        }
        if (d.getSeconds() < 0 || d.getNanos() < 0) {
            return "negative duration";
        }
        return null;
    }

    /** Temporal's retrypolicy.Validate, with its messages. */
    static void validateRetryPolicy(RetryPolicy p) {
        if (p.getMaximumAttempts() == 1) {
            return; // one attempt: nothing else matters
        }
        String problem = durationProblem(p.getInitialInterval());
        if (problem != null) {
            throw new InvalidArgumentException("invalid InitialInterval set on retry policy: " + problem);
        }
        if (p.getBackoffCoefficient() < 1) {
            throw new InvalidArgumentException("BackoffCoefficient cannot be less than 1 on retry policy.");
        }
        problem = durationProblem(p.getMaximumInterval());
        if (problem != null) {
            throw new InvalidArgumentException("invalid MaximumInterval set on retry policy: " + problem);
        }
        var max = Times.duration(p.getMaximumInterval());
        if (!max.isZero() && max.compareTo(Times.duration(p.getInitialInterval())) < 0) {
            throw new InvalidArgumentException("MaximumInterval cannot be less than InitialInterval on retry policy.");
        }
        if (p.getMaximumAttempts() < 0) {
            throw new InvalidArgumentException("MaximumAttempts cannot be negative on retry policy.");
        }
        for (String type : p.getNonRetryableErrorTypesList()) {
            if (type.startsWith(TIMEOUT_FAILURE_TYPE_PREFIX)) {
                String value = type.substring(TIMEOUT_FAILURE_TYPE_PREFIX.length());
                if (!Set.of("StartToClose", "ScheduleToStart", "ScheduleToClose", "Heartbeat").contains(value)) {
                    throw new InvalidArgumentException("Invalid timeout type value: " + value + ".");
                }
            }
        }
    }

    /**
     * The activity's attributes with these options in force, as Temporal stores them: the queue's name, the
     * timeouts, the priority and the retry policy's numbers; the non-retryable error types stay as scheduled.
     */
    static ActivityTaskScheduledEventAttributes apply(ActivityTaskScheduledEventAttributes s, ActivityOptions o) {
        ActivityTaskScheduledEventAttributes.Builder b = s.toBuilder();
        b.getTaskQueueBuilder().setName(o.getTaskQueue().getName());
        b.setScheduleToCloseTimeout(o.getScheduleToCloseTimeout())
                .setScheduleToStartTimeout(o.getScheduleToStartTimeout())
                .setStartToCloseTimeout(o.getStartToCloseTimeout())
                .setHeartbeatTimeout(o.getHeartbeatTimeout());
        if (o.hasPriority()) {
            b.setPriority(o.getPriority());
        } else {
            b.clearPriority();
        }
        RetryPolicy r = o.getRetryPolicy();
        b.getRetryPolicyBuilder().setInitialInterval(r.getInitialInterval()).setBackoffCoefficient(r.getBackoffCoefficient())
                .setMaximumInterval(r.getMaximumInterval()).setMaximumAttempts(r.getMaximumAttempts());
        return b.build();
    }

    /** The options the ActivityTaskScheduled event gave the activity (restore_original). */
    static ActivityOptions original(ActivityTaskScheduledEventAttributes e) {
        ActivityOptions.Builder b = ActivityOptions.newBuilder()
                .setTaskQueue(TaskQueue.newBuilder().setName(e.getTaskQueue().getName()))
                .setScheduleToCloseTimeout(e.getScheduleToCloseTimeout())
                .setScheduleToStartTimeout(e.getScheduleToStartTimeout())
                .setStartToCloseTimeout(e.getStartToCloseTimeout())
                .setHeartbeatTimeout(e.getHeartbeatTimeout())
                .setRetryPolicy(e.getRetryPolicy());
        if (e.hasPriority()) {
            b.setPriority(e.getPriority());
        }
        return b.build();
    }
}
