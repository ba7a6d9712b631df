package io.kairos.worker.schedules;

import com.google.protobuf.Duration;
import io.kairos.common.ids.NamespaceId;
import io.kairos.proto.persistence.v1.ScheduleRecord;
import io.kairos.worker.schedules.spec.CompiledSpec;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.schedule.v1.IntervalSpec;
import io.temporal.api.schedule.v1.Schedule;
import io.temporal.api.schedule.v1.ScheduleAction;
import io.temporal.api.schedule.v1.ScheduleInfo;
import io.temporal.api.schedule.v1.SchedulePolicies;
import io.temporal.api.schedule.v1.ScheduleSpec;
import io.temporal.api.schedule.v1.ScheduleState;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.NewWorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One scheduler step at a time, against fake effects: catchup, pause, limits, updates, retries, closes, retention. */
class ScheduleMachineTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final ScheduleKey KEY = new ScheduleKey(new NamespaceId(UUID.fromString(
            "00000000-0000-0000-0000-000000000001")), "sched", UUID.fromString("00000000-0000-0000-0000-000000000002"));

    /** Starts succeed with run ids run-1, run-2, ...; checks answer from {@link #outcomes} (RUNNING by default). */
    static final class FakeEffects implements ScheduleEffects {
        final List<StartWorkflowExecutionRequest> starts = new ArrayList<>();
        final List<String> cancelled = new ArrayList<>();
        final List<String> terminated = new ArrayList<>();
        final Map<String, Outcome> outcomes = new HashMap<>();
        StartOutcome next;
        /** History refuses cancels and terminates. */
        boolean refuseStops;

        @Override
        public StartOutcome start(StartWorkflowExecutionRequest request) {
            if (next != null) {
                StartOutcome o = next;
                next = null;
                return o;
            }
            starts.add(request);
            return new Started("run-" + starts.size(), T0);
        }

        @Override
        public Outcome check(WorkflowExecution execution) {
            return outcomes.getOrDefault(execution.getWorkflowId(), Outcome.RUNNING);
        }

        @Override
        public boolean cancel(WorkflowExecution execution, String requestId, String identity) {
            if (refuseStops) {
                return false;
            }
            cancelled.add(execution.getWorkflowId());
            return true;
        }

        @Override
        public Outcome awaitClose(WorkflowExecution execution, java.time.Duration wait) {
            return check(execution);
        }

        @Override
        public boolean terminate(WorkflowExecution execution, String identity) {
            if (refuseStops) {
                return false;
            }
            terminated.add(execution.getWorkflowId());
            outcomes.put(execution.getWorkflowId(), new Outcome(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
                    null, null, T0));
            return true;
        }
    }

    static ScheduleRecord.Builder everyMinute(SchedulePolicies policies) {
        ScheduleSpec spec = ScheduleSpec.newBuilder().addInterval(IntervalSpec.newBuilder()
                .setInterval(Duration.newBuilder().setSeconds(60))).build();
        return ScheduleRecord.newBuilder().setNamespace("ns").setConflictToken(1)
                .setSchedule(Schedule.newBuilder().setSpec(spec).setPolicies(policies)
                        .setAction(ScheduleAction.newBuilder().setStartWorkflow(NewWorkflowExecutionInfo.newBuilder()
                                .setWorkflowId("wf").setWorkflowType(WorkflowType.newBuilder().setName("T"))
                                .setTaskQueue(TaskQueue.newBuilder().setName("q")))))
                .setInfo(ScheduleInfo.newBuilder().setCreateTime(Times.proto(T0)))
                .setLastProcessedTime(Times.proto(T0));
    }

    private static ScheduleMachine.Result step(ScheduleRecord.Builder r, Instant now, FakeEffects fx) {
        CompiledSpec spec = CompiledSpec.compile(r.getSchedule().getSpec());
        return new ScheduleMachine(r, spec, KEY, now, fx).step();
    }

    private static SchedulePolicies allowAll() {
        return SchedulePolicies.newBuilder().setOverlapPolicy(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL).build();
    }

    @Test
    void takesEachDueTimeOnceWithTemporalsIdsAndWakesAtTheNext() {
        ScheduleRecord.Builder r = everyMinute(SchedulePolicies.getDefaultInstance());
        FakeEffects fx = new FakeEffects();
        var res = step(r, T0.plusSeconds(60), fx);
        assertEquals(1, fx.starts.size());
        StartWorkflowExecutionRequest s = fx.starts.get(0);
        assertEquals("wf-2026-01-01T00:01:00Z", s.getWorkflowId());
        assertEquals(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, s.getWorkflowIdReusePolicy());
        assertEquals("\"sched\"", s.getSearchAttributes().getIndexedFieldsMap().get("TemporalScheduledById").getData().toStringUtf8());
        assertEquals("temporal-scheduler-ns-sched", s.getIdentity());
        assertEquals(T0.plusSeconds(120), res.nextWakeup());
        assertEquals(1, r.getInfo().getActionCount());
        assertEquals(1, r.getInfo().getRunningWorkflowsCount());
        // The same step again (a crash before the commit) sends the same request id.
        ScheduleRecord.Builder again = everyMinute(SchedulePolicies.getDefaultInstance());
        FakeEffects fx2 = new FakeEffects();
        step(again, T0.plusSeconds(60), fx2);
        assertEquals(s.getRequestId(), fx2.starts.get(0).getRequestId());
    }

    @Test
    void afterDowntimeMissesWhatIsPastTheCatchupWindow() {
        ScheduleRecord.Builder r = everyMinute(allowAll().toBuilder()
                .setCatchupWindow(Duration.newBuilder().setSeconds(600)).build());
        FakeEffects fx = new FakeEffects();
        step(r, T0.plusSeconds(3600), fx);
        // Minutes 1..49 are more than 10 minutes old at minute 60; 50..60 are taken.
        assertEquals(49, r.getInfo().getMissedCatchupWindow());
        assertEquals(11, fx.starts.size());
        assertEquals("wf-2026-01-01T00:50:00Z", fx.starts.get(0).getWorkflowId());
    }

    @Test
    void pausedTakesNothingAndSleepsUntilAChange() {
        ScheduleRecord.Builder r = everyMinute(SchedulePolicies.getDefaultInstance());
        r.setSchedule(r.getSchedule().toBuilder().setState(ScheduleState.newBuilder().setPaused(true)));
        FakeEffects fx = new FakeEffects();
        var res = step(r, T0.plusSeconds(600), fx);
        assertTrue(fx.starts.isEmpty());
        assertNull(res.nextWakeup());
        assertEquals(T0.plusSeconds(600), Times.instant(r.getLastProcessedTime()), "the paused range is not replayed");
        assertEquals(0, r.getInfo().getMissedCatchupWindow());
    }

    @Test
    void limitedActionsCountDownAndBumpTheConflictToken() {
        ScheduleRecord.Builder r = everyMinute(allowAll());
        r.setSchedule(r.getSchedule().toBuilder().setState(ScheduleState.newBuilder().setLimitedActions(true)
                .setRemainingActions(2)));
        FakeEffects fx = new FakeEffects();
        var res = step(r, T0.plusSeconds(300), fx);
        assertEquals(2, fx.starts.size());
        assertEquals(0, r.getSchedule().getState().getRemainingActions());
        assertEquals(3, r.getConflictToken());
        // Out of actions: nothing more to do, so (as Temporal's scheduler) it goes away a week after its last action
        // (the fake reports every start as made at T0).
        assertEquals(T0.plus(java.time.Duration.ofDays(7)), res.nextWakeup());
    }

    @Test
    void timesBeforeTheLastUpdateAreNotTaken() {
        ScheduleRecord.Builder r = everyMinute(allowAll());
        r.setInfo(r.getInfo().toBuilder().setUpdateTime(Times.proto(T0.plusSeconds(150))));
        FakeEffects fx = new FakeEffects();
        step(r, T0.plusSeconds(180), fx);
        assertEquals(List.of("wf-2026-01-01T00:03:00Z"), fx.starts.stream().map(StartWorkflowExecutionRequest::getWorkflowId).toList());
    }

    @Test
    void anUnreachableHistoryKeepsTheStartAndRetries() {
        ScheduleRecord.Builder r = everyMinute(SchedulePolicies.getDefaultInstance());
        FakeEffects fx = new FakeEffects();
        fx.next = new ScheduleEffects.Retry("unavailable");
        var res = step(r, T0.plusSeconds(60), fx);
        assertEquals(1, r.getBufferedStartsCount());
        assertEquals(1, r.getBufferedStarts(0).getAttempts());
        assertEquals(T0.plusSeconds(61), res.nextWakeup(), "backoff 1 s after the first failure");
        step(r, T0.plusSeconds(61), fx);
        assertEquals(1, fx.starts.size());
        assertEquals(0, r.getBufferedStartsCount());
    }

    @Test
    void aRejectedStartIsDroppedAndCountsAgainstTheLimit() {
        ScheduleRecord.Builder r = everyMinute(SchedulePolicies.getDefaultInstance());
        FakeEffects fx = new FakeEffects();
        fx.next = new ScheduleEffects.Rejected("ALREADY_EXISTS");
        step(r, T0.plusSeconds(60), fx);
        assertEquals(0, r.getBufferedStartsCount());
        assertEquals(0, r.getInfo().getActionCount());
    }

    @Test
    void aFailedRunPausesWithPauseOnFailureAndItsResultsReachTheNextRun() {
        ScheduleRecord.Builder r = everyMinute(SchedulePolicies.newBuilder().setPauseOnFailure(true).build());
        FakeEffects fx = new FakeEffects();
        step(r, T0.plusSeconds(60), fx);
        String first = fx.starts.get(0).getWorkflowId();
        fx.outcomes.put(first, new ScheduleEffects.Outcome(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
                Payloads.getDefaultInstance(), null, T0));
        step(r, T0.plusSeconds(120), fx);
        assertTrue(fx.starts.get(1).hasLastCompletionResult(), "the completed run's result is passed on");
        String second = fx.starts.get(1).getWorkflowId();
        fx.outcomes.put(second, new ScheduleEffects.Outcome(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED, null,
                Failure.newBuilder().setMessage("boom").build(), T0));
        step(r, T0.plusSeconds(180), fx);
        assertTrue(r.getSchedule().getState().getPaused());
        assertEquals("paused due to workflow failure: " + second + ": boom", r.getSchedule().getState().getNotes());
        assertEquals(2, fx.starts.size(), "nothing starts once paused");
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED, r.getInfo().getRecentActions(1).getStartWorkflowStatus());
        assertEquals("boom", r.getContinuedFailure().getMessage());
    }

    @Test
    void terminateOtherTerminatesThenStartsInTheSameStep() {
        ScheduleRecord.Builder r = everyMinute(SchedulePolicies.newBuilder()
                .setOverlapPolicy(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER).build());
        FakeEffects fx = new FakeEffects();
        step(r, T0.plusSeconds(60), fx);
        String first = fx.starts.get(0).getWorkflowId();
        // Terminate is synchronous: the check right after it sees the run closed, so the new one starts at once.
        step(r, T0.plusSeconds(120), fx);
        assertEquals(List.of(first), fx.terminated);
        assertEquals(2, fx.starts.size());
        assertEquals(1, r.getInfo().getRunningWorkflowsCount());
    }

    @Test
    void bufferedBehindARunningWorkflowItAsksToWatchIt() {
        ScheduleRecord.Builder r = everyMinute(SchedulePolicies.newBuilder()
                .setOverlapPolicy(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE).build());
        FakeEffects fx = new FakeEffects();
        step(r, T0.plusSeconds(60), fx);
        var res = step(r, T0.plusSeconds(120), fx);
        assertEquals(1, r.getBufferedStartsCount());
        assertNotNull(res.watch());
        assertEquals(fx.starts.get(0).getWorkflowId(), res.watch().getWorkflowId());
    }

    @Test
    void aScheduleWithNothingLeftExpiresAWeekAfterItsLastEvent() {
        ScheduleRecord.Builder r = everyMinute(SchedulePolicies.getDefaultInstance());
        r.setSchedule(r.getSchedule().toBuilder().setSpec(r.getSchedule().getSpec().toBuilder()
                .setEndTime(Times.proto(T0.plusSeconds(30)))));
        FakeEffects fx = new FakeEffects();
        var res = step(r, T0.plusSeconds(60), fx);
        assertFalse(res.expired());
        assertEquals(T0.plus(java.time.Duration.ofDays(7)), res.nextWakeup());
        assertTrue(step(r, T0.plus(java.time.Duration.ofDays(7)), fx).expired());
    }
}
