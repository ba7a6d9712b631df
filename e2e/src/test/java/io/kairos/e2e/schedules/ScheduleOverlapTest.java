package io.kairos.e2e.schedules;

import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The six overlap policies, driven by manual triggers on a paused schedule whose workflow blocks until released,
 * plus pause-on-failure and the last completion result handed from run to run.
 */
class ScheduleOverlapTest {
    static ScheduleHarness h;

    @BeforeAll
    static void start() {
        h = ScheduleHarness.devServer("schedule-overlap");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    /** A paused schedule of blocking workflows (60 s unless released), so only triggers start anything. */
    private ScheduleHandle blocking(String id, ScheduleOverlapPolicy policy) {
        Schedule s = Schedule.newBuilder()
                .setAction(ScheduleActionStartWorkflow.newBuilder().setWorkflowType(ScheduleWorkflows.Blocking.class)
                        .setArguments(60)
                        .setOptions(WorkflowOptions.newBuilder().setWorkflowId("wf-" + id).setTaskQueue(h.taskQueue).build())
                        .build())
                .setSpec(ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(Duration.ofHours(1)))).build())
                .setPolicy(SchedulePolicy.newBuilder().setOverlap(policy).build())
                .setState(ScheduleState.newBuilder().setPaused(true).build())
                .build();
        return h.schedules.createSchedule(id, s, ScheduleOptions.newBuilder().build());
    }

    /** Triggers a second apart: manual starts in the same second would share a workflow id, as in Temporal. */
    private static void trigger(ScheduleHandle handle) {
        ScheduleClientTest.sleep(1100);
        handle.trigger();
    }

    /** The raw describe: the SDK's ScheduleInfo has no buffer size. */
    private static io.temporal.api.workflowservice.v1.DescribeScheduleResponse raw(ScheduleHandle s) {
        return h.raw().describeSchedule(io.temporal.api.workflowservice.v1.DescribeScheduleRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setScheduleId(s.getId()).build());
    }

    private static String runId(ScheduleDescription d, int i) {
        return ((ScheduleActionExecutionStartWorkflow) d.getInfo().getRecentActions().get(i).getAction()).getFirstExecutionRunId();
    }

    private static String workflowId(ScheduleDescription d, int i) {
        return ((ScheduleActionExecutionStartWorkflow) d.getInfo().getRecentActions().get(i).getAction()).getWorkflowId();
    }

    private static void release(ScheduleDescription d, int i) {
        h.client.newWorkflowStub(ScheduleWorkflows.Blocking.class, workflowId(d, i), java.util.Optional.of(runId(d, i))).release();
    }

    private static WorkflowExecutionStatus status(ScheduleDescription d, int i) {
        return h.raw().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                        .setWorkflowId(workflowId(d, i)).setRunId(runId(d, i))).build()).getWorkflowExecutionInfo().getStatus();
    }

    @Test
    void skipDropsWhatOverlaps() {
        ScheduleHandle s = blocking(ScheduleHarness.id("skip"), ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP);
        s.trigger();
        ScheduleHarness.awaitActions(s, 1, Duration.ofSeconds(20));
        trigger(s);
        ScheduleHarness.await("the overlapping trigger skipped", Duration.ofSeconds(20),
                () -> s.describe().getInfo().getNumActionsSkippedOverlap() == 1);
        ScheduleDescription d = s.describe();
        assertEquals(1, d.getInfo().getNumActions());
        assertEquals(1, d.getInfo().getRunningActions().size());
        release(d, 0);
        s.delete();
    }

    @Test
    void bufferOneKeepsOneAndStartsItWhenTheRunningOneCloses() {
        ScheduleHandle s = blocking(ScheduleHarness.id("buffer-one"), ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE);
        s.trigger();
        ScheduleHarness.awaitActions(s, 1, Duration.ofSeconds(20));
        trigger(s);
        trigger(s);
        ScheduleHarness.await("one buffered, one skipped", Duration.ofSeconds(20), () -> {
            var info = raw(s).getInfo();
            return info.getBufferSize() == 1 && info.getOverlapSkipped() == 1;
        });
        release(s.describe(), 0);
        ScheduleHarness.awaitActions(s, 2, Duration.ofSeconds(20));
        ScheduleDescription d = s.describe();
        assertEquals(0, raw(s).getInfo().getBufferSize());
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, status(d, 0));
        release(d, 1);
        s.delete();
    }

    @Test
    void bufferAllRunsEachInTurn() {
        ScheduleHandle s = blocking(ScheduleHarness.id("buffer-all"), ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL);
        s.trigger();
        ScheduleHarness.awaitActions(s, 1, Duration.ofSeconds(20));
        trigger(s);
        trigger(s);
        ScheduleHarness.await("two buffered", Duration.ofSeconds(20), () -> raw(s).getInfo().getBufferSize() == 2);
        for (int i = 0; i < 3; i++) {
            final int n = i + 1;
            ScheduleHarness.awaitActions(s, n, Duration.ofSeconds(20));
            release(s.describe(), i);
        }
        ScheduleHarness.await("all three done", Duration.ofSeconds(20), () -> s.describe().getInfo().getRunningActions().isEmpty());
        assertEquals(3, s.describe().getInfo().getNumActions());
        s.delete();
    }

    @Test
    void allowAllStartsEveryOneAtOnce() {
        String id = ScheduleHarness.id("allow-all");
        ScheduleHandle s = blocking(id, ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL);
        s.trigger();
        trigger(s);
        trigger(s);
        ScheduleHarness.awaitActions(s, 3, Duration.ofSeconds(20));
        ScheduleDescription d = s.describe();
        // ALLOW_ALL runs are not tracked as running (they never hold another start back), as in Temporal.
        assertEquals(0, d.getInfo().getRunningActions().size());
        ScheduleHarness.await("three open runs", Duration.ofSeconds(10), () -> h.raw().listWorkflowExecutions(
                ListWorkflowExecutionsRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                        .setQuery("TemporalScheduledById = '" + id + "' AND ExecutionStatus = 'Running'").build())
                .getExecutionsCount() == 3);
        for (int i = 0; i < 3; i++) {
            release(d, i);
        }
        s.delete();
    }

    @Test
    void cancelOtherCancelsTheRunningOneThenStarts() {
        ScheduleHandle s = blocking(ScheduleHarness.id("cancel-other"), ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER);
        s.trigger();
        ScheduleHarness.awaitActions(s, 1, Duration.ofSeconds(20));
        trigger(s);
        ScheduleHarness.awaitActions(s, 2, Duration.ofSeconds(20));
        ScheduleDescription d = s.describe();
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED, status(d, 0));
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, status(d, 1));
        release(d, 1);
        s.delete();
    }

    @Test
    void terminateOtherTerminatesTheRunningOneThenStarts() {
        ScheduleHandle s = blocking(ScheduleHarness.id("terminate-other"),
                ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER);
        s.trigger();
        ScheduleHarness.awaitActions(s, 1, Duration.ofSeconds(20));
        trigger(s);
        ScheduleHarness.awaitActions(s, 2, Duration.ofSeconds(20));
        ScheduleDescription d = s.describe();
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, status(d, 0));
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, status(d, 1));
        assertEquals(1, d.getInfo().getRunningActions().size());
        release(d, 1);
        s.delete();
    }

    @Test
    void bufferedStartsGoAsSoonAsTheRunBeforeCloses() {
        // No DescribeSchedule while waiting (it would make the scheduler look again): the watch alone must do it.
        String id = ScheduleHarness.id("buffer-chain");
        Schedule s = Schedule.newBuilder()
                .setAction(ScheduleActionStartWorkflow.newBuilder().setWorkflowType(ScheduleWorkflows.Quick.class)
                        .setArguments("x")
                        .setOptions(WorkflowOptions.newBuilder().setWorkflowId("wf-" + id).setTaskQueue(h.taskQueue).build())
                        .build())
                .setSpec(ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(Duration.ofSeconds(1)))).build())
                .setPolicy(SchedulePolicy.newBuilder().setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL).build())
                .setState(ScheduleState.newBuilder().setPaused(true).build())
                .build();
        java.time.Instant base = java.time.Instant.parse("2024-03-01T00:00:00Z");
        ScheduleHandle handle = h.schedules.createSchedule(id, s, ScheduleOptions.newBuilder()
                .setBackfills(List.of(new io.temporal.client.schedules.ScheduleBackfill(base, base.plusSeconds(5)))).build());
        long started = System.nanoTime();
        ScheduleHarness.await("six runs completed one after the other", Duration.ofSeconds(30), () -> h.raw()
                .countWorkflowExecutions(io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest.newBuilder()
                        .setNamespace(ScheduleHarness.NAMESPACE)
                        .setQuery("TemporalScheduledById = '" + id + "' AND ExecutionStatus = 'Completed'").build())
                .getCount() == 6);
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        assertTrue(elapsedMs < 10_000, "each buffered start followed its predecessor's close at once; took " + elapsedMs + " ms");
        assertEquals(6, handle.describe().getInfo().getNumActions());
        handle.delete();
    }

    @Test
    void pauseOnFailurePausesWithTemporalsNote() {
        String id = ScheduleHarness.id("pause-on-failure");
        Schedule s = Schedule.newBuilder()
                .setAction(ScheduleActionStartWorkflow.newBuilder().setWorkflowType(ScheduleWorkflows.Failing.class)
                        .setOptions(WorkflowOptions.newBuilder().setWorkflowId("wf-" + id).setTaskQueue(h.taskQueue).build())
                        .build())
                .setSpec(ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(Duration.ofSeconds(1)))).build())
                .setPolicy(SchedulePolicy.newBuilder().setPauseOnFailure(true).build())
                .build();
        ScheduleHandle handle = h.schedules.createSchedule(id, s, ScheduleOptions.newBuilder().build());
        ScheduleHarness.await("paused after the failure", Duration.ofSeconds(30),
                () -> handle.describe().getSchedule().getState().isPaused());
        ScheduleDescription d = handle.describe();
        String note = d.getSchedule().getState().getNote();
        assertTrue(note.startsWith("paused due to workflow failure: wf-" + id + "-") && note.endsWith(": scheduled run failed"),
                note);
        long actions = d.getInfo().getNumActions();
        ScheduleClientTest.sleep(2500);
        assertEquals(actions, handle.describe().getInfo().getNumActions(), "no action while paused");
        handle.delete();
    }

    @Test
    void eachRunSeesThePreviousRunsResult() throws Exception {
        String id = ScheduleHarness.id("last-result");
        Schedule s = Schedule.newBuilder()
                .setAction(ScheduleActionStartWorkflow.newBuilder().setWorkflowType(ScheduleWorkflows.Counting.class)
                        .setArguments(false)
                        .setOptions(WorkflowOptions.newBuilder().setWorkflowId("wf-" + id).setTaskQueue(h.taskQueue).build())
                        .build())
                .setSpec(ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(Duration.ofSeconds(2)))).build())
                .build();
        ScheduleHandle handle = h.schedules.createSchedule(id, s, ScheduleOptions.newBuilder().build());
        ScheduleHarness.awaitActions(handle, 3, Duration.ofSeconds(40));
        ScheduleDescription d = handle.describe();
        handle.delete();
        for (int i = 0; i < 3; i++) {
            int result = h.client.newUntypedWorkflowStub(workflowId(d, i), java.util.Optional.of(runId(d, i)),
                    java.util.Optional.empty()).getResult(20, java.util.concurrent.TimeUnit.SECONDS, Integer.class);
            assertEquals(i + 1, result, "run " + i);
        }
    }
}
