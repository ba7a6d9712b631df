package io.kairos.e2e.engine;

import io.temporal.activity.LocalActivityOptions;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.workflow.QueryMethod;
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
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A run timeout shorter than the workflow task timeout caps it (as Temporal does), so a worker busy with a long
 * local activity heartbeats its first workflow task before the run times out, and a query after the timeout is
 * answered by replaying the history.
 */
class ShortRunTimeoutQueryTest {
    private static WorkerHarness h;
    private static String queue;

    @WorkflowInterface
    public interface Traced {
        @WorkflowMethod
        String run();

        @QueryMethod
        List<String> trace();
    }

    public static class TracedImpl implements Traced {
        private final List<String> trace = new ArrayList<>();

        @Override
        public String run() {
            Sleeper local = Workflow.newLocalActivityStub(Sleeper.class,
                    LocalActivityOptions.newBuilder().setScheduleToCloseTimeout(Duration.ofSeconds(5)).build());
            trace.add("started");
            local.sleep(4500);
            trace.add("finished");
            return "";
        }

        @Override
        public List<String> trace() {
            return trace;
        }
    }

    @WorkflowInterface
    public interface Noop {
        @WorkflowMethod
        void run();
    }

    public static class NoopImpl implements Noop {
        @Override
        public void run() {
        }
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("short-run-timeout");
        queue = "short-run-timeout-" + UUID.randomUUID();
        h.workersOn(queue, new Class<?>[] {TracedImpl.class, NoopImpl.class}, new Sleeper.Impl());
        // The worker's pollers wait on the queue before the timed test starts.
        h.client.newWorkflowStub(Noop.class, WorkflowOptions.newBuilder().setTaskQueue(queue).build()).run();
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void queryAfterRunTimeoutIsAnsweredByReplay() {
        String id = "short-run-" + UUID.randomUUID();
        Traced wf = h.client.newWorkflowStub(Traced.class, WorkflowOptions.newBuilder().setTaskQueue(queue)
                .setWorkflowId(id).setWorkflowRunTimeout(Duration.ofSeconds(3))
                .setWorkflowTaskTimeout(Duration.ofSeconds(10)).build());
        assertThrows(WorkflowFailedException.class, wf::run);
        assertEquals(List.of("started"), wf.trace());

        HistoryEvent started = h.client.fetchHistory(id).getEvents().get(0);
        assertEquals(3, started.getWorkflowExecutionStartedEventAttributes().getWorkflowTaskTimeout().getSeconds());
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
                h.client.fetchHistory(id).getLastEvent().getEventType());
    }
}
