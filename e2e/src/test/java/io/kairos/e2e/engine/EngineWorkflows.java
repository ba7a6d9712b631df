package io.kairos.e2e.engine;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Workflows and activities the engine tests run through the real SDK worker. */
public final class EngineWorkflows {
    private EngineWorkflows() {
    }

    /** Per-test counters, keyed by something unique to the test run. */
    public static final Map<String, AtomicInteger> COUNTERS = new ConcurrentHashMap<>();

    public static AtomicInteger counter(String key) {
        return COUNTERS.computeIfAbsent(key, k -> new AtomicInteger());
    }

    @ActivityInterface
    public interface Greetings {
        @ActivityMethod
        String greet(String name);

        /** Fails until the given attempt, then answers with the attempt number. */
        @ActivityMethod
        int flaky(String key, int succeedOnAttempt);

        /** Sleeps past its start-to-close timeout on the first attempt. */
        @ActivityMethod
        int slowFirst(long sleepMillis);

        /** Heartbeats its progress; stops heartbeating on attempt 1 so the heartbeat timeout fires. */
        @ActivityMethod
        String heartbeating(int steps);

        @ActivityMethod
        String asyncCompleted(String key);

        @ActivityMethod
        int fail(String type);

        @ActivityMethod
        String huge(int bytes);

        /** Heartbeats until the server says it was canceled. */
        @ActivityMethod
        String untilCanceled();
    }

    public static final class GreetingsImpl implements Greetings {
        /** Task tokens of activities completed from outside (async completion). */
        public static final Map<String, byte[]> TOKENS = new ConcurrentHashMap<>();

        @Override
        public String greet(String name) {
            return "Hello, " + name + "!";
        }

        @Override
        public int flaky(String key, int succeedOnAttempt) {
            int attempt = Activity.getExecutionContext().getInfo().getAttempt();
            counter(key).incrementAndGet();
            if (attempt < succeedOnAttempt) {
                throw ApplicationFailure.newFailure("attempt " + attempt + " fails", "Flaky");
            }
            return attempt;
        }

        @Override
        public int slowFirst(long sleepMillis) {
            int attempt = Activity.getExecutionContext().getInfo().getAttempt();
            if (attempt == 1) {
                sleep(sleepMillis);
            }
            return attempt;
        }

        @Override
        public String heartbeating(int steps) {
            ActivityExecutionContext ctx = Activity.getExecutionContext();
            int start = ctx.getHeartbeatDetails(Integer.class).orElse(0);
            for (int i = start; i < steps; i++) {
                ctx.heartbeat(i + 1);
                if (ctx.getInfo().getAttempt() == 1 && i == 2) {
                    sleep(10_000); // stop heartbeating: the server times the attempt out
                }
            }
            return "resumed at " + start + " on attempt " + ctx.getInfo().getAttempt();
        }

        @Override
        public String asyncCompleted(String key) {
            ActivityExecutionContext ctx = Activity.getExecutionContext();
            TOKENS.put(key, ctx.getTaskToken());
            ctx.doNotCompleteOnReturn();
            return null;
        }

        @Override
        public int fail(String type) {
            throw ApplicationFailure.newNonRetryableFailure("activity gave up", type);
        }

        @Override
        public String huge(int bytes) {
            return "x".repeat(bytes);
        }

        @Override
        public String untilCanceled() {
            ActivityExecutionContext ctx = Activity.getExecutionContext();
            for (int i = 0; i < 600; i++) {
                ctx.heartbeat(i); // throws ActivityCanceledException once the cancel request arrives
                sleep(100);
            }
            return "never canceled";
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static ActivityOptions options(Duration startToClose) {
        return ActivityOptions.newBuilder().setStartToCloseTimeout(startToClose)
                .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofMillis(200))
                        .setBackoffCoefficient(1.5).build())
                .build();
    }

    @WorkflowInterface
    public interface HelloWorkflow {
        @WorkflowMethod
        String run(String name);
    }

    public static final class HelloWorkflowImpl implements HelloWorkflow {
        @Override
        public String run(String name) {
            return Workflow.newActivityStub(Greetings.class, options(Duration.ofSeconds(10))).greet(name);
        }
    }

    @WorkflowInterface
    public interface SleepWorkflow {
        @WorkflowMethod
        long sleep(long millis);
    }

    public static final class SleepWorkflowImpl implements SleepWorkflow {
        @Override
        public long sleep(long millis) {
            long start = Workflow.currentTimeMillis();
            Workflow.sleep(Duration.ofMillis(millis));
            return Workflow.currentTimeMillis() - start;
        }
    }

    @WorkflowInterface
    public interface FlakyWorkflow {
        @WorkflowMethod
        int run(String key, int succeedOnAttempt);
    }

    public static final class FlakyWorkflowImpl implements FlakyWorkflow {
        @Override
        public int run(String key, int succeedOnAttempt) {
            return Workflow.newActivityStub(Greetings.class, options(Duration.ofSeconds(10))).flaky(key, succeedOnAttempt);
        }
    }

    @WorkflowInterface
    public interface TimeoutRetryWorkflow {
        @WorkflowMethod
        int run(long sleepMillis);
    }

    public static final class TimeoutRetryWorkflowImpl implements TimeoutRetryWorkflow {
        @Override
        public int run(long sleepMillis) {
            return Workflow.newActivityStub(Greetings.class, options(Duration.ofSeconds(1))).slowFirst(sleepMillis);
        }
    }

    @WorkflowInterface
    public interface HeartbeatWorkflow {
        @WorkflowMethod
        String run(int steps);
    }

    public static final class HeartbeatWorkflowImpl implements HeartbeatWorkflow {
        @Override
        public String run(int steps) {
            ActivityOptions o = ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30))
                    .setHeartbeatTimeout(Duration.ofSeconds(1))
                    .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofMillis(100)).build())
                    .build();
            return Workflow.newActivityStub(Greetings.class, o).heartbeating(steps);
        }
    }

    @WorkflowInterface
    public interface LocalActivityWorkflow {
        @WorkflowMethod
        String run(String name);
    }

    public static final class LocalActivityWorkflowImpl implements LocalActivityWorkflow {
        @Override
        public String run(String name) {
            Greetings local = Workflow.newLocalActivityStub(Greetings.class,
                    LocalActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(5)).build());
            return local.greet(name) + " " + local.greet(name + " again");
        }
    }

    @WorkflowInterface
    public interface AsyncCompletionWorkflow {
        @WorkflowMethod
        String run(String key);
    }

    public static final class AsyncCompletionWorkflowImpl implements AsyncCompletionWorkflow {
        @Override
        public String run(String key) {
            return Workflow.newActivityStub(Greetings.class, options(Duration.ofSeconds(60))).asyncCompleted(key);
        }
    }

    @WorkflowInterface
    public interface FailingWorkflow {
        @WorkflowMethod
        String run(String mode);
    }

    public static final class FailingWorkflowImpl implements FailingWorkflow {
        @Override
        public String run(String mode) {
            if (mode.equals("activity")) {
                Workflow.newActivityStub(Greetings.class, options(Duration.ofSeconds(5))).fail("PaymentDeclined");
            }
            throw ApplicationFailure.newFailure("order rejected", "OrderRejected", "detail-1");
        }
    }

    @WorkflowInterface
    public interface WorkflowTaskFailureWorkflow {
        @WorkflowMethod
        String run(String key);
    }

    public static final class WorkflowTaskFailureWorkflowImpl implements WorkflowTaskFailureWorkflow {
        @Override
        public String run(String key) {
            if (counter(key).incrementAndGet() < 3) {
                // An unexpected error fails the workflow task; the server retries it.
                throw new IllegalStateException("bug in workflow code, attempt " + counter(key).get());
            }
            return "recovered after " + (counter(key).get() - 1) + " failed workflow tasks";
        }
    }

    @WorkflowInterface
    public interface ChainWorkflow {
        @WorkflowMethod
        int run(int sequential, int parallel);
    }

    public static final class ChainWorkflowImpl implements ChainWorkflow {
        @Override
        public int run(int sequential, int parallel) {
            Greetings g = Workflow.newActivityStub(Greetings.class, options(Duration.ofSeconds(10)));
            int done = 0;
            for (int i = 0; i < sequential; i++) {
                g.greet("step " + i);
                done++;
            }
            List<Promise<String>> all = new ArrayList<>();
            for (int i = 0; i < parallel; i++) {
                all.add(Async.function(g::greet, "parallel " + i));
            }
            for (Promise<String> p : all) {
                p.get();
                done++;
            }
            return done;
        }
    }

    @WorkflowInterface
    public interface VersionWorkflow {
        @WorkflowMethod
        String run();
    }

    public static final class VersionWorkflowImpl implements VersionWorkflow {
        @Override
        public String run() {
            int v = Workflow.getVersion("change-1", Workflow.DEFAULT_VERSION, 2);
            long random = Workflow.sideEffect(Long.class, () -> 42L);
            Workflow.sleep(Duration.ofMillis(100));
            return "version " + v + " side effect " + random;
        }
    }

    @WorkflowInterface
    public interface CancelWorkflow {
        @WorkflowMethod
        String run();
    }

    public static final class CancelWorkflowImpl implements CancelWorkflow {
        @Override
        @SuppressWarnings("unchecked")
        public String run() {
            Greetings g = Workflow.newActivityStub(Greetings.class, ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(60)).setHeartbeatTimeout(Duration.ofSeconds(2))
                    .setCancellationType(io.temporal.activity.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED).build());
            Promise<String>[] running = new Promise[1];
            io.temporal.workflow.CancellationScope scope =
                    Workflow.newCancellationScope(() -> { running[0] = Async.function(g::untilCanceled); });
            scope.run();
            Workflow.sleep(Duration.ofMillis(500));
            scope.cancel();
            String outcome;
            try {
                running[0].get();
                outcome = "not canceled";
            } catch (io.temporal.failure.ActivityFailure e) {
                outcome = e.getCause() instanceof io.temporal.failure.CanceledFailure ? "activity canceled" : "other " + e.getCause();
            }
            // A timer started (its command reaches the server with this task) and canceled in a later task.
            io.temporal.workflow.CancellationScope timerScope =
                    Workflow.newCancellationScope(() -> { Workflow.newTimer(Duration.ofHours(1)); });
            timerScope.run();
            Workflow.sleep(Duration.ofMillis(100));
            timerScope.cancel();
            Workflow.sleep(Duration.ofMillis(100));
            return outcome;
        }
    }

    @WorkflowInterface
    public interface HugeResultWorkflow {
        @WorkflowMethod
        String run(int bytes);
    }

    public static final class HugeResultWorkflowImpl implements HugeResultWorkflow {
        @Override
        public String run(int bytes) {
            try {
                return "length " + Workflow.newActivityStub(Greetings.class, options(Duration.ofSeconds(10))).huge(bytes).length();
            } catch (io.temporal.failure.ActivityFailure e) {
                return "failed: " + e.getCause().getMessage();
            }
        }
    }

    @WorkflowInterface
    public interface SignalWorkflow {
        @WorkflowMethod
        String run(int expected);

        @io.temporal.workflow.SignalMethod
        void add(String value);
    }

    public static final class SignalWorkflowImpl implements SignalWorkflow {
        private final List<String> values = new ArrayList<>();

        @Override
        public String run(int expected) {
            Workflow.await(() -> values.size() >= expected);
            return String.join(",", values);
        }

        @Override
        public void add(String value) {
            values.add(value);
        }
    }

    @WorkflowInterface
    public interface CountdownWorkflow {
        @WorkflowMethod
        int run(int remaining, int runs);
    }

    public static final class CountdownWorkflowImpl implements CountdownWorkflow {
        @Override
        public int run(int remaining, int runs) {
            if (remaining > 0) {
                Workflow.newActivityStub(Greetings.class, options(Duration.ofSeconds(5))).greet("run " + runs);
                Workflow.continueAsNew(remaining - 1, runs + 1);
            }
            return runs;
        }
    }

    @WorkflowInterface
    public interface RetriedWorkflow {
        @WorkflowMethod
        String run(int succeedOnAttempt);
    }

    public static final class RetriedWorkflowImpl implements RetriedWorkflow {
        @Override
        public String run(int succeedOnAttempt) {
            int attempt = Workflow.getInfo().getAttempt();
            if (attempt < succeedOnAttempt) {
                throw ApplicationFailure.newFailure("attempt " + attempt + " failed", "NotYet");
            }
            return "succeeded on attempt " + attempt;
        }
    }

    @WorkflowInterface
    public interface MemoWorkflow {
        @WorkflowMethod
        String run(String value);
    }

    public static final class MemoWorkflowImpl implements MemoWorkflow {
        @Override
        public String run(String value) {
            Workflow.upsertMemo(Map.of("note", value));
            Workflow.sleep(Duration.ofMillis(200));
            return value;
        }
    }

    @WorkflowInterface
    public interface TimerAndActivitiesWorkflow {
        @WorkflowMethod
        String run(long sleepMillis, int activities);
    }

    public static final class TimerAndActivitiesWorkflowImpl implements TimerAndActivitiesWorkflow {
        @Override
        public String run(long sleepMillis, int activities) {
            Greetings g = Workflow.newActivityStub(Greetings.class, options(Duration.ofSeconds(5)));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < activities; i++) {
                sb.append(g.greet("a" + i)).append(' ');
                if (i == 0) {
                    Workflow.sleep(Duration.ofMillis(sleepMillis));
                }
            }
            return sb.toString().trim();
        }
    }
}
