package io.kairos.e2e.engine;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An activity's failure with a next retry delay (sdk-java's ActivityNextRetryDelayTest): the server waits exactly that
 * long before the next attempt, whatever the retry policy says, and the attempt reaches the waiting worker at once.
 */
class ActivityRetryDelayTest {
    private static WorkerHarness h;
    private static String queue;
    /** The worker's start time (ms, monotonic) of every attempt, per workflow id. */
    static final Map<String, List<Long>> STARTS = new ConcurrentHashMap<>();

    @ActivityInterface
    public interface Delayed {
        /** Attempts 1 to 3 fail asking for a retry after {attempt} seconds; attempt 4 returns. */
        @ActivityMethod
        String run();
    }

    public static class DelayedImpl implements Delayed {
        @Override
        public String run() {
            var info = Activity.getExecutionContext().getInfo();
            STARTS.computeIfAbsent(info.getWorkflowId(), k -> new CopyOnWriteArrayList<>()).add(System.nanoTime() / 1_000_000);
            int attempt = info.getAttempt();
            if (attempt < 4) {
                throw ApplicationFailure.newFailureWithCauseAndDelay("attempt " + attempt, "Delayed", null,
                        Duration.ofSeconds(attempt));
            }
            return "done@" + attempt;
        }
    }

    @WorkflowInterface
    public interface Runner {
        @WorkflowMethod
        String run(String taskQueue);
    }

    public static class RunnerImpl implements Runner {
        @Override
        public String run(String taskQueue) {
            // The policy's own interval (5 s) would make every gap 5 s: the failures' delays win.
            Delayed a = Workflow.newActivityStub(Delayed.class, ActivityOptions.newBuilder().setTaskQueue(taskQueue)
                    .setScheduleToCloseTimeout(Duration.ofSeconds(60))
                    .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofSeconds(5))
                            .setBackoffCoefficient(1).build())
                    .build());
            return a.run();
        }
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("retry-delay");
        queue = "retry-delay-" + UUID.randomUUID();
        h.workersOn(queue, new Class<?>[]{RunnerImpl.class}, new DelayedImpl());
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void eachRetryStartsAfterTheDelayTheFailureAskedFor() {
        String id = WorkerHarness.id("next-retry-delay");
        Runner wf = h.client.newWorkflowStub(Runner.class, WorkflowOptions.newBuilder().setTaskQueue(queue)
                .setWorkflowId(id).setWorkflowExecutionTimeout(Duration.ofSeconds(60)).build());
        assertEquals("done@4", wf.run(queue));
        List<Long> starts = STARTS.get(id);
        assertEquals(4, starts.size(), starts.toString());
        for (int attempt = 1; attempt <= 3; attempt++) {
            long gap = starts.get(attempt) - starts.get(attempt - 1);
            long delay = attempt * 1000L;
            // the gap also holds the failure's report and the next task's delivery, a few ms each
            assertTrue(gap >= delay - 50 && gap < delay + 1000,
                    "attempt " + (attempt + 1) + " started " + gap + " ms after attempt " + attempt + ", asked for " + delay);
        }
    }
}
