package io.kairos.e2e.engine;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.api.common.v1.WorkflowExecution;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real workflows through the official Java SDK worker against the dev server jar. */
class WorkflowEngineTest {
    private static WorkerHarness h;

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("engine");
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close();
        }
    }

    private static List<HistoryEvent> history(String workflowId) {
        WorkflowExecutionHistory hist = h.client.fetchHistory(workflowId);
        return hist.getEvents();
    }

    private static long count(List<HistoryEvent> events, EventType type) {
        return events.stream().filter(e -> e.getEventType() == type).count();
    }

    @Test
    void helloActivity() {
        String id = WorkerHarness.id("hello");
        assertEquals("Hello, Kairos!", h.stub(EngineWorkflows.HelloWorkflow.class, id).run("Kairos"));
        List<HistoryEvent> events = history(id);
        assertEquals(List.of(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
                EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
                EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
                EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
                events.stream().map(HistoryEvent::getEventType).toList());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).getEventId(), "dense event ids");
        }
    }

    @Test
    void timerSleepsAtLeastItsDuration() {
        long t0 = System.nanoTime();
        long inWorkflow = h.stub(EngineWorkflows.SleepWorkflow.class, WorkerHarness.id("sleep")).sleep(2000);
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(inWorkflow >= 2000, "workflow time advanced " + inWorkflow);
        assertTrue(elapsedMs >= 2000, "wall time " + elapsedMs);
    }

    @Test
    void activityRetriesServerSideWithoutEvents() {
        String id = WorkerHarness.id("flaky");
        String key = id;
        assertEquals(3, h.stub(EngineWorkflows.FlakyWorkflow.class, id).run(key, 3));
        assertEquals(3, EngineWorkflows.counter(key).get());
        List<HistoryEvent> events = history(id);
        assertEquals(1, count(events, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED), "only the final attempt is written");
        HistoryEvent started = events.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
                .findFirst().orElseThrow();
        assertEquals(3, started.getActivityTaskStartedEventAttributes().getAttempt());
        assertEquals("attempt 2 fails", started.getActivityTaskStartedEventAttributes().getLastFailure().getMessage());
    }

    @Test
    void startToCloseTimeoutThenRetry() {
        assertEquals(2, h.stub(EngineWorkflows.TimeoutRetryWorkflow.class, WorkerHarness.id("stc")).run(3000));
    }

    @Test
    void heartbeatTimeoutKeepsDetailsForTheRetry() {
        String result = h.stub(EngineWorkflows.HeartbeatWorkflow.class, WorkerHarness.id("hb")).run(5);
        assertEquals("resumed at 3 on attempt 2", result);
    }

    @Test
    void localActivitiesAreMarkers() {
        String id = WorkerHarness.id("local");
        assertEquals("Hello, L! Hello, L again!", h.stub(EngineWorkflows.LocalActivityWorkflow.class, id).run("L"));
        assertEquals(2, count(history(id), EventType.EVENT_TYPE_MARKER_RECORDED));
    }

    @Test
    void asyncActivityCompletionByTaskToken() throws Exception {
        String id = WorkerHarness.id("async");
        WorkflowExecution exec = WorkflowClient.start(h.stub(EngineWorkflows.AsyncCompletionWorkflow.class, id)::run, id);
        long deadline = System.currentTimeMillis() + 20_000;
        while (!EngineWorkflows.GreetingsImpl.TOKENS.containsKey(id) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        byte[] token = EngineWorkflows.GreetingsImpl.TOKENS.get(id);
        h.client.newActivityCompletionClient().complete(token, "done from outside");
        assertEquals("done from outside", h.client.newUntypedWorkflowStub(exec, java.util.Optional.empty())
                .getResult(30, TimeUnit.SECONDS, String.class));
    }

    @Test
    void workflowFailureCarriesTheApplicationFailureType() {
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                () -> h.stub(EngineWorkflows.FailingWorkflow.class, WorkerHarness.id("fail")).run("workflow"));
        ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, e.getCause());
        assertEquals("OrderRejected", cause.getType());
        assertEquals("order rejected", cause.getOriginalMessage());
    }

    @Test
    void nonRetryableActivityFailureFailsTheWorkflow() {
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                () -> h.stub(EngineWorkflows.FailingWorkflow.class, WorkerHarness.id("actfail")).run("activity"));
        ActivityFailure af = assertInstanceOf(ActivityFailure.class, e.getCause());
        assertEquals("PaymentDeclined", assertInstanceOf(ApplicationFailure.class, af.getCause()).getType());
    }

    @Test
    void runTimeoutTimesTheWorkflowOut() {
        EngineWorkflows.SleepWorkflow wf = h.stub(EngineWorkflows.SleepWorkflow.class,
                WorkflowOptions.newBuilder().setWorkflowId(WorkerHarness.id("runtimeout")).setWorkflowRunTimeout(Duration.ofSeconds(2)));
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> wf.sleep(60_000));
        assertInstanceOf(TimeoutFailure.class, e.getCause());
    }

    @Test
    void failedWorkflowTasksAreRetried() {
        String id = WorkerHarness.id("wtfail");
        WorkflowOptions.Builder o = WorkflowOptions.newBuilder().setWorkflowId(id).setWorkflowTaskTimeout(Duration.ofSeconds(2));
        assertEquals("recovered after 2 failed workflow tasks",
                h.stub(EngineWorkflows.WorkflowTaskFailureWorkflow.class, o).run(id));
        List<HistoryEvent> events = history(id);
        assertEquals(1, count(events, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED), "later failed attempts are transient");
    }

    @Test
    void manySequentialAndParallelActivitiesWithPagedHistory() {
        String id = WorkerHarness.id("chain");
        assertEquals(200, h.stub(EngineWorkflows.ChainWorkflow.class, id).run(150, 50));
        // Every activity completed on its first attempt: no completion was lost and retried by a timeout.
        history(id).stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
                .forEach(e -> assertEquals(1, e.getActivityTaskStartedEventAttributes().getAttempt(), e.toString()));
        // Page through the history the way the CLI does, 100 events at a time.
        int events = 0;
        int pages = 0;
        com.google.protobuf.ByteString token = com.google.protobuf.ByteString.EMPTY;
        do {
            GetWorkflowExecutionHistoryResponse page = h.service.blockingStub().getWorkflowExecutionHistory(
                    GetWorkflowExecutionHistoryRequest.newBuilder().setNamespace("default")
                            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).setMaximumPageSize(100)
                            .setNextPageToken(token).build());
            for (HistoryEvent e : page.getHistory().getEventsList()) {
                assertEquals(++events, e.getEventId());
            }
            token = page.getNextPageToken();
            pages++;
        } while (!token.isEmpty());
        assertTrue(pages > 5, "pages " + pages);
        assertTrue(events > 900, "events " + events);
    }

    @Test
    void activityAndTimerCancellation() {
        String id = WorkerHarness.id("cancel");
        assertEquals("activity canceled", h.stub(EngineWorkflows.CancelWorkflow.class, id).run());
        List<HistoryEvent> events = history(id);
        assertEquals(1, count(events, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED));
        assertEquals(1, count(events, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED));
        assertEquals(1, count(events, EventType.EVENT_TYPE_TIMER_CANCELED));
        assertEquals(3, count(events, EventType.EVENT_TYPE_TIMER_FIRED), "the three sleeps fire, the canceled timer does not");
    }

    @Test
    void activityResultsOverTheBlobLimitFailTheActivity() {
        assertEquals("length 1000", h.stub(EngineWorkflows.HugeResultWorkflow.class, WorkerHarness.id("small")).run(1000));
        assertEquals("failed: Complete result exceeds size limit.",
                h.stub(EngineWorkflows.HugeResultWorkflow.class, WorkerHarness.id("huge")).run(3 * 1024 * 1024));
    }

    @Test
    void getVersionAndSideEffect() {
        assertEquals("version 2 side effect 42",
                h.stub(EngineWorkflows.VersionWorkflow.class, WorkerHarness.id("version")).run());
    }

    @Test
    void describeShowsPendingActivitiesAndHistoryLength() throws Exception {
        String id = WorkerHarness.id("describe");
        String key = id;
        WorkflowClient.start(h.stub(EngineWorkflows.FlakyWorkflow.class, id)::run, key, 4);
        var req = DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build();
        long deadline = System.currentTimeMillis() + 20_000;
        int attempt = 0;
        while (System.currentTimeMillis() < deadline) {
            var d = h.service.blockingStub().describeWorkflowExecution(req);
            if (d.getPendingActivitiesCount() == 1) {
                attempt = Math.max(attempt, d.getPendingActivities(0).getAttempt());
                assertEquals("flaky", d.getPendingActivities(0).getActivityType().getName().toLowerCase());
            }
            if (attempt >= 2) {
                assertTrue(d.getWorkflowExecutionInfo().getHistoryLength() >= 5);
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(attempt >= 2, "saw the retry attempt in DescribeWorkflowExecution");
        assertEquals(4, h.client.newUntypedWorkflowStub(id).getResult(Integer.class));
    }

}
