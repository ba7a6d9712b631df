package io.kairos.history.engine.activities;

import io.kairos.history.engine.HistoryReads;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.Times;
import io.kairos.history.engine.workflow.StartWorkflow;
import com.google.protobuf.Duration;
import io.kairos.common.errors.FailedPreconditionException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.lifecycle.ActivityLifecycle;
import io.kairos.history.shard.ShardContext;
import io.kairos.history.testing.FakeExecutionStore;
import io.kairos.persistence.execution.QueueTask;
import io.kairos.persistence.execution.WorkflowWrite;
import io.kairos.proto.persistence.v1.ActivityInfo;
import io.kairos.proto.persistence.v1.ActivityPauseInfo;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.temporal.api.activity.v1.ActivityOptions;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.RetryPolicy;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.failure.v1.ApplicationFailureInfo;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowExecutionCompletedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes;
import io.temporal.api.taskqueue.v1.TaskQueue;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pause, unpause, reset and new options on one run's activities, checked on the state, the queue tasks and the
 * search attribute each mutation would commit (the timers' and workers' side is in the e2e ActivityOperationsTest).
 */
class ActivityOperationsTest {
    private final ShardContext shard = new ShardContext(new ShardId(1), 3, null,
            new io.kairos.history.shard.GroupCommitter(new FakeExecutionStore()));
    private final WorkflowKey key = new WorkflowKey(NamespaceId.parse(UUID.randomUUID().toString()), "wf", UUID.randomUUID());
    private Instant now = Instant.parse("2025-01-01T00:00:00Z");

    private static Duration s(long seconds) {
        return Duration.newBuilder().setSeconds(seconds).build();
    }

    /** A running workflow with activities a1 and a2 of type Greet and a3 of type Other, all scheduled. */
    private Mutation run() {
        Mutation m = StartWorkflow.newRun(key, shard, now, "create-1", WorkflowExecutionStartedEventAttributes.newBuilder()
                .setWorkflowType(WorkflowType.newBuilder().setName("T")).setTaskQueue(TaskQueue.newBuilder().setName("q"))
                .setFirstExecutionRunId(key.runId().toString()), null, null);
        schedule(m, "a1", "Greet");
        schedule(m, "a2", "Greet");
        schedule(m, "a3", "Other");
        return next(m);
    }

    private static void schedule(Mutation m, String id, String type) {
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .setActivityTaskScheduledEventAttributes(ActivityTaskScheduledEventAttributes.newBuilder()
                        .setActivityId(id).setActivityType(ActivityType.newBuilder().setName(type))
                        .setTaskQueue(TaskQueue.newBuilder().setName("q"))
                        .setScheduleToCloseTimeout(s(1000)).setScheduleToStartTimeout(s(1000)).setStartToCloseTimeout(s(10))
                        .setHeartbeatTimeout(s(5))
                        .setRetryPolicy(RetryPolicy.newBuilder().setInitialInterval(s(1)).setBackoffCoefficient(2)
                                .setMaximumInterval(s(100)))));
    }

    private Mutation next(Mutation m) {
        now = now.plusSeconds(1);
        return new Mutation(key, shard, m.state().build().toBuilder(), now);
    }

    private static ActivityInfo ai(Mutation m, String id) {
        return ActivityOperations.find(m, id);
    }

    private void put(Mutation m, ActivityInfo ai) {
        m.state().putActivities(ai.getScheduledEventId(), ai);
    }

    /** a1 running its attempt {@code attempt} since a second ago. */
    private void started(Mutation m, int attempt) {
        put(m, ai(m, "a1").toBuilder().setStarted(true).setAttempt(attempt).setStartedTime(Times.ts(now.minusSeconds(1)))
                .setRequestId("poll-1").setStartedIdentity("worker-1").build());
    }

    private ActivityPauseInfo pauseInfo(String requestId) {
        return ActivityPauseInfo.newBuilder().setPauseTime(Times.ts(now)).setIdentity("op").setReason("why")
                .setRequestId(requestId).build();
    }

    private static List<HistoryTask> timers(WorkflowWrite w) {
        return w.timerTasks().stream().map(QueueTask::task).toList();
    }

    private static List<HistoryTask> transfers(WorkflowWrite w) {
        return w.transferTasks().stream().map(QueueTask::task).toList();
    }

    private static boolean upsertsVisibility(WorkflowWrite w) {
        return transfers(w).stream().anyMatch(HistoryTask::hasUpsertVisibility);
    }

    private static String pauseAttribute(WorkflowWrite w) {
        var p = w.state().getExecution().getSearchAttributes().getIndexedFieldsMap().get(PauseInfoAttribute.NAME);
        return p == null ? null : p.getData().toStringUtf8();
    }

    @Test
    void aPausedActivityIsDispatchedAgainOnlyWhenUnpaused() {
        Mutation m = run();
        ActivityOperations.pause(m, "a1", pauseInfo("r1"));
        ActivityInfo paused = ai(m, "a1");
        assertEquals(ActivityLifecycle.State.PAUSED, ActivityLifecycle.of(paused));
        var pending = HistoryReads.pending(paused);
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED, pending.getState());
        assertTrue(pending.getPaused());
        assertEquals("op", pending.getPauseInfo().getManual().getIdentity());
        assertEquals("why", pending.getPauseInfo().getManual().getReason());
        assertEquals(Times.ts(now), pending.getPauseInfo().getPauseTime());
        assertEquals("q", pending.getActivityOptions().getTaskQueue().getName());
        WorkflowWrite w = m.toWrite();
        assertTrue(timers(w).isEmpty(), "pausing arms nothing");
        assertEquals("[\"property:activityType=Greet\"]", pauseAttribute(w));
        assertTrue(upsertsVisibility(w), "the visibility record carries TemporalPauseInfo");

        m = next(m);
        ActivityOperations.unpause(m, ai(m, "a1"), false, false, now);
        ActivityInfo unpaused = ai(m, "a1");
        assertEquals(ActivityLifecycle.State.SCHEDULED, ActivityLifecycle.of(unpaused));
        assertFalse(unpaused.hasPauseInfo());
        assertEquals(1, unpaused.getStamp(), "the timers armed before the pause are no-ops now");
        w = m.toWrite();
        var dispatch = transfers(w).stream().filter(HistoryTask::hasActivityTask).toList();
        assertEquals(1, dispatch.size());
        assertEquals(1, dispatch.get(0).getActivityTask().getAttempt());
        var timers = timers(w);
        assertEquals(2, timers.size(), "schedule-to-close and schedule-to-start, re-armed");
        assertTrue(timers.stream().allMatch(t -> t.getActivityTimeout().getStamp() == 1));
        assertEquals(null, pauseAttribute(w));
        assertTrue(upsertsVisibility(w));
    }

    @Test
    void pausingTwiceIsRefusedUnlessItIsTheSameRequest() {
        Mutation m = run();
        ActivityOperations.pause(m, "a1", pauseInfo("r1"));
        m = next(m);
        ActivityOperations.pause(m, "a1", pauseInfo("r1"));
        assertFalse(m.hasChanges(), "a retried request changes nothing");
        Mutation again = m;
        var e = assertThrows(FailedPreconditionException.class, () -> ActivityOperations.pause(again, "a1", pauseInfo("r2")));
        assertEquals("activity is already paused", e.getMessage());
        // Without request ids both are "the same request", as in Temporal.
        ActivityOperations.pause(m, "a2", pauseInfo(""));
        ActivityOperations.pause(m, "a2", pauseInfo(""));
        assertEquals("[\"property:activityType=Greet\"]", pauseAttribute(m.toWrite()));
    }

    @Test
    void unknownActivitiesAndClosedWorkflowsAreNotFound() {
        Mutation m = run();
        var e = assertThrows(NotFoundException.class, () -> ActivityOperations.pause(m, "nope", pauseInfo("")));
        assertEquals(ActivityOperations.ACTIVITY_NOT_FOUND, e.getMessage());
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
                .setWorkflowExecutionCompletedEventAttributes(WorkflowExecutionCompletedEventAttributes.getDefaultInstance()));
        e = assertThrows(NotFoundException.class, () -> ActivityOperations.pause(m, "a1", pauseInfo("")));
        assertEquals(ActivityOperations.WORKFLOW_COMPLETED, e.getMessage());
    }

    /** As Temporal's mutable state: the close leaves the pending activities (and their pause info) to be described. */
    @Test
    void aClosedRunKeepsItsPendingActivitiesAndTheirPauseInfo() {
        Mutation m = run();
        ActivityOperations.pause(m, "a1", pauseInfo(""));
        m.toWrite(); // committed: the run carries TemporalPauseInfo
        Mutation closing = next(m);
        closing.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
                .setWorkflowExecutionCompletedEventAttributes(WorkflowExecutionCompletedEventAttributes.getDefaultInstance()));
        WorkflowWrite w = closing.toWrite();
        assertEquals(3, w.state().getActivitiesCount());
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED,
                HistoryReads.pending(ActivityOperations.find(closing, "a1")).getState());
        assertEquals("[\"property:activityType=Greet\"]", pauseAttribute(w));
        assertTrue(timers(w).stream().noneMatch(t -> t.hasActivityTimeout() || t.hasActivityRetry()), timers(w).toString());
    }

    @Test
    void aBackoffEndsWithThePauseAndUnpausingWithJitterWaitsForIt() {
        Mutation m = run();
        put(m, ai(m, "a1").toBuilder().setAttempt(2).setRetryPending(true).setCurrentAttemptScheduledTime(Times.ts(now.plusSeconds(30)))
                .build());
        ActivityOperations.pause(m, "a1", pauseInfo(""));
        assertEquals(ActivityLifecycle.State.PAUSED, ActivityLifecycle.of(ai(m, "a1")));
        m = next(m);
        Instant at = now.plusSeconds(5);
        ActivityOperations.unpause(m, ai(m, "a1"), false, false, at);
        ActivityInfo waiting = ai(m, "a1");
        assertEquals(ActivityLifecycle.State.BACKOFF, ActivityLifecycle.of(waiting));
        assertEquals(2, waiting.getAttempt());
        WorkflowWrite w = m.toWrite();
        assertTrue(transfers(w).stream().noneMatch(HistoryTask::hasActivityTask), "dispatched by the retry timer, not now");
        var retry = w.timerTasks().stream().filter(t -> t.task().hasActivityRetry()).toList();
        assertEquals(1, retry.size());
        assertEquals(at, retry.get(0).fireAt());
        assertEquals(waiting.getStamp(), retry.get(0).task().getActivityRetry().getStamp());
    }

    @Test
    void aRunningAttemptGoesOnPausedAndItsFailureWaitsForTheUnpause() {
        Mutation m = run();
        started(m, 2);
        ActivityOperations.pause(m, "a1", pauseInfo(""));
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_PAUSE_REQUESTED, HistoryReads.pending(ai(m, "a1")).getState());
        m = next(m);
        Failure failure = Failure.newBuilder().setMessage("paused").setApplicationFailureInfo(
                ApplicationFailureInfo.newBuilder().setType("io.temporal.client.ActivityPausedException")).build();
        Activities.retryOrFail(m, ai(m, "a1"), failure, "worker-1");
        ActivityInfo waiting = ai(m, "a1");
        assertEquals(ActivityLifecycle.State.PAUSED, ActivityLifecycle.of(waiting));
        assertEquals(3, waiting.getAttempt(), "the attempt is counted");
        assertEquals(failure, waiting.getLastFailure());
        assertEquals(Times.ts(now), waiting.getLastAttemptCompleteTime());
        WorkflowWrite w = m.toWrite();
        assertTrue(w.events().isEmpty(), "no event: the activity is still pending");
        assertTrue(timers(w).isEmpty(), "no retry timer while paused");

        // A non-retryable failure still closes a paused activity.
        Mutation paused = run();
        started(paused, 1);
        ActivityOperations.pause(paused, "a1", pauseInfo(""));
        paused.toWrite();
        Mutation m2 = next(paused);
        Activities.retryOrFail(m2, ai(m2, "a1"), failure.toBuilder().setApplicationFailureInfo(
                ApplicationFailureInfo.newBuilder().setNonRetryable(true)).build(), "worker-1");
        assertTrue(m2.state().getActivitiesMap().values().stream().noneMatch(a -> a.getActivityId().equals("a1")), "closed");
        assertEquals(null, pauseAttribute(m2.toWrite()), "a paused activity that closed is no longer in TemporalPauseInfo");
    }

    @Test
    void resettingARunningAttemptRenumbersItWithoutInvalidatingItsToken() {
        Mutation m = run();
        started(m, 3);
        m.state().putActivities(ai(m, "a1").getScheduledEventId(), ai(m, "a1").toBuilder()
                .setHeartbeatDetails(Payloads.getDefaultInstance().toBuilder().addPayloads(
                        io.temporal.api.common.v1.Payload.newBuilder().setData(com.google.protobuf.ByteString.copyFromUtf8("7")))).build());
        ActivityOperations.reset(m, ai(m, "a1"), true, false, null, now);
        ActivityInfo reset = ai(m, "a1");
        assertEquals(1, reset.getAttempt());
        assertEquals(3, Activities.runningAttempt(reset), "its worker's token still names attempt 3");
        assertTrue(reset.getActivityReset(), "its heartbeats answer activity_reset");
        assertEquals(1, reset.getHeartbeatDetails().getPayloadsCount(), "kept while the attempt runs");
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, HistoryReads.pending(reset).getState());
        assertEquals(1, HistoryReads.pending(reset).getAttempt());
        assertTrue(timers(m.toWrite()).isEmpty(), "the running attempt's timers stay valid");

        m = next(m);
        Activities.retryOrFail(m, ai(m, "a1"), Failure.newBuilder().setMessage("reset")
                .setApplicationFailureInfo(ApplicationFailureInfo.getDefaultInstance()).build(), "worker-1");
        ActivityInfo retry = ai(m, "a1");
        assertEquals(2, retry.getAttempt(), "counted from the reset, as Temporal does");
        assertEquals(0, retry.getStartedAttempt());
        assertFalse(retry.getActivityReset());
        assertEquals(0, retry.getHeartbeatDetails().getPayloadsCount(), "reset_heartbeat applied to the next attempt");
    }

    @Test
    void resettingAnActivityNoWorkerRunsSchedulesAttemptOneNow() {
        Mutation m = run();
        put(m, ai(m, "a1").toBuilder().setAttempt(4).setRetryPending(true).setLastFailure(Failure.newBuilder().setMessage("x"))
                .setCurrentAttemptScheduledTime(Times.ts(now.plusSeconds(60))).build());
        ActivityOperations.reset(m, ai(m, "a1"), false, false, null, now);
        ActivityInfo reset = ai(m, "a1");
        assertEquals(1, reset.getAttempt());
        assertEquals(ActivityLifecycle.State.SCHEDULED, ActivityLifecycle.of(reset));
        assertFalse(reset.hasLastFailure(), "forgotten, as Temporal's regenerated retry does");
        assertFalse(reset.getActivityReset(), "no attempt runs to be told");
        WorkflowWrite w = m.toWrite();
        assertEquals(1, transfers(w).stream().filter(HistoryTask::hasActivityTask).count());

        // keep_paused: attempt 1, but nothing is dispatched until the unpause.
        Mutation k = run();
        ActivityOperations.pause(k, "a2", pauseInfo(""));
        k = next(k);
        put(k, ai(k, "a2").toBuilder().setAttempt(5).build());
        ActivityOperations.reset(k, ai(k, "a2"), false, true, null, now);
        assertEquals(1, ai(k, "a2").getAttempt());
        assertTrue(ai(k, "a2").getPaused());
        assertTrue(transfers(k.toWrite()).stream().noneMatch(HistoryTask::hasActivityTask));
    }

    @Test
    void newOptionsRetimeARunningAttempt() {
        Mutation m = run();
        started(m, 1);
        ActivityInfo before = ai(m, "a1");
        ActivityOptions o = ActivityOptionsUpdate.current(before).toBuilder().setStartToCloseTimeout(s(60)).setHeartbeatTimeout(s(0)).build();
        ActivityOperations.updateOptions(m, before, o);
        ActivityInfo after = ai(m, "a1");
        assertEquals(s(60), after.getScheduled().getStartToCloseTimeout());
        assertEquals(before.getStamp() + 1, after.getStamp());
        WorkflowWrite w = m.toWrite();
        var startToClose = w.timerTasks().stream()
                .filter(t -> t.task().getActivityTimeout().getTimeoutType() == TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE).toList();
        assertEquals(1, startToClose.size());
        assertEquals(Times.instant(before.getStartedTime()).plusSeconds(60), startToClose.get(0).fireAt());
        assertEquals(after.getStamp(), startToClose.get(0).task().getActivityTimeout().getStamp());
        assertTrue(w.timerTasks().stream().noneMatch(t -> t.task().getActivityTimeout().getTimeoutType() == TimeoutType.TIMEOUT_TYPE_HEARTBEAT),
                "no heartbeat timeout any more");
        assertTrue(transfers(w).stream().noneMatch(HistoryTask::hasActivityTask), "the running attempt is not dispatched again");
    }

    @Test
    void newRetryOptionsRetimeABackoffFromTheLastAttemptsEnd() {
        Mutation m = run();
        Instant failedAt = now.minusSeconds(1);
        put(m, ai(m, "a1").toBuilder().setAttempt(3).setRetryPending(true).setLastAttemptCompleteTime(Times.ts(failedAt))
                .setCurrentAttemptScheduledTime(Times.ts(failedAt.plusSeconds(2))).build());
        ActivityInfo before = ai(m, "a1");
        ActivityOptions o = ActivityOptionsUpdate.current(before).toBuilder().setRetryPolicy(RetryPolicy.newBuilder()
                .setInitialInterval(s(10)).setBackoffCoefficient(1).setMaximumInterval(s(10))).build();
        ActivityOperations.updateOptions(m, before, o);
        ActivityInfo after = ai(m, "a1");
        assertEquals(ActivityLifecycle.State.BACKOFF, ActivityLifecycle.of(after));
        assertEquals(Times.ts(failedAt.plusSeconds(10)), after.getCurrentAttemptScheduledTime());
        var retry = m.toWrite().timerTasks().stream().filter(t -> t.task().hasActivityRetry()).toList();
        assertEquals(1, retry.size());
        assertEquals(failedAt.plusSeconds(10), retry.get(0).fireAt());

        // A shorter interval that is already over: dispatched at once.
        m = next(m);
        ActivityOperations.updateOptions(m, ai(m, "a1"), o.toBuilder().setRetryPolicy(o.getRetryPolicy().toBuilder()
                .setInitialInterval(s(1)).setMaximumInterval(s(1))).build());
        assertEquals(ActivityLifecycle.State.SCHEDULED, ActivityLifecycle.of(ai(m, "a1")));
        assertEquals(1, transfers(m.toWrite()).stream().filter(HistoryTask::hasActivityTask).count());
    }

    @Test
    void theSearchAttributeListsEachPausedTypeOnce() {
        Mutation m = run();
        ActivityOperations.pause(m, "a3", pauseInfo(""));
        ActivityOperations.pause(m, "a1", pauseInfo(""));
        ActivityOperations.pause(m, "a2", pauseInfo(""));
        WorkflowWrite w = m.toWrite();
        assertEquals("[\"property:activityType=Greet\",\"property:activityType=Other\"]", pauseAttribute(w));
        var payload = w.state().getExecution().getSearchAttributes().getIndexedFieldsMap().get(PauseInfoAttribute.NAME);
        assertEquals("KeywordList", payload.getMetadataMap().get("type").toStringUtf8());
        // A continued run does not inherit it.
        assertFalse(PauseInfoAttribute.inherited(w.state().getExecution().getSearchAttributes()).containsIndexedFields(PauseInfoAttribute.NAME));
        // An unrelated write of a run without pauses leaves the attributes alone.
        Mutation quiet = run();
        quiet.state().getExecutionBuilder().setHistorySizeBytes(1);
        assertFalse(upsertsVisibility(quiet.toWrite()));
    }
}
