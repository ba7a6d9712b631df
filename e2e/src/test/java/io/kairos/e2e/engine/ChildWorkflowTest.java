package io.kairos.e2e.engine;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.CancelExternalWorkflowExecutionFailedCause;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.SignalExternalWorkflowExecutionFailedCause;
import io.temporal.api.enums.v1.StartChildWorkflowExecutionFailedCause;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Child workflows, parent close policies, and workflows signalling and cancelling other workflows, through the SDK. */
class ChildWorkflowTest {
    private static WorkerHarness h;
    private static WorkerFactory factory;
    private static final String QUEUE = "children-" + UUID.randomUUID();

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("children");
        factory = WorkerFactory.newInstance(h.client);
        Worker worker = factory.newWorker(QUEUE);
        worker.registerWorkflowImplementationTypes(ChildTestWorkflows.ChildImpl.class, ChildTestWorkflows.ParentImpl.class,
                ChildTestWorkflows.SenderImpl.class, ChildTestWorkflows.LimitsImpl.class);
        factory.start();
    }

    @AfterAll
    static void stop() {
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

    private static List<HistoryEvent> history(String id) {
        return h.client.fetchHistory(id).getEvents();
    }

    private static List<HistoryEvent> withoutWorkflowTasks(List<HistoryEvent> events) {
        return events.stream().filter(e -> !e.getEventType().name().startsWith("EVENT_TYPE_WORKFLOW_TASK_")).toList();
    }

    private static HistoryEvent only(List<HistoryEvent> events, EventType type) {
        List<HistoryEvent> found = events.stream().filter(e -> e.getEventType() == type).toList();
        assertEquals(1, found.size(), type + " in " + events.stream().map(HistoryEvent::getEventType).toList());
        return found.get(0);
    }

    private static DescribeWorkflowExecutionResponse describe(String id) {
        return h.service.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build());
    }

    private static WorkflowExecutionStatus awaitClosed(String id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            WorkflowExecutionStatus s = describe(id).getWorkflowExecutionInfo().getStatus();
            if (s != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING || System.currentTimeMillis() > deadline) {
                return s;
            }
            Thread.sleep(100);
        }
    }

    @Test
    void childResultAndTemporalsEventSequence() {
        String parentId = WorkerHarness.id("parent");
        String childId = WorkerHarness.id("child");
        String result = stub(ChildTestWorkflows.Parent.class, parentId).run(childId, "hello:Kairos", "", true);
        assertEquals("Hello, Kairos, from a child of " + parentId, result);

        List<HistoryEvent> events = history(parentId);
        List<HistoryEvent> main = withoutWorkflowTasks(events);
        assertEquals(List.of(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
                EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
                EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
                EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
                EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED), main.stream().map(HistoryEvent::getEventType).toList());
        HistoryEvent initiated = main.get(1);
        HistoryEvent started = main.get(2);
        HistoryEvent completed = main.get(3);
        assertEquals(5, initiated.getEventId(), "after the first workflow task's Scheduled, Started, Completed");
        assertEquals(6, started.getEventId());
        var ia = initiated.getStartChildWorkflowExecutionInitiatedEventAttributes();
        assertEquals(4, ia.getWorkflowTaskCompletedEventId());
        assertEquals(childId, ia.getWorkflowId());
        assertEquals("Child", ia.getWorkflowType().getName());
        assertEquals("default", ia.getNamespace());
        assertTrue(!ia.getNamespaceId().isEmpty());
        assertEquals(QUEUE, ia.getTaskQueue().getName(), "the child runs on the parent's task queue by default");
        assertEquals(ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE, ia.getParentClosePolicy(), "Temporal's default policy");
        assertEquals(io.temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, ia.getWorkflowIdReusePolicy());
        assertEquals(10, ia.getWorkflowTaskTimeout().getSeconds());
        var sa = started.getChildWorkflowExecutionStartedEventAttributes();
        assertEquals(5, sa.getInitiatedEventId());
        assertEquals(childId, sa.getWorkflowExecution().getWorkflowId());
        assertEquals("Child", sa.getWorkflowType().getName());
        assertEquals(ia.getNamespaceId(), sa.getNamespaceId());
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, events.get(6).getEventType(),
                "recording the start gives the parent a workflow task");
        var ca = completed.getChildWorkflowExecutionCompletedEventAttributes();
        assertEquals(5, ca.getInitiatedEventId());
        assertEquals(6, ca.getStartedEventId());
        assertEquals(sa.getWorkflowExecution(), ca.getWorkflowExecution());
        assertEquals("Child", ca.getWorkflowType().getName());
        assertEquals("\"Hello, Kairos, from a child of " + parentId + "\"", ca.getResult().getPayloads(0).getData().toStringUtf8());

        // The child records its parent in its first event and its mutable state.
        HistoryEvent childStarted = h.client.fetchHistory(childId).getEvents().get(0);
        var csa = childStarted.getWorkflowExecutionStartedEventAttributes();
        String parentRunId = events.get(0).getWorkflowExecutionStartedEventAttributes().getOriginalExecutionRunId();
        assertEquals(parentId, csa.getParentWorkflowExecution().getWorkflowId());
        assertEquals(parentRunId, csa.getParentWorkflowExecution().getRunId());
        assertEquals(5, csa.getParentInitiatedEventId());
        assertEquals("default", csa.getParentWorkflowNamespace());
        assertEquals(ia.getNamespaceId(), csa.getParentWorkflowNamespaceId());
        assertEquals(parentId, csa.getRootWorkflowExecution().getWorkflowId(), "the parent is the root");
        var childInfo = describe(childId).getWorkflowExecutionInfo();
        assertEquals(parentId, childInfo.getParentExecution().getWorkflowId());
        assertEquals(parentRunId, childInfo.getParentExecution().getRunId());
        assertEquals(ia.getNamespaceId(), childInfo.getParentNamespaceId());
        assertEquals(parentRunId, childInfo.getRootExecution().getRunId());
        assertEquals(0, describe(parentId).getPendingChildrenCount(), "a closed child is no longer pending");
    }

    @Test
    void childFailureReachesTheParentAsChildWorkflowFailure() {
        String parentId = WorkerHarness.id("parent-of-failing");
        String childId = WorkerHarness.id("failing-child");
        WorkflowFailedException e = assertThrows(WorkflowFailedException.class,
                () -> stub(ChildTestWorkflows.Parent.class, parentId).run(childId, "fail", "", true));
        ChildWorkflowFailure child = assertInstanceOf(ChildWorkflowFailure.class, e.getCause());
        assertEquals(childId, child.getExecution().getWorkflowId());
        assertEquals("Child", child.getWorkflowType());
        ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, child.getCause());
        assertEquals("ChildBoom", cause.getType());
        assertEquals("the child failed", cause.getOriginalMessage());
        var failed = only(history(parentId), EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED)
                .getChildWorkflowExecutionFailedEventAttributes();
        assertEquals("ChildBoom", failed.getFailure().getApplicationFailureInfo().getType());
        assertEquals(io.temporal.api.enums.v1.RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET, failed.getRetryState());
    }

    @Test
    void childIdConflictFailsTheStartInTheParent() {
        String childId = WorkerHarness.id("taken");
        WorkflowClient.start(stub(ChildTestWorkflows.Child.class, childId)::run, "wait");
        String parentId = WorkerHarness.id("parent-conflict");
        assertEquals("not started: WorkflowExecutionAlreadyStarted",
                stub(ChildTestWorkflows.Parent.class, parentId).run(childId, "wait", "", true));
        var failed = only(history(parentId), EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED)
                .getStartChildWorkflowExecutionFailedEventAttributes();
        assertEquals(StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS,
                failed.getCause());
        assertEquals(childId, failed.getWorkflowId());
        assertEquals(5, failed.getInitiatedEventId());
        assertEquals(4, failed.getWorkflowTaskCompletedEventId());
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, describe(childId).getWorkflowExecutionInfo().getStatus(),
                "the running workflow is untouched");
        h.client.newUntypedWorkflowStub(childId).terminate("done");
    }

    @Test
    void parentClosePolicyTerminate() throws Exception {
        String childId = WorkerHarness.id("terminated-child");
        String childRunId = stub(ChildTestWorkflows.Parent.class, WorkerHarness.id("parent-terminate")).run(childId, "wait", "TERMINATE", false);
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, awaitClosed(childId));
        List<HistoryEvent> events = h.client.fetchHistory(childId, childRunId).getEvents();
        var terminated = events.get(events.size() - 1).getWorkflowExecutionTerminatedEventAttributes();
        assertEquals("by parent close policy", terminated.getReason());
        assertEquals("history-service", terminated.getIdentity());
    }

    @Test
    void parentClosePolicyRequestCancel() throws Exception {
        String parentId = WorkerHarness.id("parent-cancel");
        String childId = WorkerHarness.id("canceled-child");
        stub(ChildTestWorkflows.Parent.class, parentId).run(childId, "wait", "REQUEST_CANCEL", false);
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED, awaitClosed(childId));
        var requested = only(history(childId), EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                .getWorkflowExecutionCancelRequestedEventAttributes();
        assertEquals(parentId, requested.getExternalWorkflowExecution().getWorkflowId());
        assertEquals("history-service", requested.getIdentity());
    }

    @Test
    void parentClosePolicyAbandonLeavesTheChildRunning() throws Exception {
        String parentId = WorkerHarness.id("parent-abandon");
        String childId = WorkerHarness.id("abandoned-child");
        String childRunId = stub(ChildTestWorkflows.Parent.class, parentId).run(childId, "wait", "ABANDON", false);
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, describe(parentId).getWorkflowExecutionInfo().getStatus());
        Thread.sleep(1500); // time for the parent's close task to have run
        DescribeWorkflowExecutionResponse child = describe(childId);
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, child.getWorkflowExecutionInfo().getStatus());
        assertEquals(childRunId, child.getWorkflowExecutionInfo().getExecution().getRunId());
        var pending = describe(parentId).getPendingChildrenList();
        assertEquals(1, pending.size(), "Temporal keeps the closed parent's open children in its mutable state");
        assertEquals(childId, pending.get(0).getWorkflowId());
        assertEquals(childRunId, pending.get(0).getRunId());
        assertEquals("Child", pending.get(0).getWorkflowTypeName());
        assertEquals(5, pending.get(0).getInitiatedId());
        assertEquals(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON, pending.get(0).getParentClosePolicy());
        h.client.newWorkflowStub(ChildTestWorkflows.Child.class, childId).finish();
        assertEquals("finished", h.client.newUntypedWorkflowStub(childId).getResult(30, TimeUnit.SECONDS, String.class));
    }

    @Test
    void workflowSignalsAnotherWorkflow() throws Exception {
        String targetId = WorkerHarness.id("signal-target");
        WorkflowClient.start(stub(ChildTestWorkflows.Child.class, targetId)::run, "wait");
        String senderId = WorkerHarness.id("sender");
        assertEquals("signaled", stub(ChildTestWorkflows.Sender.class, senderId).run("signal", targetId));
        assertEquals("finished", h.client.newUntypedWorkflowStub(targetId).getResult(30, TimeUnit.SECONDS, String.class));

        List<HistoryEvent> sender = history(senderId);
        HistoryEvent initiated = only(sender, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
        var ia = initiated.getSignalExternalWorkflowExecutionInitiatedEventAttributes();
        assertEquals("finish", ia.getSignalName());
        assertEquals(targetId, ia.getWorkflowExecution().getWorkflowId());
        assertEquals("", ia.getNamespace(), "the SDK names no namespace; Temporal writes the command's value as is");
        assertTrue(!ia.getNamespaceId().isEmpty(), "the resolved target namespace");
        var signaled = only(sender, EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED)
                .getExternalWorkflowExecutionSignaledEventAttributes();
        assertEquals(initiated.getEventId(), signaled.getInitiatedEventId());
        assertEquals(targetId, signaled.getWorkflowExecution().getWorkflowId());

        var received = only(history(targetId), EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
                .getWorkflowExecutionSignaledEventAttributes();
        assertEquals("finish", received.getSignalName());
        assertEquals("history-service", received.getIdentity());
        assertEquals(senderId, received.getExternalWorkflowExecution().getWorkflowId());
    }

    @Test
    void signallingAMissingWorkflowFailsInTheSender() {
        String senderId = WorkerHarness.id("sender-missing");
        assertEquals("failed: SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND",
                stub(ChildTestWorkflows.Sender.class, senderId).run("signal", WorkerHarness.id("nobody")));
        var failed = only(history(senderId), EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)
                .getSignalExternalWorkflowExecutionFailedEventAttributes();
        assertEquals(SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
                failed.getCause());
        assertEquals(5, failed.getInitiatedEventId());
    }

    @Test
    void workflowCancelsAnotherWorkflow() throws Exception {
        String targetId = WorkerHarness.id("cancel-target");
        WorkflowClient.start(stub(ChildTestWorkflows.Child.class, targetId)::run, "wait");
        String senderId = WorkerHarness.id("canceller");
        assertEquals("cancel requested", stub(ChildTestWorkflows.Sender.class, senderId).run("cancel", targetId));
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED, awaitClosed(targetId));

        List<HistoryEvent> sender = history(senderId);
        HistoryEvent initiated = only(sender, EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
        assertEquals(targetId, initiated.getRequestCancelExternalWorkflowExecutionInitiatedEventAttributes()
                .getWorkflowExecution().getWorkflowId());
        var requested = only(sender, EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                .getExternalWorkflowExecutionCancelRequestedEventAttributes();
        assertEquals(initiated.getEventId(), requested.getInitiatedEventId());
        var received = only(history(targetId), EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                .getWorkflowExecutionCancelRequestedEventAttributes();
        assertEquals(initiated.getEventId(), received.getExternalInitiatedEventId());
        assertEquals(senderId, received.getExternalWorkflowExecution().getWorkflowId());

        // As in Temporal, canceling a closed workflow counts as done; a workflow that does not exist fails the request.
        String lateId = WorkerHarness.id("canceller-late");
        assertEquals("cancel requested", stub(ChildTestWorkflows.Sender.class, lateId).run("cancel", targetId));
        only(history(lateId), EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED);
        assertEquals(1, history(targetId).stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED).count());
        String missingId = WorkerHarness.id("canceller-missing");
        assertEquals("failed: CancelExternalWorkflowException",
                stub(ChildTestWorkflows.Sender.class, missingId).run("cancel", WorkerHarness.id("nobody")));
        assertEquals(CancelExternalWorkflowExecutionFailedCause.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
                only(history(missingId), EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)
                        .getRequestCancelExternalWorkflowExecutionFailedEventAttributes().getCause());
    }

    @Test
    void childContinuingAsNewReportsFromItsLastRun() {
        String parentId = WorkerHarness.id("parent-can");
        String childId = WorkerHarness.id("child-can");
        assertEquals("continued, child of " + parentId,
                stub(ChildTestWorkflows.Parent.class, parentId).run(childId, "again:2", "", true));
        List<HistoryEvent> parent = history(parentId);
        var started = only(parent, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED).getChildWorkflowExecutionStartedEventAttributes();
        var completed = only(parent, EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED).getChildWorkflowExecutionCompletedEventAttributes();
        String lastRun = describe(childId).getWorkflowExecutionInfo().getExecution().getRunId();
        assertEquals(lastRun, completed.getWorkflowExecution().getRunId(), "the run that closed");
        assertEquals(describe(childId).getWorkflowExecutionInfo().getFirstRunId(), started.getWorkflowExecution().getRunId(),
                "the chain's first run");
        assertTrue(!lastRun.equals(started.getWorkflowExecution().getRunId()));
        var lastStarted = h.client.fetchHistory(childId).getEvents().get(0).getWorkflowExecutionStartedEventAttributes();
        assertEquals(parentId, lastStarted.getParentWorkflowExecution().getWorkflowId(), "later runs keep the parent");
        assertEquals(started.getInitiatedEventId(), lastStarted.getParentInitiatedEventId());
    }

    @Test
    void pendingLimitsFailTheWorkflowTaskWithTemporalsCauses() throws Exception {
        assertLimit("child", io.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_PENDING_CHILD_WORKFLOWS_LIMIT_EXCEEDED,
                "the number of pending child workflow executions, 2000, has reached the per-workflow limit of 2000");
        assertLimit("signal", io.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_PENDING_SIGNALS_LIMIT_EXCEEDED,
                "the number of pending signals to external workflows, 2000, has reached the per-workflow limit of 2000");
        assertLimit("cancel", io.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_PENDING_REQUEST_CANCEL_LIMIT_EXCEEDED,
                "the number of pending requests to cancel external workflows, 2000, has reached the per-workflow limit of 2000");
    }

    private static void assertLimit(String kind, io.temporal.api.enums.v1.WorkflowTaskFailedCause cause, String message)
            throws InterruptedException {
        String id = WorkerHarness.id("limits-" + kind);
        WorkflowClient.start(stub(ChildTestWorkflows.Limits.class, id)::run, kind, 2001);
        long deadline = System.currentTimeMillis() + 60_000;
        HistoryEvent failed = null;
        while (failed == null && System.currentTimeMillis() < deadline) {
            failed = history(id).stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).findFirst().orElse(null);
            Thread.sleep(200);
        }
        assertTrue(failed != null, "the workflow task with 2001 " + kind + " commands failed");
        assertEquals(cause, failed.getWorkflowTaskFailedEventAttributes().getCause());
        assertEquals(message, failed.getWorkflowTaskFailedEventAttributes().getFailure().getMessage());
        List<HistoryEvent> events = history(id);
        assertTrue(events.stream().noneMatch(e -> e.getEventType().name().endsWith("_INITIATED")), "nothing of the task was kept");
        h.client.newUntypedWorkflowStub(id).terminate("limit checked");
    }
}
