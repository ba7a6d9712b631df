package io.kairos.history.lifecycle;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every pair of states of every lifecycle: allowed exactly when listed, and move() refuses the rest. */
class LifecycleTablesTest {

    private static <S extends Enum<S>> void assertTable(TransitionTable<S> table, Class<S> type, Set<String> allowed) {
        for (S from : EnumSet.allOf(type)) {
            for (S to : EnumSet.allOf(type)) {
                boolean expected = allowed.contains(from + "->" + to);
                assertEquals(expected, table.allows(from, to), from + " -> " + to);
                if (expected) {
                    assertEquals(to, table.move(from, to));
                } else {
                    assertThrows(IllegalStateException.class, () -> table.move(from, to), from + " -> " + to);
                }
            }
        }
    }

    @Test
    void activity() {
        assertTable(ActivityLifecycle.TABLE, ActivityLifecycle.State.class, Set.of(
                "SCHEDULED->STARTED", "SCHEDULED->CLOSED", "SCHEDULED->BACKOFF", "SCHEDULED->PAUSED",
                "STARTED->BACKOFF", "STARTED->CLOSED", "STARTED->PAUSE_REQUESTED",
                "BACKOFF->SCHEDULED", "BACKOFF->CLOSED", "BACKOFF->PAUSED",
                // unpaused or reset: dispatched now, or after a jitter; or canceled by the workflow
                "PAUSED->SCHEDULED", "PAUSED->BACKOFF", "PAUSED->CLOSED",
                // the running attempt goes on: unpaused, failed (the retry waits paused) or closed
                "PAUSE_REQUESTED->STARTED", "PAUSE_REQUESTED->PAUSED", "PAUSE_REQUESTED->CLOSED"));
    }

    @Test
    void activityStateFollowsThePauseFlags() {
        var ai = io.kairos.proto.persistence.v1.ActivityInfo.newBuilder();
        assertEquals(ActivityLifecycle.State.SCHEDULED, ActivityLifecycle.of(ai.build()));
        assertEquals(ActivityLifecycle.State.BACKOFF, ActivityLifecycle.of(ai.setRetryPending(true).build()));
        assertEquals(ActivityLifecycle.State.STARTED, ActivityLifecycle.of(ai.setRetryPending(false).setStarted(true).build()));
        assertEquals(ActivityLifecycle.State.PAUSE_REQUESTED, ActivityLifecycle.of(ai.setPaused(true).build()));
        assertEquals(ActivityLifecycle.State.PAUSED, ActivityLifecycle.of(ai.setStarted(false).build()));
        // Staying in a state is not a move; a move the table does not list is refused.
        ActivityLifecycle.moved(ActivityLifecycle.State.PAUSED, ai.build());
        assertThrows(IllegalStateException.class,
                () -> ActivityLifecycle.moved(ActivityLifecycle.State.STARTED, ai.setPaused(false).setStarted(false).build()));
    }

    @Test
    void workflowTask() {
        assertTable(WorkflowTaskLifecycle.TABLE, WorkflowTaskLifecycle.State.class, Set.of(
                "NONE->SCHEDULED", "SCHEDULED->STARTED", "SCHEDULED->NONE", "STARTED->NONE", "STARTED->SCHEDULED"));
    }

    @Test
    void timer() {
        assertTable(TimerLifecycle.TABLE, TimerLifecycle.State.class, Set.of("STARTED->FIRED", "STARTED->CANCELED"));
    }

    @Test
    void childWorkflow() {
        assertTable(ChildWorkflowLifecycle.TABLE, ChildWorkflowLifecycle.State.class, Set.of(
                "INITIATED->STARTED", "INITIATED->START_FAILED", "STARTED->CLOSED"));
    }

    @Test
    void externalSignal() {
        assertTable(ExternalRequestLifecycle.SIGNAL, ExternalRequestLifecycle.State.class, Set.of(
                "INITIATED->DELIVERED", "INITIATED->FAILED"));
    }

    @Test
    void externalCancelRequest() {
        assertTable(ExternalRequestLifecycle.CANCEL, ExternalRequestLifecycle.State.class, Set.of(
                "INITIATED->DELIVERED", "INITIATED->FAILED"));
    }

    @Test
    void nexusOperation() {
        assertTable(NexusOperationLifecycle.TABLE, NexusOperationLifecycle.State.class, Set.of(
                "SCHEDULED->BACKING_OFF", "SCHEDULED->STARTED", "SCHEDULED->SUCCEEDED", "SCHEDULED->FAILED",
                "SCHEDULED->CANCELED", "SCHEDULED->TIMED_OUT",
                "BACKING_OFF->SCHEDULED", "BACKING_OFF->STARTED", "BACKING_OFF->SUCCEEDED", "BACKING_OFF->FAILED",
                "BACKING_OFF->CANCELED", "BACKING_OFF->TIMED_OUT",
                "STARTED->SUCCEEDED", "STARTED->FAILED", "STARTED->CANCELED", "STARTED->TIMED_OUT"));
    }

    @Test
    void nexusCancellation() {
        String p = "NEXUS_OPERATION_CANCELLATION_STATE_";
        assertTable(NexusOperationLifecycle.CANCEL, io.temporal.api.enums.v1.NexusOperationCancellationState.class, Set.of(
                p + "UNSPECIFIED->" + p + "SCHEDULED",
                p + "SCHEDULED->" + p + "BACKING_OFF", p + "SCHEDULED->" + p + "SUCCEEDED", p + "SCHEDULED->" + p + "FAILED",
                p + "BACKING_OFF->" + p + "SCHEDULED"));
    }

    @Test
    void completionCallback() {
        String p = "CALLBACK_STATE_";
        assertTable(NexusOperationLifecycle.CALLBACK, io.temporal.api.enums.v1.CallbackState.class, Set.of(
                p + "STANDBY->" + p + "SCHEDULED",
                p + "SCHEDULED->" + p + "BACKING_OFF", p + "SCHEDULED->" + p + "SUCCEEDED", p + "SCHEDULED->" + p + "FAILED",
                p + "BACKING_OFF->" + p + "SCHEDULED"));
    }

    @Test
    void update() {
        assertTable(UpdateLifecycle.TABLE, UpdateLifecycle.State.class, Set.of(
                "ADMITTED->SENT", "ADMITTED->ACCEPTED", "ADMITTED->REJECTED", "ADMITTED->ABORTED",
                "SENT->ACCEPTED", "SENT->REJECTED", "SENT->ABORTED",
                "ACCEPTED->COMPLETED", "ACCEPTED->ABORTED"));
    }

    @Test
    void workflow() {
        String running = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING.name();
        Set<String> allowed = new java.util.HashSet<>();
        for (WorkflowExecutionStatus s : Set.of(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
                WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
                WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
                WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW)) {
            allowed.add(running + "->" + s.name());
        }
        for (WorkflowExecutionStatus from : WorkflowExecutionStatus.values()) {
            if (from == WorkflowExecutionStatus.UNRECOGNIZED) {
                continue;
            }
            for (WorkflowExecutionStatus to : WorkflowExecutionStatus.values()) {
                if (to == WorkflowExecutionStatus.UNRECOGNIZED) {
                    continue;
                }
                assertEquals(allowed.contains(from.name() + "->" + to.name()), WorkflowLifecycle.TABLE.allows(from, to),
                        from + " -> " + to);
            }
        }
    }

    @Test
    void standaloneNexusOperation() {
        var running = io.temporal.api.enums.v1.NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_RUNNING;
        Set<String> allowed = new java.util.HashSet<>();
        for (String closed : java.util.List.of("COMPLETED", "FAILED", "CANCELED", "TERMINATED", "TIMED_OUT")) {
            allowed.add(running.name() + "->NEXUS_OPERATION_EXECUTION_STATUS_" + closed);
        }
        for (var from : io.temporal.api.enums.v1.NexusOperationExecutionStatus.values()) {
            for (var to : io.temporal.api.enums.v1.NexusOperationExecutionStatus.values()) {
                if (from == io.temporal.api.enums.v1.NexusOperationExecutionStatus.UNRECOGNIZED
                        || to == io.temporal.api.enums.v1.NexusOperationExecutionStatus.UNRECOGNIZED) {
                    continue;
                }
                assertEquals(allowed.contains(from.name() + "->" + to.name()),
                        StandaloneNexusOperationLifecycle.TABLE.allows(from, to), from + " -> " + to);
            }
        }
    }

    @Test
    void standaloneActivity() {
        var running = io.temporal.api.enums.v1.ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_RUNNING;
        Set<String> allowed = new java.util.HashSet<>();
        for (String closed : java.util.List.of("COMPLETED", "FAILED", "CANCELED", "TERMINATED", "TIMED_OUT")) {
            allowed.add(running.name() + "->ACTIVITY_EXECUTION_STATUS_" + closed);
        }
        for (var from : io.temporal.api.enums.v1.ActivityExecutionStatus.values()) {
            for (var to : io.temporal.api.enums.v1.ActivityExecutionStatus.values()) {
                if (from == io.temporal.api.enums.v1.ActivityExecutionStatus.UNRECOGNIZED
                        || to == io.temporal.api.enums.v1.ActivityExecutionStatus.UNRECOGNIZED) {
                    continue;
                }
                assertEquals(allowed.contains(from.name() + "->" + to.name()),
                        StandaloneActivityLifecycle.TABLE.allows(from, to), from + " -> " + to);
            }
        }
    }
}
