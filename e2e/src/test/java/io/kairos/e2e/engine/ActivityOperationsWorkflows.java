package io.kairos.e2e.engine;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.ActivityPausedException;
import io.temporal.client.ActivityResetException;
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
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Workflows and activities for {@link ActivityOperationsTest}: a workflow runs the activities its input lists, in
 * parallel, each with its own options; what an activity does is named by its argument (a {@link Behaviour}).
 */
public final class ActivityOperationsWorkflows {
    private ActivityOperationsWorkflows() {
    }

    /** One activity to run: its type, argument and options (0 = not set). The SDK gives it a random activity id. */
    public static final class Step {
        public String type = Ops.OPS;
        public String behaviour;
        public String taskQueue;
        public int scheduleToCloseSeconds;
        public int startToCloseSeconds = 60;
        public int heartbeatSeconds;
        public int retryInitialSeconds = 1;
        public double retryCoefficient = 1;
        public int maximumAttempts;

        public Step() {
        }

        static Step of(Behaviour behaviour) {
            Step s = new Step();
            s.behaviour = behaviour.name();
            return s;
        }

        Step type(String t) {
            type = t;
            return this;
        }

        Step queue(String q) {
            taskQueue = q;
            return this;
        }

        Step startToClose(int seconds) {
            startToCloseSeconds = seconds;
            return this;
        }

        Step heartbeat(int seconds) {
            heartbeatSeconds = seconds;
            return this;
        }

        Step retry(int initialSeconds, double coefficient, int attempts) {
            retryInitialSeconds = initialSeconds;
            retryCoefficient = coefficient;
            maximumAttempts = attempts;
            return this;
        }
    }

    @WorkflowInterface
    public interface StepsWorkflow {
        /** The activities' results joined by ",", in the order given. */
        @WorkflowMethod
        String run(List<Step> steps);
    }

    public static final class StepsWorkflowImpl implements StepsWorkflow {
        @Override
        public String run(List<Step> steps) {
            List<Promise<String>> results = new ArrayList<>();
            for (Step s : steps) {
                ActivityOptions.Builder o = ActivityOptions.newBuilder()
                        .setStartToCloseTimeout(Duration.ofSeconds(s.startToCloseSeconds))
                        .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofSeconds(s.retryInitialSeconds))
                                .setBackoffCoefficient(s.retryCoefficient).setMaximumAttempts(s.maximumAttempts).build());
                if (s.taskQueue != null) {
                    o.setTaskQueue(s.taskQueue);
                }
                if (s.scheduleToCloseSeconds > 0) {
                    o.setScheduleToCloseTimeout(Duration.ofSeconds(s.scheduleToCloseSeconds));
                }
                if (s.heartbeatSeconds > 0) {
                    o.setHeartbeatTimeout(Duration.ofSeconds(s.heartbeatSeconds));
                }
                var stub = Workflow.newUntypedActivityStub(o.build());
                results.add(Async.function(() -> stub.execute(s.type, String.class, s.behaviour)));
            }
            List<String> out = new ArrayList<>();
            for (Promise<String> p : results) {
                out.add(p.get());
            }
            return String.join(",", out);
        }
    }

    /** What an activity does, by its argument. */
    public enum Behaviour {
        /** Returns at once. */
        QUICK,
        /** Heartbeats until paused, then fails its attempt (ActivityPausedException); a later attempt returns. */
        FAIL_WHEN_PAUSED,
        /** Heartbeats until paused, then returns: an activity may complete while paused. */
        COMPLETE_WHEN_PAUSED,
        /** Fails attempts 1 and 2; attempt 3 heartbeats until reset (ActivityResetException); later attempts return. */
        RESET_WHILE_RUNNING,
        /** Fails until the test sets {@link #RELEASED} for the workflow, then returns. */
        FAIL_UNTIL_RELEASED,
        /** Fails attempts 1 to 3, then returns. */
        FAIL_THREE_TIMES,
        /** Runs for 5 seconds, then returns. */
        SLOW,
        /** Runs for 30 seconds without heartbeats (its timeouts end it first). */
        HANG
    }

    /** Every attempt started, per workflow id. */
    public static final Map<String, List<Integer>> ATTEMPTS = new ConcurrentHashMap<>();
    /** What the activities' heartbeats saw, per workflow id ("paused@2", "reset@3"). */
    public static final Map<String, List<String>> SEEN = new ConcurrentHashMap<>();
    /** Workflow ids whose FAIL_UNTIL_RELEASED activities may return. */
    public static final java.util.Set<String> RELEASED = ConcurrentHashMap.newKeySet();

    static List<Integer> attempts(String workflowId) {
        return ATTEMPTS.getOrDefault(workflowId, List.of());
    }

    static List<String> seen(String workflowId) {
        return SEEN.getOrDefault(workflowId, List.of());
    }

    @ActivityInterface
    public interface Ops {
        String OPS = "OpsActivity";
        String OTHER = "OtherActivity";

        @ActivityMethod(name = OPS)
        String ops(String behaviour);

        @ActivityMethod(name = OTHER)
        String other(String behaviour);
    }

    public static final class OpsImpl implements Ops {
        @Override
        public String ops(String behaviour) {
            return act(behaviour);
        }

        @Override
        public String other(String behaviour) {
            return act(behaviour);
        }

        private static String act(String behaviour) {
            ActivityExecutionContext ctx = Activity.getExecutionContext();
            var info = ctx.getInfo();
            String key = info.getWorkflowId();
            int attempt = info.getAttempt();
            ATTEMPTS.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(attempt);
            List<String> seen = SEEN.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
            switch (Behaviour.valueOf(behaviour)) {
                case QUICK -> {
                    return "ok@" + attempt;
                }
                case FAIL_WHEN_PAUSED -> {
                    if (attempt > 1) {
                        return "done@" + attempt;
                    }
                    heartbeatUntilInterrupted(ctx, seen, true);
                    throw new IllegalStateException("unreachable");
                }
                case COMPLETE_WHEN_PAUSED -> {
                    try {
                        heartbeatUntilInterrupted(ctx, seen, false);
                    } catch (ActivityPausedException e) {
                        return "completed while paused";
                    }
                    throw new IllegalStateException("unreachable");
                }
                case RESET_WHILE_RUNNING -> {
                    if (seen.stream().anyMatch(s -> s.startsWith("reset@"))) {
                        return "after reset@" + attempt;
                    }
                    if (attempt < 3) {
                        throw ApplicationFailure.newFailure("fails before attempt 3", "Flaky");
                    }
                    heartbeatUntilInterrupted(ctx, seen, true);
                    throw new IllegalStateException("unreachable");
                }
                case FAIL_UNTIL_RELEASED -> {
                    if (!RELEASED.contains(info.getWorkflowId())) {
                        throw ApplicationFailure.newFailure("not yet", "Flaky");
                    }
                    return "released@" + attempt;
                }
                case FAIL_THREE_TIMES -> {
                    if (attempt <= 3) {
                        throw ApplicationFailure.newFailure("attempt " + attempt + " fails", "Flaky");
                    }
                    return "ok@" + attempt;
                }
                case SLOW -> {
                    sleep(5000);
                    return "slow@" + attempt;
                }
                case HANG -> {
                    sleep(30_000);
                    return "hung@" + attempt;
                }
                default -> throw new IllegalArgumentException(behaviour);
            }
        }

        /**
         * Heartbeats every 200 ms (the SDK sends them at most every 0.8 x the heartbeat timeout) until a heartbeat
         * answer says paused or reset, noted in {@code seen}; the exception is rethrown when {@code rethrow}.
         */
        private static void heartbeatUntilInterrupted(ActivityExecutionContext ctx, List<String> seen, boolean rethrow) {
            int attempt = ctx.getInfo().getAttempt();
            while (true) {
                sleep(200);
                try {
                    ctx.heartbeat("beat@" + attempt);
                } catch (ActivityPausedException e) {
                    seen.add("paused@" + attempt);
                    throw e;
                } catch (ActivityResetException e) {
                    seen.add("reset@" + attempt);
                    if (rethrow) {
                        throw e;
                    }
                    return;
                }
            }
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeException(e);
            }
        }
    }
}
