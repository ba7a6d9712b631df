package io.kairos.e2e.engine;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.enums.v1.ResetReapplyExcludeType;
import io.temporal.api.enums.v1.ResetReapplyType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ResetWorkflowExecution against the SDK worker: the new run replays the copied prefix and carries on. */
class ResetTest {
    private static final String QUEUE = "reset-" + UUID.randomUUID();
    private static WorkerHarness h;
    private static WorkerFactory factory;

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("reset");
        factory = WorkerFactory.newInstance(h.client);
        Worker worker = factory.newWorker(QUEUE);
        worker.registerWorkflowImplementationTypes(ResetTestWorkflows.CollectorImpl.class, ResetTestWorkflows.PendingImpl.class);
        worker.registerActivitiesImplementations(new ResetTestWorkflows.StepsImpl());
        factory.start();
    }

    @AfterAll
    static void stop() {
        ResetTestWorkflows.GATES.values().forEach(java.util.concurrent.CountDownLatch::countDown);
        if (factory != null) {
            factory.shutdownNow();
            factory.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (h != null) {
            h.close();
        }
    }

    private static <T> T stub(Class<T> type, String id) {
        return h.client.newWorkflowStub(type, WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
    }

    private static List<HistoryEvent> history(String id, String runId) {
        return h.client.fetchHistory(id, runId).getEvents();
    }

    private static List<HistoryEvent> awaitHistory(String id, String runId, Predicate<List<HistoryEvent>> ready) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            List<HistoryEvent> events = history(id, runId);
            if (ready.test(events)) {
                return events;
            }
            assertTrue(System.nanoTime() < deadline, "history of " + id + " never got ready: " + types(events));
            Thread.sleep(50);
        }
    }

    /** Ready once the workflow task after the last event of {@code type} completed: the workflow waits again. */
    private static Predicate<List<HistoryEvent>> settledAfter(EventType type, int count) {
        return events -> {
            int seen = 0;
            for (HistoryEvent e : events) {
                if (e.getEventType() == type) {
                    seen++;
                }
                if (seen >= count && e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
                    return true;
                }
            }
            return false;
        };
    }

    private static List<EventType> types(List<HistoryEvent> events) {
        return events.stream().map(HistoryEvent::getEventType).toList();
    }

    private static ResetWorkflowExecutionRequest.Builder reset(String id, String runId, long finishEventId) {
        return ResetWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(id).setRunId(runId))
                .setWorkflowTaskFinishEventId(finishEventId).setReason("reset by test")
                .setRequestId(UUID.randomUUID().toString());
    }

    private static String resetRun(ResetWorkflowExecutionRequest.Builder req) {
        return h.service.blockingStub().resetWorkflowExecution(req.build()).getRunId();
    }

    private static DescribeWorkflowExecutionResponse describe(String id, String runId) {
        return h.service.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(id).setRunId(runId)).build());
    }

    private static String resultById(String id) throws java.util.concurrent.TimeoutException {
        return h.client.newUntypedWorkflowStub(id, Optional.empty(), Optional.empty()).getResult(30, TimeUnit.SECONDS, String.class);
    }

    private static long firstCompletedId(List<HistoryEvent> events, int nth) {
        return events.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
                .skip(nth - 1).findFirst().orElseThrow().getEventId();
    }

    @Test
    void resetToTheFirstWorkflowTaskReplaysFromThereAndReappliesLaterSignals() throws Exception {
        String id = WorkerHarness.id("reset-first");
        ResetTestWorkflows.Collector wf = stub(ResetTestWorkflows.Collector.class, id);
        WorkflowExecution old = WorkflowClient.start(wf::run, 2);
        awaitHistory(id, old.getRunId(), settledAfter(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 1));
        wf.add("a");
        List<HistoryEvent> before = awaitHistory(id, old.getRunId(), settledAfter(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 1));
        assertEquals(1, ResetTestWorkflows.executions(id, "one"));
        long finish = firstCompletedId(before, 1);
        assertEquals(4, finish);

        String newRun = resetRun(reset(id, old.getRunId(), finish));
        assertNotEquals(old.getRunId(), newRun);

        // The old run is terminated by the resetter; the workflow id now names the new run.
        DescribeWorkflowExecutionResponse oldRun = describe(id, old.getRunId());
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, oldRun.getWorkflowExecutionInfo().getStatus());
        HistoryEvent terminated = history(id, old.getRunId()).getLast();
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, terminated.getEventType());
        assertEquals("reset by test", terminated.getWorkflowExecutionTerminatedEventAttributes().getReason());
        assertEquals("history-resetter", terminated.getWorkflowExecutionTerminatedEventAttributes().getIdentity());
        assertEquals(newRun, describe(id, "").getWorkflowExecutionInfo().getExecution().getRunId());

        // Exact boundary: the copied prefix, WorkflowTaskFailed(RESET_WORKFLOW), the reapplied signal, a new task.
        List<HistoryEvent> after = history(id, newRun);
        assertEquals(before.subList(0, 3), after.subList(0, 3), "events 1-3 are copied unchanged");
        HistoryEvent failed = after.get(3);
        assertEquals(4, failed.getEventId());
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, failed.getEventType());
        var fa = failed.getWorkflowTaskFailedEventAttributes();
        assertEquals(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW, fa.getCause());
        assertEquals(old.getRunId(), fa.getBaseRunId());
        assertEquals(newRun, fa.getNewRunId());
        assertEquals(2, fa.getScheduledEventId());
        assertEquals(3, fa.getStartedEventId());
        assertEquals("history-service", fa.getIdentity());
        assertEquals("reset by test", fa.getFailure().getMessage());
        assertTrue(fa.getFailure().hasResetWorkflowFailureInfo());
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, after.get(4).getEventType());
        assertEquals("add", after.get(4).getWorkflowExecutionSignaledEventAttributes().getSignalName());
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, after.get(5).getEventType());
        assertEquals(6, after.get(5).getEventId());
        assertEquals(1, after.get(5).getWorkflowTaskScheduledEventAttributes().getAttempt());

        // The new run re-executes from the reset point (the activity runs again) and completes.
        wf.add("b");
        assertEquals("ONE|A,B", resultById(id));
        assertEquals(2, ResetTestWorkflows.executions(id, "one"));
        assertEquals(1, ResetTestWorkflows.executions(id, "a,b"));
        var info = describe(id, newRun).getWorkflowExecutionInfo();
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, info.getStatus());
        assertEquals(old.getRunId(), info.getFirstRunId(), "the chain's first run is kept");
        assertEquals(old.getRunId(), after.get(0).getWorkflowExecutionStartedEventAttributes().getOriginalExecutionRunId());
        // Auto-reset points: the first completion of the new run's worker, in the new run.
        var points = info.getAutoResetPoints().getPointsList();
        assertEquals(1, points.size());
        assertEquals(newRun, points.get(0).getRunId());
        assertTrue(points.get(0).getFirstWorkflowTaskCompletedId() > 6);
    }

    @Test
    void resetAfterAnActivityKeepsItsResultAndReapplyNoneDropsLaterSignals() throws Exception {
        String id = WorkerHarness.id("reset-none");
        ResetTestWorkflows.Collector wf = stub(ResetTestWorkflows.Collector.class, id);
        WorkflowExecution old = WorkflowClient.start(wf::run, 2);
        awaitHistory(id, old.getRunId(), settledAfter(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 1));
        wf.add("lost");
        List<HistoryEvent> before = awaitHistory(id, old.getRunId(), settledAfter(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 1));
        long finish = firstCompletedId(before, 2); // the task that saw the activity's result
        assertEquals(10, finish);

        String newRun = resetRun(reset(id, old.getRunId(), finish).setResetReapplyType(ResetReapplyType.RESET_REAPPLY_TYPE_NONE));
        List<HistoryEvent> after = history(id, newRun);
        assertEquals(before.subList(0, 9), after.subList(0, 9));
        assertEquals(List.of(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
                types(after.subList(9, 11)), "no signal reapplied");

        wf.add("x");
        wf.add("y");
        assertEquals("ONE|X,Y", resultById(id));
        assertEquals(1, ResetTestWorkflows.executions(id, "one"), "the completed activity is replayed, not re-run");

        // reset_reapply_exclude_types SIGNAL excludes them too, whatever the reapply type.
        String id2 = WorkerHarness.id("reset-exclude");
        ResetTestWorkflows.Collector wf2 = stub(ResetTestWorkflows.Collector.class, id2);
        WorkflowExecution old2 = WorkflowClient.start(wf2::run, 2);
        awaitHistory(id2, old2.getRunId(), settledAfter(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 1));
        wf2.add("early");
        awaitHistory(id2, old2.getRunId(), settledAfter(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 1));
        String run2 = resetRun(reset(id2, "", 4).setResetReapplyType(ResetReapplyType.RESET_REAPPLY_TYPE_ALL_ELIGIBLE)
                .addResetReapplyExcludeTypes(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL));
        wf2.add("late1"); // reaches the new run: it is current
        wf2.add("late2");
        assertEquals("ONE|LATE1,LATE2", resultById(id2));
        assertEquals(2, history(id2, run2).stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).count());
    }

    @Test
    void aCompletedWorkflowCanBeResetAndRunsAgain() throws Exception {
        String id = WorkerHarness.id("reset-completed");
        ResetTestWorkflows.Collector wf = stub(ResetTestWorkflows.Collector.class, id);
        WorkflowExecution old = WorkflowClient.start(wf::run, 1);
        awaitHistory(id, old.getRunId(), settledAfter(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 1));
        wf.add("z");
        assertEquals("ONE|Z", resultById(id));

        // To the first workflow task's Started event: the reset adds neither Started nor anything before it.
        String newRun = resetRun(reset(id, old.getRunId(), 3));
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
                describe(id, old.getRunId()).getWorkflowExecutionInfo().getStatus(), "a closed run stays as it was");
        List<HistoryEvent> after = history(id, newRun);
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, after.get(2).getEventType());
        assertEquals("history-service", after.get(2).getWorkflowTaskStartedEventAttributes().getIdentity());
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, after.get(3).getEventType());
        assertEquals(3, after.get(3).getWorkflowTaskFailedEventAttributes().getStartedEventId());
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, after.get(4).getEventType(), "the signal is reapplied");
        assertEquals("ONE|Z", resultById(id));
        assertEquals(2, ResetTestWorkflows.executions(id, "one"));
        assertEquals(newRun, describe(id, "").getWorkflowExecutionInfo().getExecution().getRunId());
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
                describe(id, newRun).getWorkflowExecutionInfo().getStatus());
    }

    @Test
    void pendingTimersAndActivitiesOfThePrefixAreRecreated() throws Exception {
        String id = WorkerHarness.id("reset-pending");
        ResetTestWorkflows.Pending wf = stub(ResetTestWorkflows.Pending.class, id);
        WorkflowExecution old = WorkflowClient.start(wf::run, 4000L);
        awaitHistory(id, old.getRunId(), e -> ResetTestWorkflows.executions(id, "gated") == 1);
        wf.poke();
        List<HistoryEvent> before = awaitHistory(id, old.getRunId(), settledAfter(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 1));
        assertEquals(List.of(EventType.EVENT_TYPE_TIMER_STARTED, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
                types(before.subList(4, 6)));
        long finish = firstCompletedId(before, 2);

        String newRun = resetRun(reset(id, old.getRunId(), finish));
        // The activity goes out again in the new run (its first attempt): a second execution.
        awaitHistory(id, newRun, e -> ResetTestWorkflows.executions(id, "gated") == 2);
        var pending = describe(id, newRun).getPendingActivitiesList();
        assertEquals(1, pending.size());
        assertEquals(1, pending.get(0).getAttempt());
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, pending.get(0).getState());
        ResetTestWorkflows.gate(id).countDown();
        // The timer fires at its original time, the activity completes: the new run finishes.
        assertEquals("gated|timer", resultById(id));
        List<HistoryEvent> after = history(id, newRun);
        assertEquals(1, after.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_TIMER_FIRED).count());
        assertEquals(1, after.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED).count());
        assertEquals(0, after.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_TIMER_STARTED && e.getEventId() > finish)
                .count(), "the timer is not started again");
    }

    @Test
    void invalidResetPointsAreRejected() throws Exception {
        String id = WorkerHarness.id("reset-invalid");
        ResetTestWorkflows.Collector wf = stub(ResetTestWorkflows.Collector.class, id);
        WorkflowExecution old = WorkflowClient.start(wf::run, 1);
        List<HistoryEvent> events = awaitHistory(id, old.getRunId(), settledAfter(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 1));
        long next = events.getLast().getEventId() + 1;
        for (long bad : new long[] {0, 1, next, next + 10}) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> resetRun(reset(id, old.getRunId(), bad)));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), "event " + bad);
            assertEquals("Workflow task finish ID must be > 1 && <= workflow last event ID.", e.getStatus().getDescription());
        }
        // Finish event 6 would copy up to ActivityTaskScheduled (5): no workflow task pending there.
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> resetRun(reset(id, old.getRunId(), 6)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("Can only reset workflow to event ID in range [WorkflowTaskScheduled +1, WorkflowTaskStarted + 1]: 6",
                e.getStatus().getDescription());
        // Temporal's frontend requires a request id.
        e = assertThrows(StatusRuntimeException.class, () -> resetRun(reset(id, old.getRunId(), 4).clearRequestId()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("RequestId is not set on request.", e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> resetRun(reset("", "", 4)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> resetRun(reset(WorkerHarness.id("never"), "", 4)));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        // Nothing happened to the workflow.
        assertEquals(old.getRunId(), describe(id, "").getWorkflowExecutionInfo().getExecution().getRunId());
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
                describe(id, "").getWorkflowExecutionInfo().getStatus());
        h.client.newUntypedWorkflowStub(id, Optional.empty(), Optional.empty()).terminate("done");
    }

    @Test
    void aRetriedResetRequestReturnsTheRunItCreated() throws Exception {
        String id = WorkerHarness.id("reset-dedup");
        ResetTestWorkflows.Collector wf = stub(ResetTestWorkflows.Collector.class, id);
        WorkflowExecution old = WorkflowClient.start(wf::run, 1);
        awaitHistory(id, old.getRunId(), settledAfter(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 1));
        ResetWorkflowExecutionRequest.Builder req = reset(id, old.getRunId(), 4).setRequestId("reset-request-1");
        String first = resetRun(req);
        String again = resetRun(req);
        assertEquals(first, again);
        assertEquals(first, describe(id, "").getWorkflowExecutionInfo().getExecution().getRunId());
        // Only one new run was created: the first run has one termination and the new run is running.
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, describe(id, first).getWorkflowExecutionInfo().getStatus());
        // Another request id resets again, from the first run (already closed), and replaces the current run.
        String second = resetRun(reset(id, old.getRunId(), 4).setRequestId("reset-request-2"));
        assertNotEquals(first, second);
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
                describe(id, first).getWorkflowExecutionInfo().getStatus());
        assertEquals(second, describe(id, "").getWorkflowExecutionInfo().getExecution().getRunId());
        wf.add("done");
        assertEquals("ONE|DONE", resultById(id));
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, describe(id, second).getWorkflowExecutionInfo().getStatus());
    }
}
