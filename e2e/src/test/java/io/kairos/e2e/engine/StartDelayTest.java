package io.kairos.e2e.engine;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Workflow start delay (WorkflowOptions.setStartDelay): the run is created at once, its first workflow task only
 * after the delay (FirstWorkflowTaskBackoff on WorkflowExecutionStarted, the execution time that much later), and a
 * signal during the delay waits for it instead of starting the workflow early, as in Temporal.
 */
class StartDelayTest {
    private static WorkerHarness h;
    private static String queue;

    @WorkflowInterface
    public interface Delayed {
        @WorkflowMethod
        String run();

        @SignalMethod
        void poke(String value);
    }

    public static class DelayedImpl implements Delayed {
        private final List<String> pokes = new ArrayList<>();

        @Override
        public String run() {
            Workflow.await(Duration.ofSeconds(1), () -> !pokes.isEmpty());
            return String.join(",", pokes);
        }

        @Override
        public void poke(String value) {
            pokes.add(value);
        }
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("start-delay");
        queue = "start-delay-" + UUID.randomUUID();
        h.workersOn(queue, new Class<?>[] {DelayedImpl.class});
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close(); // and its workers
        }
    }

    private static WorkflowOptions delayed(String id) {
        return WorkflowOptions.newBuilder().setTaskQueue(queue).setWorkflowId(id)
                .setStartDelay(Duration.ofSeconds(2)).build();
    }

    private static List<EventType> types(String id) {
        return h.client.fetchHistory(id).getHistory().getEventsList().stream().map(HistoryEvent::getEventType).toList();
    }

    @Test
    void theFirstWorkflowTaskWaitsForTheDelayEvenWhenSignaled() {
        String id = "delayed-" + UUID.randomUUID();
        long t0 = System.nanoTime();
        Delayed wf = h.client.newWorkflowStub(Delayed.class, delayed(id));
        WorkflowClient.start(wf::run);
        wf.poke("early");
        List<EventType> before = types(id);
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, before.get(0));
        assertTrue(before.contains(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED), before::toString);
        assertFalse(before.contains(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
                () -> "a signal during the delay schedules no workflow task: " + before);

        HistoryEvent started = h.client.fetchHistory(id).getHistory().getEvents(0);
        assertEquals(2, started.getWorkflowExecutionStartedEventAttributes().getFirstWorkflowTaskBackoff().getSeconds());
        var info = h.client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder().setNamespace(h.client.getOptions().getNamespace())
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build()).getWorkflowExecutionInfo();
        assertEquals(2, info.getExecutionTime().getSeconds() - info.getStartTime().getSeconds(), 1,
                "execution time = start time + delay");

        assertEquals("early", WorkflowStub.fromTyped(wf).getResult(String.class));
        assertTrue(System.nanoTime() - t0 >= Duration.ofSeconds(2).toNanos(), "no result before the delay");
    }

    @Test
    void signalWithStartKeepsTheDelay() {
        String id = "delayed-sws-" + UUID.randomUUID();
        long t0 = System.nanoTime();
        WorkflowStub stub = h.client.newUntypedWorkflowStub("Delayed", delayed(id));
        stub.signalWithStart("poke", new Object[] {"with-start"}, new Object[0]);
        assertFalse(types(id).contains(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED));
        assertEquals("with-start", stub.getResult(String.class));
        assertTrue(System.nanoTime() - t0 >= Duration.ofSeconds(2).toNanos(), "no result before the delay");
    }

    @Test
    void cronAndStartDelayAreRefusedTogether() {
        WorkflowStub stub = h.client.newUntypedWorkflowStub("Delayed", WorkflowOptions.newBuilder().setTaskQueue(queue)
                .setWorkflowId("delayed-cron-" + UUID.randomUUID()).setCronSchedule("* * * * *")
                .setStartDelay(Duration.ofSeconds(2)).build());
        Throwable e = assertThrows(Exception.class, stub::start);
        while (e.getCause() != null && !(e instanceof StatusRuntimeException)) {
            e = e.getCause();
        }
        StatusRuntimeException s = assertInstanceOf(StatusRuntimeException.class, e);
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getStatus().getCode());
        assertEquals("CronSchedule and WorkflowStartDelay may not be used together.", s.getStatus().getDescription());
    }
}
