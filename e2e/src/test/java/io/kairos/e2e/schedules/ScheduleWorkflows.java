package io.kairos.e2e.schedules;

import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

import java.time.Duration;
import java.util.Optional;

/** Workflows the schedule tests start. */
final class ScheduleWorkflows {
    private ScheduleWorkflows() {
    }

    @WorkflowInterface
    public interface Quick {
        @WorkflowMethod(name = "ScheduleQuick")
        String run(String arg);
    }

    public static class QuickImpl implements Quick {
        @Override
        public String run(String arg) {
            return "done:" + arg;
        }
    }

    /** Counts its runs through the schedule's last completion result; fails every third run when asked to. */
    @WorkflowInterface
    public interface Counting {
        @WorkflowMethod(name = "ScheduleCounting")
        int run(boolean failOnThird);
    }

    public static class CountingImpl implements Counting {
        @Override
        public int run(boolean failOnThird) {
            Optional<Integer> last = Workflow.getLastCompletionResult(Integer.class) == null
                    ? Optional.empty() : Optional.of(Workflow.getLastCompletionResult(Integer.class));
            int n = last.orElse(0) + 1;
            if (failOnThird && n == 3) {
                throw ApplicationFailure.newNonRetryableFailure("third run fails", "Third");
            }
            return n;
        }
    }

    /** Runs until released by a signal or until its time is up (seconds); cancellable. */
    @WorkflowInterface
    public interface Blocking {
        @WorkflowMethod(name = "ScheduleBlocking")
        String run(int seconds);

        @SignalMethod
        void release();
    }

    public static class BlockingImpl implements Blocking {
        private boolean released;

        @Override
        public String run(int seconds) {
            Workflow.await(Duration.ofSeconds(seconds), () -> released);
            return released ? "released" : "timed";
        }

        @Override
        public void release() {
            released = true;
        }
    }

    @io.temporal.activity.ActivityInterface
    public interface FirstCallFails {
        @io.temporal.activity.ActivityMethod(name = "FirstCallFails")
        String work(String key);
    }

    /** Fails the first call per key, then succeeds: its retry then waits out a long backoff. */
    public static class FirstCallFailsImpl implements FirstCallFails {
        static final java.util.Set<String> FAILED = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public String work(String key) {
            if (FAILED.add(key)) {
                throw ApplicationFailure.newFailure("first call fails", "First");
            }
            return "worked:" + key;
        }
    }

    /** One activity whose retry waits an hour after the first failure, unless an operator intervenes. */
    @WorkflowInterface
    public interface LongBackoff {
        @WorkflowMethod(name = "ScheduleLongBackoff")
        String run();
    }

    public static class LongBackoffImpl implements LongBackoff {
        @Override
        public String run() {
            FirstCallFails a = Workflow.newActivityStub(FirstCallFails.class, io.temporal.activity.ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(30))
                    .setRetryOptions(io.temporal.common.RetryOptions.newBuilder().setInitialInterval(Duration.ofHours(1)).build())
                    .build());
            return a.work(Workflow.getInfo().getWorkflowId());
        }
    }

    @WorkflowInterface
    public interface Failing {
        @WorkflowMethod(name = "ScheduleFailing")
        void run();
    }

    public static class FailingImpl implements Failing {
        @Override
        public void run() {
            throw ApplicationFailure.newNonRetryableFailure("scheduled run failed", "Boom");
        }
    }
}
