package io.kairos.history.engine.children;

import io.kairos.history.engine.EventApplier;
import io.kairos.proto.persistence.v1.ExecutionInfo;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.ChildWorkflowExecutionCompletedEventAttributes;
import io.temporal.api.history.v1.ChildWorkflowExecutionStartedEventAttributes;
import io.temporal.api.history.v1.ExternalWorkflowExecutionSignaledEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.SignalExternalWorkflowExecutionInitiatedEventAttributes;
import io.temporal.api.history.v1.StartChildWorkflowExecutionFailedEventAttributes;
import io.temporal.api.history.v1.StartChildWorkflowExecutionInitiatedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionCompletedEventAttributes;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Child and external-request events on mutable state, including the buffered Started event and forbidden moves. */
class ChildEventApplierTest {
    private static WorkflowMutableState.Builder running(String runId) {
        return WorkflowMutableState.newBuilder().setNextEventId(5).setExecution(ExecutionInfo.newBuilder()
                .setWorkflowId("parent").setRunId(runId).setState(ExecutionState.EXECUTION_STATE_RUNNING)
                .setStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING));
    }

    private static HistoryEvent initiated(long id) {
        return HistoryEvent.newBuilder().setEventId(id).setEventType(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)
                .setStartChildWorkflowExecutionInitiatedEventAttributes(StartChildWorkflowExecutionInitiatedEventAttributes.newBuilder()
                        .setNamespace("default").setNamespaceId("ns-id").setWorkflowId("child")
                        .setWorkflowType(WorkflowType.newBuilder().setName("Child"))
                        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)).build();
    }

    private static HistoryEvent started(long id, long initiatedId) {
        return HistoryEvent.newBuilder().setEventId(id).setEventType(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED)
                .setChildWorkflowExecutionStartedEventAttributes(ChildWorkflowExecutionStartedEventAttributes.newBuilder()
                        .setInitiatedEventId(initiatedId)
                        .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("child").setRunId("child-run"))).build();
    }

    private static HistoryEvent completed(long id, long initiatedId, long startedId) {
        return HistoryEvent.newBuilder().setEventId(id).setEventType(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED)
                .setChildWorkflowExecutionCompletedEventAttributes(ChildWorkflowExecutionCompletedEventAttributes.newBuilder()
                        .setInitiatedEventId(initiatedId).setStartedEventId(startedId)).build();
    }

    @Test
    void childGoesFromInitiatedThroughBufferedStartedToClosed() {
        WorkflowMutableState.Builder s = running("run-1");
        EventApplier.apply(s, initiated(5));
        var ci = s.getChildExecutionsOrThrow(5);
        assertEquals("child", ci.getWorkflowId());
        assertEquals("ns-id", ci.getNamespaceId());
        assertEquals(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON, ci.getParentClosePolicy());
        assertFalse(ci.getStarted());
        assertEquals(ChildEventApplier.requestId(running("run-1"), "child", 5), ci.getCreateRequestId(),
                "the same command always starts the child with the same request id");
        assertNotEquals(ChildEventApplier.requestId(running("run-2"), "child", 5), ci.getCreateRequestId());

        EventApplier.apply(s, started(0, 5)); // buffered while a workflow task runs
        assertTrue(s.getChildExecutionsOrThrow(5).getStarted());
        assertEquals(0, s.getChildExecutionsOrThrow(5).getStartedEventId());
        assertEquals("child-run", s.getChildExecutionsOrThrow(5).getStartedRunId());
        EventApplier.written(s, started(9, 5));
        assertEquals(9, s.getChildExecutionsOrThrow(5).getStartedEventId(), "learns its id when written");

        EventApplier.apply(s, completed(10, 5, 9));
        assertEquals(0, s.getChildExecutionsCount());
    }

    @Test
    void forbiddenChildMovesAreBugs() {
        WorkflowMutableState.Builder s = running("run-1");
        assertThrows(IllegalStateException.class, () -> EventApplier.apply(s, completed(6, 5, 0)), "unknown child");
        EventApplier.apply(s, initiated(5));
        assertThrows(IllegalStateException.class, () -> EventApplier.apply(s, completed(6, 5, 0)),
                "a child cannot close before it started");
        EventApplier.apply(s, started(6, 5));
        HistoryEvent startFailed = HistoryEvent.newBuilder().setEventId(7)
                .setEventType(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED)
                .setStartChildWorkflowExecutionFailedEventAttributes(StartChildWorkflowExecutionFailedEventAttributes.newBuilder()
                        .setInitiatedEventId(5)).build();
        assertThrows(IllegalStateException.class, () -> EventApplier.apply(s, startFailed), "a started child cannot fail to start");
    }

    @Test
    void externalSignalIsAnsweredOnceAndDiesWithTheRun() {
        WorkflowMutableState.Builder s = running("run-1");
        HistoryEvent signal = HistoryEvent.newBuilder().setEventId(5)
                .setEventType(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED)
                .setSignalExternalWorkflowExecutionInitiatedEventAttributes(SignalExternalWorkflowExecutionInitiatedEventAttributes.getDefaultInstance())
                .build();
        EventApplier.apply(s, signal);
        assertEquals(ChildEventApplier.requestId(s, "signal", 5), s.getPendingSignalsOrThrow(5).getRequestId());
        HistoryEvent signaled = HistoryEvent.newBuilder().setEventId(6)
                .setEventType(EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED)
                .setExternalWorkflowExecutionSignaledEventAttributes(ExternalWorkflowExecutionSignaledEventAttributes.newBuilder()
                        .setInitiatedEventId(5)).build();
        EventApplier.apply(s, signaled);
        assertEquals(0, s.getPendingSignalsCount());
        assertThrows(IllegalStateException.class, () -> EventApplier.apply(s, signaled), "answered twice");

        EventApplier.apply(s, signal.toBuilder().setEventId(7).build());
        EventApplier.apply(s, initiated(8));
        EventApplier.apply(s, HistoryEvent.newBuilder().setEventId(9).setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
                .setWorkflowExecutionCompletedEventAttributes(WorkflowExecutionCompletedEventAttributes.getDefaultInstance()).build());
        assertEquals(0, s.getPendingSignalsCount(), "an undelivered signal dies with the run");
        assertEquals(1, s.getChildExecutionsCount(), "open children stay for the parent close policy");
    }

    @Test
    void bufferedChildCloseIsPointedAtItsStartedEvent() {
        HistoryEvent.Builder b = completed(0, 5, 0).toBuilder();
        ChildWorkflows.pointAtStarted(b, Map.of(5L, 12L));
        assertEquals(12, b.getChildWorkflowExecutionCompletedEventAttributes().getStartedEventId());
        HistoryEvent.Builder other = completed(0, 7, 3).toBuilder();
        ChildWorkflows.pointAtStarted(other, Map.of(5L, 12L));
        assertEquals(3, other.getChildWorkflowExecutionCompletedEventAttributes().getStartedEventId(), "started earlier: unchanged");
    }
}
