package io.kairos.e2e.engine;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The failure an activity's workflow sees when its retries end on a timeout, as Temporal builds it and the Java SDK's
 * ActivityTimeoutTest checks it: the retry state says why retrying stopped, a timeout that left no time for another
 * attempt is reported as SCHEDULE_TO_CLOSE, and the attempt before the last is the cause (one level deep).
 */
class ActivityTimeoutShapesTest {
    private static WorkerHarness h;
    private static String queue;

    @ActivityInterface
    public interface Steps {
        /** Runs the attempt's step of {@code plan}: F fails at once, S sleeps past any timeout, H heartbeats then sleeps. */
        @ActivityMethod
        String step(String plan);
    }

    public static class StepsImpl implements Steps {
        @Override
        public String step(String plan) {
            int attempt = Activity.getExecutionContext().getInfo().getAttempt();
            char c = plan.charAt(Math.min(attempt, plan.length()) - 1);
            switch (c) {
                case 'F' -> throw ApplicationFailure.newFailure("intentional failure", "Intentional");
                case 'H' -> Activity.getExecutionContext().heartbeat("heartbeatValue");
                default -> {
                }
            }
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "slept";
        }
    }

    @WorkflowInterface
    public interface Runner {
        /** Timeouts in seconds, 0: not set; attempts 0: unlimited. */
        @WorkflowMethod
        String run(String plan, int scheduleToClose, int startToClose, int heartbeat, int attempts, String taskQueue);
    }

    public static class RunnerImpl implements Runner {
        @Override
        public String run(String plan, int scheduleToClose, int startToClose, int heartbeat, int attempts, String taskQueue) {
            ActivityOptions.Builder o = ActivityOptions.newBuilder().setTaskQueue(taskQueue)
                    .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofSeconds(1))
                            .setBackoffCoefficient(1).setMaximumAttempts(attempts).build());
            if (scheduleToClose > 0) {
                o.setScheduleToCloseTimeout(Duration.ofSeconds(scheduleToClose));
            }
            if (startToClose > 0) {
                o.setStartToCloseTimeout(Duration.ofSeconds(startToClose));
            }
            if (heartbeat > 0) {
                o.setHeartbeatTimeout(Duration.ofSeconds(heartbeat));
            }
            if (plan.equals("S2S")) {
                o.setScheduleToStartTimeout(Duration.ofSeconds(1));
            }
            return Workflow.newActivityStub(Steps.class, o.build()).step(plan);
        }
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("activity-timeouts");
        queue = "activity-timeouts-" + UUID.randomUUID();
        h.workersOn(queue, new Class<?>[] {RunnerImpl.class}, new StepsImpl());
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close(); // and its workers
        }
    }

    private static ActivityFailure run(String plan, int scheduleToClose, int startToClose, int heartbeat, int attempts) {
        return run(plan, scheduleToClose, startToClose, heartbeat, attempts, queue);
    }

    private static ActivityFailure run(String plan, int scheduleToClose, int startToClose, int heartbeat, int attempts,
                                       String activityQueue) {
        Runner r = h.client.newWorkflowStub(Runner.class, WorkflowOptions.newBuilder().setTaskQueue(queue)
                .setWorkflowId("timeouts-" + UUID.randomUUID()).setWorkflowExecutionTimeout(Duration.ofSeconds(60)).build());
        WorkflowException e = assertThrows(WorkflowException.class,
                () -> r.run(plan, scheduleToClose, startToClose, heartbeat, attempts, activityQueue));
        return assertInstanceOf(ActivityFailure.class, e.getCause());
    }

    /** The failure chain under the ActivityFailure: timeout types, or the application failure's message. */
    private static List<String> chain(ActivityFailure f) {
        List<String> out = new ArrayList<>();
        for (Throwable c = f.getCause(); c != null; c = c.getCause()) {
            out.add(c instanceof TimeoutFailure t ? t.getTimeoutType().name().substring("TIMEOUT_TYPE_".length())
                    : c instanceof ApplicationFailure a ? a.getOriginalMessage() : c.toString());
            assertInstanceOf(TemporalFailure.class, c);
        }
        return out;
    }

    @Test
    void lastAttemptTimingOutReportsItsOwnTimeoutWithMaximumAttemptsReached() {
        ActivityFailure f = run("S", 0, 1, 0, 1);
        assertEquals(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED, f.getRetryState());
        assertEquals(List.of("START_TO_CLOSE"), chain(f), "the first attempt has no attempt before it");
    }

    @Test
    void theAttemptBeforeTheLastIsTheCause() {
        ActivityFailure twice = run("S", 0, 1, 0, 2);
        assertEquals(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED, twice.getRetryState());
        assertEquals(List.of("START_TO_CLOSE", "START_TO_CLOSE"), chain(twice));

        ActivityFailure failedFirst = run("FS", 0, 1, 0, 2);
        assertEquals(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED, failedFirst.getRetryState());
        assertEquals(List.of("START_TO_CLOSE", "intentional failure"), chain(failedFirst));
    }

    @Test
    void noTimeLeftForAnotherAttemptIsScheduleToCloseWithRetryStateTimeout() {
        // attempts time out at 1 s and 3 s; the next would start at 5 s, past the 4 s schedule-to-close deadline
        ActivityFailure f = run("S", 4, 1, 0, 0);
        assertEquals(RetryState.RETRY_STATE_TIMEOUT, f.getRetryState());
        assertEquals(List.of("SCHEDULE_TO_CLOSE", "START_TO_CLOSE"), chain(f));
        TimeoutFailure outer = (TimeoutFailure) f.getCause();
        assertEquals("Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying",
                outer.getOriginalMessage());
    }

    @Test
    void scheduleToCloseFiringWrapsThePreviousFailure() {
        ActivityFailure f = run("FS", 4, 0, 0, 0);
        assertEquals(RetryState.RETRY_STATE_TIMEOUT, f.getRetryState());
        assertEquals(List.of("SCHEDULE_TO_CLOSE", "intentional failure"), chain(f));
    }

    @Test
    void heartbeatDetailsGoOnTheOuterTimeoutOnly() {
        ActivityFailure f = run("HH", 4, 0, 1, 0);
        assertEquals(RetryState.RETRY_STATE_TIMEOUT, f.getRetryState());
        assertEquals(List.of("SCHEDULE_TO_CLOSE", "HEARTBEAT"), chain(f));
        TimeoutFailure outer = (TimeoutFailure) f.getCause();
        assertEquals("heartbeatValue", outer.getLastHeartbeatDetails().get(String.class));
        TimeoutFailure heartbeat = (TimeoutFailure) outer.getCause();
        assertEquals(0, heartbeat.getLastHeartbeatDetails().getSize());
        assertNull(heartbeat.getCause());
    }

    @Test
    void scheduleToStartIsATimeoutNotANonRetryableFailure() {
        // no worker polls this queue: the schedule-to-start deadline passes
        ActivityFailure f = run("S2S", 0, 5, 0, 0, "nobody-polls-" + UUID.randomUUID());
        assertEquals(RetryState.RETRY_STATE_TIMEOUT, f.getRetryState());
        assertEquals(List.of("SCHEDULE_TO_START"), chain(f));
        assertEquals(TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START, ((TimeoutFailure) f.getCause()).getTimeoutType());
    }
}
