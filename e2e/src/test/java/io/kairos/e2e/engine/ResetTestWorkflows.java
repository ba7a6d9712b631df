package io.kairos.e2e.engine;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Workflows for {@link ResetTest}. */
public final class ResetTestWorkflows {
    private ResetTestWorkflows() {
    }

    /** Activity executions per workflow id and step, across runs. */
    public static final Map<String, AtomicInteger> EXECUTIONS = new ConcurrentHashMap<>();
    /** Gates that {@link Steps#gated} waits on, by workflow id. */
    public static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

    static int executions(String workflowId, String step) {
        AtomicInteger n = EXECUTIONS.get(workflowId + "/" + step);
        return n == null ? 0 : n.get();
    }

    static CountDownLatch gate(String workflowId) {
        return GATES.computeIfAbsent(workflowId, k -> new CountDownLatch(1));
    }

    @ActivityInterface
    public interface Steps {
        @ActivityMethod
        String step(String value);

        /** Waits until the test opens the workflow's gate. */
        @ActivityMethod
        String gated(String workflowId);
    }

    public static final class StepsImpl implements Steps {
        @Override
        public String step(String value) {
            String wf = io.temporal.activity.Activity.getExecutionContext().getInfo().getWorkflowId();
            EXECUTIONS.computeIfAbsent(wf + "/" + value, k -> new AtomicInteger()).incrementAndGet();
            return value.toUpperCase();
        }

        @Override
        public String gated(String workflowId) {
            EXECUTIONS.computeIfAbsent(workflowId + "/gated", k -> new AtomicInteger()).incrementAndGet();
            try {
                if (!gate(workflowId).await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return "gated";
        }
    }

    private static Steps steps() {
        return Workflow.newActivityStub(Steps.class, ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(90))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
    }

    /** An activity, then waits for {@code expected} signals, then another activity over them. */
    @WorkflowInterface
    public interface Collector {
        @WorkflowMethod
        String run(int expected);

        @SignalMethod
        void add(String value);
    }

    public static final class CollectorImpl implements Collector {
        private final List<String> values = new ArrayList<>();

        @Override
        public String run(int expected) {
            Steps s = steps();
            String first = s.step("one");
            Workflow.await(() -> values.size() >= expected);
            return first + "|" + s.step(String.join(",", values));
        }

        @Override
        public void add(String value) {
            values.add(value);
        }
    }

    /** A timer and a gated activity both pending while a signal ("poke") brings a second workflow task. */
    @WorkflowInterface
    public interface Pending {
        @WorkflowMethod
        String run(long timerMillis);

        @SignalMethod
        void poke();
    }

    public static final class PendingImpl implements Pending {
        private boolean poked;

        @Override
        public String run(long timerMillis) {
            Promise<Void> timer = Workflow.newTimer(Duration.ofMillis(timerMillis));
            Promise<String> gated = Async.function(steps()::gated, Workflow.getInfo().getWorkflowId());
            Workflow.await(() -> poked);
            timer.get();
            return gated.get() + "|timer";
        }

        @Override
        public void poke() {
            poked = true;
        }
    }
}
