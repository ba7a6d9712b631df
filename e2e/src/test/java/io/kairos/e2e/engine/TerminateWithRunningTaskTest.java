package io.kairos.e2e.engine;

import io.temporal.activity.LocalActivityOptions;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Terminating a run whose workflow task is running (here: busy with a local activity) fails that task with
 * FORCE_CLOSE_COMMAND first and writes the events that arrived meanwhile, as Temporal's TerminateWorkflow does.
 */
class TerminateWithRunningTaskTest {
    private static WorkerHarness h;
    private static String queue;

    @WorkflowInterface
    public interface Busy {
        @WorkflowMethod
        void run();

        @SignalMethod
        void poke();
    }

    public static class BusyImpl implements Busy {
        @Override
        public void run() {
            Workflow.newLocalActivityStub(Sleeper.class, LocalActivityOptions.newBuilder()
                    .setScheduleToCloseTimeout(Duration.ofSeconds(10)).build()).sleep(5000);
        }

        @Override
        public void poke() {
        }
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("terminate-running-task");
        queue = "terminate-running-task-" + UUID.randomUUID();
        h.workersOn(queue, new Class<?>[] {BusyImpl.class}, new Sleeper.Impl());
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close();
        }
    }

    private static List<EventType> types(String id) {
        return h.client.fetchHistory(id).getEvents().stream().map(HistoryEvent::getEventType).toList();
    }

    @Test
    void theRunningTaskFailsWithForceCloseAndBufferedEventsAreWritten() throws InterruptedException {
        String id = "busy-" + UUID.randomUUID();
        Busy wf = h.client.newWorkflowStub(Busy.class, WorkflowOptions.newBuilder().setTaskQueue(queue).setWorkflowId(id)
                .setWorkflowTaskTimeout(Duration.ofSeconds(20)).build());
        WorkflowClient.start(wf::run);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!types(id).contains(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)) {
            assertTrue(System.nanoTime() < deadline, "no workflow task started");
            Thread.sleep(50);
        }
        wf.poke(); // buffered: the task is running
        WorkflowStub.fromTyped(wf).terminate("stop");

        List<HistoryEvent> events = h.client.fetchHistory(id).getEvents();
        assertEquals(List.of(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
                EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED),
                events.stream().map(HistoryEvent::getEventType).toList());
        var failed = events.get(3).getWorkflowTaskFailedEventAttributes();
        assertEquals(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND, failed.getCause());
        assertEquals(3, failed.getStartedEventId());
        assertEquals("stop", events.get(5).getWorkflowExecutionTerminatedEventAttributes().getReason());
    }
}
