package io.kairos.bench;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

import java.time.Duration;

/** The four benchmark workflows and their one activity. Every workflow takes and returns a string. */
public final class BenchWorkflows {
    static final String SIGNAL = "go";

    private BenchWorkflows() {
    }

    @ActivityInterface
    public interface Echo {
        @ActivityMethod
        String echo(String in);
    }

    public static final class EchoImpl implements Echo {
        @Override
        public String echo(String in) {
            return in;
        }
    }

    @WorkflowInterface
    public interface OneActivity {
        @WorkflowMethod(name = "OneActivity")
        String run(String in);
    }

    public static final class OneActivityImpl implements OneActivity {
        private final Echo echo = Workflow.newActivityStub(Echo.class,
                ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).build());

        @Override
        public String run(String in) {
            return echo.echo(in);
        }
    }

    @WorkflowInterface
    public interface NoActivity {
        @WorkflowMethod(name = "NoActivity")
        String run(String in);
    }

    public static final class NoActivityImpl implements NoActivity {
        @Override
        public String run(String in) {
            return in;
        }
    }

    @WorkflowInterface
    public interface Timer1s {
        @WorkflowMethod(name = "Timer1s")
        String run(String in);
    }

    public static final class Timer1sImpl implements Timer1s {
        @Override
        public String run(String in) {
            Workflow.sleep(Duration.ofSeconds(1));
            return in;
        }
    }

    @WorkflowInterface
    public interface SignalWait {
        @WorkflowMethod(name = "SignalWait")
        String run(String in);

        @SignalMethod(name = SIGNAL)
        void go(String value);
    }

    public static final class SignalWaitImpl implements SignalWait {
        private String value;

        @Override
        public String run(String in) {
            Workflow.await(() -> value != null);
            return value;
        }

        @Override
        public void go(String v) {
            value = v;
        }
    }

    static final Class<?>[] WORKFLOW_TYPES = {
            OneActivityImpl.class, NoActivityImpl.class, Timer1sImpl.class, SignalWaitImpl.class};
}
