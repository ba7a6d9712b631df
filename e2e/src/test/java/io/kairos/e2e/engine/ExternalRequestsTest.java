package io.kairos.e2e.engine;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TerminatedFailure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Signals, signal-with-start, cancellation and termination through the SDK client. */
class ExternalRequestsTest {
    private static WorkerHarness h;

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("external");
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void signalsAreDeliveredInOrderAndDeduplicated() throws Exception {
        String id = WorkerHarness.id("signal");
        EngineWorkflows.SignalWorkflow wf = h.stub(EngineWorkflows.SignalWorkflow.class, id);
        WorkflowExecution exec = WorkflowClient.start(wf::run, 3);
        wf.add("a");
        // The same signal request twice (a client retry) is applied once.
        var retried = SignalWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).setSignalName("add")
                .setInput(io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE.toPayloads("b").orElseThrow())
                .setRequestId("same-request").build();
        h.service.blockingStub().signalWorkflowExecution(retried);
        h.service.blockingStub().signalWorkflowExecution(retried);
        wf.add("c");
        assertEquals("a,b,c", h.client.newUntypedWorkflowStub(exec, Optional.empty()).getResult(30, TimeUnit.SECONDS, String.class));
        List<HistoryEvent> events = h.client.fetchHistory(id).getEvents();
        assertEquals(3, events.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).count());
        // A closed workflow cannot be signaled.
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> h.service.blockingStub().signalWorkflowExecution(retried.toBuilder().setRequestId("late").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void signalWithStartCreatesThenReuses() throws Exception {
        String id = WorkerHarness.id("sws");
        EngineWorkflows.SignalWorkflow wf = h.stub(EngineWorkflows.SignalWorkflow.class, id);
        BatchRequest first = h.client.newSignalWithStartRequest();
        first.add(wf::run, 2);
        first.add(wf::add, "one");
        WorkflowExecution created = h.client.signalWithStart(first);
        EngineWorkflows.SignalWorkflow again = h.stub(EngineWorkflows.SignalWorkflow.class, id);
        BatchRequest second = h.client.newSignalWithStartRequest();
        second.add(again::run, 2);
        second.add(again::add, "two");
        WorkflowExecution reused = h.client.signalWithStart(second);
        assertEquals(created.getRunId(), reused.getRunId(), "the running workflow got the signal");
        assertEquals("one,two", h.client.newUntypedWorkflowStub(created, Optional.empty()).getResult(30, TimeUnit.SECONDS, String.class));
        List<HistoryEvent> events = h.client.fetchHistory(id).getEvents();
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, events.get(1).getEventType(), "the signal is the second event");
    }

    @Test
    void cancellationIsSeenByTheWorkflow() {
        String id = WorkerHarness.id("cancel-wf");
        EngineWorkflows.SleepWorkflow wf = h.stub(EngineWorkflows.SleepWorkflow.class, id);
        WorkflowClient.start(wf::sleep, 3_600_000L);
        WorkflowStub stub = h.client.newUntypedWorkflowStub(id);
        stub.cancel();
        stub.cancel(); // a second request is accepted and changes nothing
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> stub.getResult(30, TimeUnit.SECONDS, Long.class));
        assertInstanceOf(CanceledFailure.class, e.getCause());
        List<HistoryEvent> events = h.client.fetchHistory(id).getEvents();
        assertEquals(1, events.stream().filter(ev -> ev.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED).count());
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, events.get(events.size() - 1).getEventType());
    }

    @Test
    void continueAsNewChainsRunsAndTheResultFollowsIt() throws Exception {
        String id = WorkerHarness.id("countdown");
        EngineWorkflows.CountdownWorkflow wf = h.stub(EngineWorkflows.CountdownWorkflow.class, id);
        WorkflowExecution first = WorkflowClient.start(wf::run, 3, 1);
        // The SDK follows new_execution_run_id from run to run.
        assertEquals(4, h.client.newUntypedWorkflowStub(first, Optional.empty()).getResult(60, TimeUnit.SECONDS, Integer.class));
        List<HistoryEvent> firstRun = h.client.fetchHistory(id, first.getRunId()).getEvents();
        HistoryEvent last = firstRun.get(firstRun.size() - 1);
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, last.getEventType());
        var current = h.service.blockingStub().describeWorkflowExecution(
                io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build()).getWorkflowExecutionInfo();
        assertEquals(first.getRunId(), current.getFirstRunId(), "the chain keeps its first run id");
        assertEquals(io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, current.getStatus());
        List<HistoryEvent> lastRun = h.client.fetchHistory(id).getEvents();
        var started = lastRun.get(0).getWorkflowExecutionStartedEventAttributes();
        assertEquals(io.temporal.api.enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW, started.getInitiator());
        assertTrue(!started.getContinuedExecutionRunId().isEmpty(), "the last run names the run it continues");
    }

    @Test
    void workflowRetryPolicyRetriesFailedRuns() throws Exception {
        String id = WorkerHarness.id("wf-retry");
        EngineWorkflows.RetriedWorkflow wf = h.stub(EngineWorkflows.RetriedWorkflow.class,
                io.temporal.client.WorkflowOptions.newBuilder().setWorkflowId(id)
                        .setRetryOptions(io.temporal.common.RetryOptions.newBuilder()
                                .setInitialInterval(java.time.Duration.ofMillis(200)).setMaximumAttempts(5).build()));
        assertEquals("succeeded on attempt 3", wf.run(3));
        var current = h.client.fetchHistory(id).getEvents().get(0).getWorkflowExecutionStartedEventAttributes();
        assertEquals(3, current.getAttempt());
        assertEquals(io.temporal.api.enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY, current.getInitiator());
        assertEquals("attempt 2 failed", current.getContinuedFailure().getMessage());

        // Without a retry policy a failure is final.
        EngineWorkflows.RetriedWorkflow once = h.stub(EngineWorkflows.RetriedWorkflow.class, WorkerHarness.id("no-retry"));
        assertThrows(WorkflowFailedException.class, () -> once.run(2));
    }

    @Test
    void cronWorkflowRunsOnSchedule() throws Exception {
        String id = WorkerHarness.id("cron");
        EngineWorkflows.HelloWorkflow wf = h.stub(EngineWorkflows.HelloWorkflow.class,
                io.temporal.client.WorkflowOptions.newBuilder().setWorkflowId(id).setCronSchedule("@every 2s"));
        WorkflowExecution first = WorkflowClient.start(wf::run, "cron");
        var describe = io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build();
        java.util.Set<String> runs = new java.util.LinkedHashSet<>();
        long deadline = System.currentTimeMillis() + 20_000;
        while (runs.size() < 3 && System.currentTimeMillis() < deadline) {
            runs.add(h.service.blockingStub().describeWorkflowExecution(describe).getWorkflowExecutionInfo().getExecution().getRunId());
            Thread.sleep(200);
        }
        assertTrue(runs.size() >= 3, "three runs within 20 s: " + runs);
        h.client.newUntypedWorkflowStub(id).terminate("enough");

        List<HistoryEvent> firstRun = h.client.fetchHistory(id, first.getRunId()).getEvents();
        assertTrue(firstRun.get(0).getWorkflowExecutionStartedEventAttributes().getFirstWorkflowTaskBackoff().getSeconds() >= 1
                || firstRun.get(0).getWorkflowExecutionStartedEventAttributes().getFirstWorkflowTaskBackoff().getNanos() > 0,
                "the first run waits for its scheduled time");
        HistoryEvent close = firstRun.get(firstRun.size() - 1);
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, close.getEventType());
        String second = close.getWorkflowExecutionCompletedEventAttributes().getNewExecutionRunId();
        var secondStarted = h.client.fetchHistory(id, second).getEvents().get(0).getWorkflowExecutionStartedEventAttributes();
        assertEquals(io.temporal.api.enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, secondStarted.getInitiator());
        assertEquals("@every 2s", secondStarted.getCronSchedule());
        assertTrue(secondStarted.hasLastCompletionResult(), "the previous run's result is handed on");

        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> h.service.blockingStub()
                .startWorkflowExecution(io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest.newBuilder()
                        .setNamespace("default").setWorkflowId(WorkerHarness.id("badcron"))
                        .setWorkflowType(io.temporal.api.common.v1.WorkflowType.newBuilder().setName("HelloWorkflow"))
                        .setTaskQueue(io.temporal.api.taskqueue.v1.TaskQueue.newBuilder().setName(h.taskQueue))
                        .setCronSchedule("61 * * * *").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
    }

    @Test
    void terminationEndsTheRunAtOnce() {
        String id = WorkerHarness.id("terminate");
        WorkflowClient.start(h.stub(EngineWorkflows.SleepWorkflow.class, id)::sleep, 3_600_000L);
        WorkflowStub stub = h.client.newUntypedWorkflowStub(id);
        stub.terminate("no longer needed", "detail");
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> stub.getResult(30, TimeUnit.SECONDS, Long.class));
        TerminatedFailure t = assertInstanceOf(TerminatedFailure.class, e.getCause());
        assertTrue(t.getMessage().contains("no longer needed"), t.getMessage());
        assertThrows(io.temporal.client.WorkflowNotFoundException.class, () -> stub.terminate("again"));
    }
}
