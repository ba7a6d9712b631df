package io.kairos.history.engine.reset;

import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.workflow.ExternalRequests;
import io.kairos.history.engine.workflow.StartWorkflow;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.shard.ShardContext;
import io.kairos.history.testing.FakeExecutionStore;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.common.v1.WorkerVersionStamp;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.ResetReapplyExcludeType;
import io.temporal.api.enums.v1.ResetReapplyType;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.TimerStartedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionSignaledEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskCompletedEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskStartedEventAttributes;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rebuilding a run's mutable state from its history (what a reset does with the copied prefix). */
class ResetWorkflowTest {
    private final ShardContext shard = new ShardContext(new ShardId(1), 3, null, new io.kairos.history.shard.GroupCommitter(new FakeExecutionStore()));
    private final WorkflowKey key = new WorkflowKey(NamespaceId.parse(UUID.randomUUID().toString()), "wf",
            UUID.randomUUID());
    private Instant now = Instant.parse("2025-01-01T00:00:00Z");

    /** A run driven as live processing drives it: start, a task with a buffered signal, commands, another task. */
    private List<Mutation> live() {
        List<Mutation> steps = new ArrayList<>();
        Mutation m = StartWorkflow.newRun(key, shard, now, "create-1", WorkflowExecutionStartedEventAttributes.newBuilder()
                .setWorkflowType(WorkflowType.newBuilder().setName("T"))
                .setTaskQueue(TaskQueue.newBuilder().setName("q"))
                .setFirstExecutionRunId(key.runId().toString()), null, null);
        steps.add(m);
        m = next(m);
        started(m);
        steps.add(m);
        m = next(m);
        // A signal while the task runs is buffered, then written after the completion and its commands.
        m.addEvent(signal("early"));
        assertEquals(1, m.state().getBufferedEventsCount());
        steps.add(m);
        m = next(m);
        complete(m, "checksum-1");
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .setActivityTaskScheduledEventAttributes(ActivityTaskScheduledEventAttributes.newBuilder()
                        .setActivityId("a1").setActivityType(ActivityType.newBuilder().setName("A"))
                        .setTaskQueue(TaskQueue.newBuilder().setName("q"))));
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_TIMER_STARTED)
                .setTimerStartedEventAttributes(TimerStartedEventAttributes.newBuilder().setTimerId("t1")
                        .setStartToFireTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(30))));
        m.completingWorkflowTask(false);
        m.flushBufferedEvents();
        m.scheduleWorkflowTask(1);
        steps.add(m);
        m = next(m);
        started(m);
        steps.add(m);
        m = next(m);
        complete(m, "checksum-1");
        m.completingWorkflowTask(false);
        steps.add(m);
        return steps;
    }

    private Mutation next(Mutation m) {
        now = now.plusSeconds(1);
        return new Mutation(key, shard, m.state().build().toBuilder(), now);
    }

    private static void started(Mutation m) {
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
                .setWorkflowTaskStartedEventAttributes(WorkflowTaskStartedEventAttributes.newBuilder()
                        .setScheduledEventId(m.state().getWorkflowTask().getScheduledEventId()).setIdentity("worker")
                        .setRequestId("poll-1")));
    }

    private static void complete(Mutation m, String checksum) {
        var wt = m.state().getWorkflowTask();
        m.completingWorkflowTask(true);
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
                .setWorkflowTaskCompletedEventAttributes(WorkflowTaskCompletedEventAttributes.newBuilder()
                        .setScheduledEventId(wt.getScheduledEventId()).setStartedEventId(wt.getStartedEventId())
                        .setBinaryChecksum(checksum)
                        .setWorkerVersion(WorkerVersionStamp.newBuilder().setBuildId("b1"))));
    }

    private static HistoryEvent.Builder signal(String name) {
        return HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
                .setWorkflowExecutionSignaledEventAttributes(WorkflowExecutionSignaledEventAttributes.newBuilder()
                        .setSignalName(name));
    }

    private static List<HistoryEvent> events(List<Mutation> steps) {
        List<HistoryEvent> out = new ArrayList<>();
        steps.forEach(s -> out.addAll(s.events()));
        return out;
    }

    @Test
    void replayingTheWholeHistoryGivesTheStateLiveProcessingBuilt() {
        List<Mutation> steps = live();
        WorkflowMutableState liveState = steps.get(steps.size() - 1).state().build();
        List<HistoryEvent> history = events(steps);
        assertEquals(10, history.size());
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, history.get(6).getEventType());
        assertEquals(7, history.get(6).getEventId(), "the buffered signal got its id when written");

        WorkflowMutableState replayed = ResetWorkflow.rebuild(key, "create-1", history).build();
        assertEquals(liveState, replayed);
        assertEquals(11, replayed.getNextEventId());
        assertEquals(1, replayed.getExecution().getSignalCount());
        assertEquals(1, replayed.getActivitiesCount());
        assertTrue(replayed.containsTimers("t1"));
        assertEquals(9, replayed.getExecution().getLastCompletedWorkflowTaskStartedEventId());
        assertFalse(replayed.hasWorkflowTask());
    }

    @Test
    void replayingAPrefixStopsWithItsWorkflowTaskPending() {
        List<Mutation> steps = live();
        List<HistoryEvent> history = events(steps);
        // Up to the second task's Started event (id 9): what a reset to its completion (10) copies.
        WorkflowMutableState prefix = ResetWorkflow.rebuild(key, "reset-1", history.subList(0, 9)).build();
        assertEquals(10, prefix.getNextEventId());
        assertEquals(8, prefix.getWorkflowTask().getScheduledEventId());
        assertEquals(9, prefix.getWorkflowTask().getStartedEventId());
        assertEquals(1, prefix.getActivitiesCount());
        assertEquals("reset-1", prefix.getExecution().getCreateRequestId());
        // Up to a completion (id 4): no task pending, which the reset refuses.
        assertFalse(ResetWorkflow.rebuild(key, "reset-2", history.subList(0, 4)).hasWorkflowTask());
        // A gap is an error, not a silently wrong state.
        List<HistoryEvent> gap = new ArrayList<>(history.subList(0, 3));
        gap.add(history.get(4));
        assertThrows(IllegalStateException.class, () -> ResetWorkflow.rebuild(key, "x", gap));
    }

    @Test
    void autoResetPointsRecordTheFirstCompletionPerChecksumAndBuildId() {
        List<Mutation> steps = live();
        var points = steps.get(steps.size() - 1).state().getExecution().getAutoResetPoints().getPointsList();
        assertEquals(1, points.size(), "the second completion with the same checksum adds none");
        assertEquals(4, points.get(0).getFirstWorkflowTaskCompletedId());
        assertEquals("checksum-1", points.get(0).getBinaryChecksum());
        assertEquals("b1", points.get(0).getBuildId());
        assertEquals(key.runId().toString(), points.get(0).getRunId());
        assertTrue(points.get(0).getResettable());

        WorkflowMutableState.Builder s = ResetWorkflow.rebuild(key, "c", events(steps));
        for (int i = 0; i < 25; i++) {
            HistoryEvent e = HistoryEvent.newBuilder().setEventId(100 + i)
                    .setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
                    .setWorkflowTaskCompletedEventAttributes(WorkflowTaskCompletedEventAttributes.newBuilder()
                            .setBinaryChecksum("c" + i)).build();
            ResetWorkflow.addAutoResetPoint(s, e);
        }
        var kept = s.getExecution().getAutoResetPoints().getPointsList();
        assertEquals(ResetWorkflow.MAX_AUTO_RESET_POINTS, kept.size());
        assertEquals("c24", kept.get(kept.size() - 1).getBinaryChecksum());
        assertEquals("c5", kept.get(0).getBinaryChecksum(), "the oldest are dropped");
    }

    @Test
    void reapplyTypesMapToExcludedEventTypesAsInTemporal() {
        var none = ResetWorkflowExecutionRequest.newBuilder().setResetReapplyType(ResetReapplyType.RESET_REAPPLY_TYPE_NONE).build();
        assertEquals(EnumSet.of(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL,
                ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE), ResetWorkflow.excluded(none));
        var signal = ResetWorkflowExecutionRequest.newBuilder().setResetReapplyType(ResetReapplyType.RESET_REAPPLY_TYPE_SIGNAL).build();
        assertEquals(Set.of(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE), ResetWorkflow.excluded(signal));
        var all = ResetWorkflowExecutionRequest.newBuilder().setResetReapplyType(ResetReapplyType.RESET_REAPPLY_TYPE_ALL_ELIGIBLE)
                .addResetReapplyExcludeTypes(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL).build();
        assertEquals(Set.of(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL), ResetWorkflow.excluded(all));
        assertEquals(Set.of(), ResetWorkflow.excluded(ResetWorkflowExecutionRequest.getDefaultInstance()));
    }

    @Test
    void signalsStopAtThePerRunLimit() {
        WorkflowMutableState.Builder s = ResetWorkflow.rebuild(key, "c", events(live()));
        assertEquals(1, s.getExecution().getSignalCount());
        ExternalRequests.requireSignalCapacity(s, 2);
        ExternalRequests.requireSignalCapacity(s, 0); // 0: no limit
        s.getExecutionBuilder().setSignalCount(ExternalRequests.DEFAULT_MAX_SIGNALS_PER_EXECUTION - 1);
        ExternalRequests.requireSignalCapacity(s, ExternalRequests.DEFAULT_MAX_SIGNALS_PER_EXECUTION);
        s.getExecutionBuilder().setSignalCount(ExternalRequests.DEFAULT_MAX_SIGNALS_PER_EXECUTION);
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> ExternalRequests.requireSignalCapacity(s, ExternalRequests.DEFAULT_MAX_SIGNALS_PER_EXECUTION));
        assertEquals("exceeded workflow execution limit for signal events", e.getMessage());
    }
}
