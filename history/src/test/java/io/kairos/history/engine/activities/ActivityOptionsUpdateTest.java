package io.kairos.history.engine.activities;

import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.proto.persistence.v1.ActivityInfo;
import io.temporal.api.activity.v1.ActivityOptions;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.common.v1.Priority;
import io.temporal.api.common.v1.RetryPolicy;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.taskqueue.v1.TaskQueue;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** UpdateActivityOptions' field-mask merge and validation, against Temporal's rules and messages. */
class ActivityOptionsUpdateTest {
    private static Duration s(long seconds) {
        return Duration.newBuilder().setSeconds(seconds).build();
    }

    private static final ActivityTaskScheduledEventAttributes SCHEDULED = ActivityTaskScheduledEventAttributes.newBuilder()
            .setActivityId("a1").setActivityType(ActivityType.newBuilder().setName("Greet"))
            .setTaskQueue(TaskQueue.newBuilder().setName("q").setKind(TaskQueueKind.TASK_QUEUE_KIND_NORMAL))
            .setScheduleToCloseTimeout(s(100)).setScheduleToStartTimeout(s(100)).setStartToCloseTimeout(s(10))
            .setHeartbeatTimeout(s(5))
            .setRetryPolicy(RetryPolicy.newBuilder().setInitialInterval(s(1)).setBackoffCoefficient(2).setMaximumInterval(s(100))
                    .addNonRetryableErrorTypes("Fatal"))
            .build();
    private static final ActivityInfo AI = ActivityInfo.newBuilder().setActivityId("a1").setScheduled(SCHEDULED).build();

    private static Set<String> paths(String... p) {
        return ActivityOptionsUpdate.paths(FieldMask.newBuilder().addAllPaths(List.of(p)).build());
    }

    @Test
    void maskPathsAreTakenInTemporalsCamelCaseForm() {
        assertEquals(Set.of("taskQueue.name", "retryPolicy.maximumAttempts", "startToCloseTimeout", "priority.fairnessKey"),
                paths("task_queue.name", "retry_policy.maximum_attempts", "StartToCloseTimeout", "priority.fairness_key"));
        assertEquals(Set.of("heartbeatTimeout"), paths("heartbeatTimeout"));
    }

    @Test
    void onlyTheMaskedFieldsAreCopiedAndUnknownPathsAreIgnored() {
        ActivityOptions from = ActivityOptions.newBuilder().setStartToCloseTimeout(s(30)).setHeartbeatTimeout(s(1))
                .setTaskQueue(TaskQueue.newBuilder().setName("other"))
                .setRetryPolicy(RetryPolicy.newBuilder().setMaximumAttempts(7).setInitialInterval(s(9))).build();
        ActivityOptions merged = ActivityOptionsUpdate.merge(ActivityOptionsUpdate.current(AI), from,
                paths("start_to_close_timeout", "retry_policy.maximum_attempts", "no_such_field"));
        assertEquals(s(30), merged.getStartToCloseTimeout());
        assertEquals(s(5), merged.getHeartbeatTimeout(), "not masked");
        assertEquals("q", merged.getTaskQueue().getName(), "not masked");
        assertEquals(7, merged.getRetryPolicy().getMaximumAttempts());
        assertEquals(s(1), merged.getRetryPolicy().getInitialInterval(), "only the masked retry field");
        assertEquals(0, merged.getRetryPolicy().getNonRetryableErrorTypesCount(), "not part of the options merged over");

        ActivityOptions whole = ActivityOptionsUpdate.merge(ActivityOptionsUpdate.current(AI), from, paths("retry_policy", "task_queue.name"));
        assertEquals(from.getRetryPolicy(), whole.getRetryPolicy());
        assertEquals("other", whole.getTaskQueue().getName());
    }

    @Test
    void aMaskedSubFieldNeedsItsParentInTheRequest() {
        ActivityOptions current = ActivityOptionsUpdate.current(AI);
        ActivityOptions empty = ActivityOptions.getDefaultInstance();
        assertEquals("TaskQueue is not provided", assertThrows(InvalidArgumentException.class,
                () -> ActivityOptionsUpdate.merge(current, empty, paths("task_queue.name"))).getMessage());
        assertEquals("RetryPolicy is not provided", assertThrows(InvalidArgumentException.class,
                () -> ActivityOptionsUpdate.merge(current, empty, paths("retry_policy.initial_interval"))).getMessage());
        assertEquals("Priority is not provided", assertThrows(InvalidArgumentException.class,
                () -> ActivityOptionsUpdate.merge(current, empty, paths("priority.priority_key"))).getMessage());
        // A whole priority may be cleared.
        ActivityOptions withPriority = current.toBuilder().setPriority(Priority.newBuilder().setPriorityKey(3)).build();
        assertFalse(ActivityOptionsUpdate.merge(withPriority, empty, paths("priority")).hasPriority());
    }

    @Test
    void validationFillsTimeoutsAndRetryDefaultsAsTemporalDoes() {
        ActivityOptions o = ActivityOptions.newBuilder().setTaskQueue(TaskQueue.newBuilder().setName("q"))
                .setScheduleToCloseTimeout(s(60)).setStartToCloseTimeout(s(120)).setHeartbeatTimeout(s(300))
                .setRetryPolicy(RetryPolicy.newBuilder().setInitialInterval(s(2))).build();
        ActivityOptions v = ActivityOptionsUpdate.validate(o, Set.of(), "a1", "Greet");
        assertEquals(s(60), v.getScheduleToStartTimeout(), "from schedule-to-close");
        assertEquals(s(60), v.getStartToCloseTimeout(), "capped by schedule-to-close");
        assertEquals(s(60), v.getHeartbeatTimeout(), "capped by start-to-close");
        assertEquals(TaskQueueKind.TASK_QUEUE_KIND_NORMAL, v.getTaskQueue().getKind());
        assertEquals(2.0, v.getRetryPolicy().getBackoffCoefficient());
        assertEquals(s(200), v.getRetryPolicy().getMaximumInterval(), "100 x the initial interval");

        // Start-to-close alone: no run timeout to fill schedule-to-close from, so it stays unlimited.
        ActivityOptions st = ActivityOptionsUpdate.validate(o.toBuilder().clearScheduleToCloseTimeout().build(), Set.of(), "a1", "Greet");
        assertEquals(s(0), st.getScheduleToCloseTimeout());
        assertEquals(s(120), st.getStartToCloseTimeout());
        assertEquals(s(120), st.getHeartbeatTimeout());
    }

    @Test
    void invalidOptionsAreRefusedWithTemporalsMessages() {
        ActivityOptions ok = ActivityOptionsUpdate.current(AI);
        assertEquals("a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId=a1 ActivityType=Greet",
                message(ok.toBuilder().clearStartToCloseTimeout().clearScheduleToCloseTimeout().build(), Set.of()));
        assertEquals("invalid StartToCloseTimeout: negative duration",
                message(ok.toBuilder().setStartToCloseTimeout(s(-1)).build(), Set.of()));
        assertEquals("missing task queue name", message(ok.toBuilder().setTaskQueue(TaskQueue.getDefaultInstance()).build(), Set.of()));
        assertEquals("task queue name cannot start with reserved prefix /_sys/",
                message(ok.toBuilder().setTaskQueue(TaskQueue.newBuilder().setName("/_sys/q/1")).build(), Set.of()));
        assertEquals("MaximumInterval cannot be less than InitialInterval on retry policy.",
                message(ok.toBuilder().setRetryPolicy(RetryPolicy.newBuilder().setInitialInterval(s(10)).setMaximumInterval(s(5))
                        .setBackoffCoefficient(2)).build(), Set.of()));
        assertEquals("MaximumAttempts cannot be negative on retry policy.",
                message(ok.toBuilder().setRetryPolicy(ok.getRetryPolicy().toBuilder().setMaximumAttempts(-1)).build(), Set.of()));
        // A masked retry field is validated before the defaults: an explicit coefficient 0 is refused, ...
        ActivityOptions zeroCoefficient = ok.toBuilder().setRetryPolicy(ok.getRetryPolicy().toBuilder().setBackoffCoefficient(0)).build();
        assertEquals("BackoffCoefficient cannot be less than 1 on retry policy.",
                message(zeroCoefficient, Set.of("retryPolicy.backoffCoefficient")));
        // ... while a whole policy gets the default for it.
        assertEquals(2.0, ActivityOptionsUpdate.validate(zeroCoefficient, Set.of("retryPolicy"), "a1", "Greet")
                .getRetryPolicy().getBackoffCoefficient());
        assertEquals("Invalid timeout type value: Forever.", message(ok.toBuilder().setRetryPolicy(ok.getRetryPolicy().toBuilder()
                .addNonRetryableErrorTypes("TemporalTimeout:Forever")).build(), Set.of()));
    }

    private static String message(ActivityOptions o, Set<String> paths) {
        return assertThrows(InvalidArgumentException.class, () -> ActivityOptionsUpdate.validate(o, paths, "a1", "Greet")).getMessage();
    }

    @Test
    void appliedOptionsKeepWhatTheyDoNotCover() {
        ActivityOptions o = ActivityOptions.newBuilder().setTaskQueue(TaskQueue.newBuilder().setName("q2"))
                .setScheduleToCloseTimeout(s(0)).setScheduleToStartTimeout(s(0)).setStartToCloseTimeout(s(20)).setHeartbeatTimeout(s(2))
                .setRetryPolicy(RetryPolicy.newBuilder().setInitialInterval(s(3)).setBackoffCoefficient(1.5)
                        .setMaximumInterval(s(30)).setMaximumAttempts(4))
                .setPriority(Priority.newBuilder().setPriorityKey(2)).build();
        ActivityTaskScheduledEventAttributes applied = ActivityOptionsUpdate.apply(SCHEDULED, o);
        assertEquals("q2", applied.getTaskQueue().getName());
        assertEquals(TaskQueueKind.TASK_QUEUE_KIND_NORMAL, applied.getTaskQueue().getKind());
        assertEquals(s(20), applied.getStartToCloseTimeout());
        assertEquals(4, applied.getRetryPolicy().getMaximumAttempts());
        assertEquals(List.of("Fatal"), applied.getRetryPolicy().getNonRetryableErrorTypesList());
        assertEquals(2, applied.getPriority().getPriorityKey());
        assertEquals("a1", applied.getActivityId());
        // The event's options come back whole (restore_original).
        assertEquals(SCHEDULED.getRetryPolicy(), ActivityOptionsUpdate.original(SCHEDULED).getRetryPolicy());
        assertEquals(s(10), ActivityOptionsUpdate.original(SCHEDULED).getStartToCloseTimeout());
        // Describe names the queue twice, as Temporal does.
        assertEquals("q", ActivityOptionsUpdate.describe(AI).getTaskQueue().getNormalName());
    }
}
