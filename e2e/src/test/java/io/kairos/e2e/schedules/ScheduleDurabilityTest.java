package io.kairos.e2e.schedules;

import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scheduler across kill -9 of the server: no scheduled time skipped or started twice, catchup as configured. */
class ScheduleDurabilityTest {
    @TempDir
    Path tmp;

    private static Schedule every(Duration interval, String workflowId, String taskQueue, SchedulePolicy policy) {
        return Schedule.newBuilder()
                .setAction(ScheduleActionStartWorkflow.newBuilder().setWorkflowType(ScheduleWorkflows.Quick.class)
                        .setArguments("x")
                        .setOptions(WorkflowOptions.newBuilder().setWorkflowId(workflowId).setTaskQueue(taskQueue).build())
                        .build())
                .setSpec(ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(interval))).build())
                .setPolicy(policy)
                .build();
    }

    /** The scheduled (nominal) times of every workflow the schedule started, from visibility; duplicates kept. */
    private static List<Instant> startedTimes(ScheduleHarness h, String scheduleId) {
        List<Instant> out = new ArrayList<>();
        com.google.protobuf.ByteString token = com.google.protobuf.ByteString.EMPTY;
        do {
            var page = h.raw().listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
                    .setNamespace(ScheduleHarness.NAMESPACE).setQuery("TemporalScheduledById = '" + scheduleId + "'")
                    .setNextPageToken(token).build());
            for (var e : page.getExecutionsList()) {
                String v = e.getSearchAttributes().getIndexedFieldsMap().get("TemporalScheduledStartTime").getData().toStringUtf8();
                out.add(Instant.parse(v.replace("\"", "")));
            }
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return out;
    }

    /** Sorted times, each {@code step} after the one before. */
    static void assertConsecutive(List<Instant> times, Duration step, String what) {
        for (int i = 1; i < times.size(); i++) {
            assertEquals(step, Duration.between(times.get(i - 1), times.get(i)), what + ": " + times);
        }
    }

    @Test
    void killBetweenActionsNeitherSkipsNorDoublesAnAction() {
        String id = ScheduleHarness.id("durable");
        try (ScheduleHarness h = ScheduleHarness.devServerOn(tmp.resolve("kill"), "schedule-before-kill")) {
            // BUFFER_ALL: a time that comes due while the previous run still runs (its worker is gone with the server)
            // waits for it instead of being skipped, so every scheduled time must be taken, once.
            ScheduleHandle handle = h.schedules.createSchedule(id, every(Duration.ofSeconds(3), "wf-" + id, h.taskQueue,
                    SchedulePolicy.newBuilder().setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL).build()),
                    ScheduleOptions.newBuilder().build());
            ScheduleHarness.awaitActions(handle, 2, Duration.ofSeconds(30));
            // Down across at least one scheduled time: it is taken late (well within the catchup window).
            h.killAndRestart("schedule-after-kill", Duration.ofSeconds(4));
            ScheduleHandle again = h.schedules.getHandle(id);
            long before = again.describe().getInfo().getNumActions();
            ScheduleHarness.awaitActions(again, before + 3, Duration.ofSeconds(40));
            again.pause("stop for the check");
            ScheduleDescription d = again.describe();
            ScheduleHarness.await("every start in visibility", Duration.ofSeconds(15),
                    () -> startedTimes(h, id).size() == d.getInfo().getNumActions());
            List<Instant> times = startedTimes(h, id);
            TreeSet<Instant> distinct = new TreeSet<>(times);
            assertEquals(times.size(), distinct.size(), "a scheduled time started twice: " + times);
            assertConsecutive(List.copyOf(distinct), Duration.ofSeconds(3), "a scheduled time was skipped");
            assertEquals(0, d.getInfo().getNumActionsMissedCatchupWindow());
            again.delete();
        }
    }

    @Test
    void afterDowntimeOnlyTimesWithinTheCatchupWindowAreTaken() {
        String id = ScheduleHarness.id("catchup");
        try (ScheduleHarness h = ScheduleHarness.devServerOn(tmp.resolve("catchup"), "catchup-before-kill")) {
            ScheduleHandle handle = h.schedules.createSchedule(id, every(Duration.ofSeconds(2), "wf-" + id, h.taskQueue,
                    SchedulePolicy.newBuilder().setCatchupWindow(Duration.ofSeconds(10))
                            .setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL).build()),
                    ScheduleOptions.newBuilder().build());
            ScheduleHarness.awaitActions(handle, 1, Duration.ofSeconds(30));
            Instant killed = Instant.now();
            h.killAndRestart("catchup-after-kill", Duration.ofSeconds(18));
            ScheduleHandle again = h.schedules.getHandle(id);
            ScheduleHarness.await("missed actions counted", Duration.ofSeconds(30),
                    () -> again.describe().getInfo().getNumActionsMissedCatchupWindow() > 0);
            ScheduleHarness.await("two actions after the restart", Duration.ofSeconds(30),
                    () -> startedTimes(h, id).stream().filter(t -> t.isAfter(killed.plusSeconds(18))).count() >= 2);
            again.pause("stop for the check");
            ScheduleDescription d = again.describe();
            long missed = d.getInfo().getNumActionsMissedCatchupWindow();
            List<Instant> times = startedTimes(h, id).stream().sorted().toList();
            assertEquals(times.size(), new TreeSet<>(times).size(), "a scheduled time started twice: " + times);
            // Before the kill every 2 s time was taken; after it, the times older than the 10 s window when the
            // scheduler woke were missed (counted, not started), and the rest were all taken.
            Instant lastBefore = times.stream().filter(t -> !t.isAfter(killed)).max(Instant::compareTo).orElseThrow();
            Instant firstAfter = times.stream().filter(t -> t.isAfter(lastBefore)).min(Instant::compareTo).orElseThrow();
            long gap = Duration.between(lastBefore, firstAfter).getSeconds() / 2 - 1;
            assertTrue(missed >= 2, "missed " + missed);
            assertEquals(gap, missed, "the times between " + lastBefore + " and " + firstAfter + " are the missed ones");
            assertTrue(Duration.between(firstAfter, Instant.now()).getSeconds() < 60, "caught up from " + firstAfter);
            assertConsecutive(times.stream().filter(t -> !t.isBefore(firstAfter)).toList(), Duration.ofSeconds(2),
                    "after the restart");
            again.delete();
        }
    }

    @Test
    void aBatchOperationResumesAfterKillDashNineAndActsOnEveryWorkflowOnce() {
        String prefix = ScheduleHarness.id("durable-batch");
        String job = java.util.UUID.randomUUID().toString();
        try (ScheduleHarness h = ScheduleHarness.devServerOn(tmp.resolve("batch"), "batch-before-kill")) {
            List<io.temporal.api.common.v1.WorkflowExecution> wfs = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ScheduleWorkflows.Blocking wf = h.client.newWorkflowStub(ScheduleWorkflows.Blocking.class,
                        WorkflowOptions.newBuilder().setWorkflowId(prefix + "-" + i).setTaskQueue(h.taskQueue).build());
                wfs.add(io.temporal.client.WorkflowClient.start(wf::run, 600));
            }
            String query = "WorkflowId STARTS_WITH '" + prefix + "'";
            ScheduleHarness.await("visible", Duration.ofSeconds(20), () -> h.raw().countWorkflowExecutions(
                    io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest.newBuilder()
                            .setNamespace(ScheduleHarness.NAMESPACE).setQuery(query).build()).getCount() == 12);
            h.raw().startBatchOperation(io.temporal.api.workflowservice.v1.StartBatchOperationRequest.newBuilder()
                    .setNamespace(ScheduleHarness.NAMESPACE).setJobId(job).setReason("durable").setVisibilityQuery(query)
                    .setMaxOperationsPerSecond(3)
                    .setTerminationOperation(io.temporal.api.batch.v1.BatchOperationTermination.getDefaultInstance()).build());
            ScheduleHarness.await("some progress", Duration.ofSeconds(20), () -> describeJob(h, job).getCompleteOperationCount() >= 3);
            h.killAndRestart("batch-after-kill", Duration.ZERO);
            ScheduleHarness.await("the job done after the restart", Duration.ofSeconds(60), () -> describeJob(h, job)
                    .getState() == io.temporal.api.enums.v1.BatchOperationState.BATCH_OPERATION_STATE_COMPLETED);
            var d = describeJob(h, job);
            // Counts are committed with the position, a page (a second's work: 3 here) at a time. The workflows a
            // crash interrupted mid-page are terminated but no longer match the query, so at most that page's
            // count is lost; every workflow is terminated, once.
            assertTrue(d.getCompleteOperationCount() >= 9 && d.getCompleteOperationCount() <= 12, "counted: " + d);
            assertEquals(0, d.getFailureOperationCount());
            for (var e : wfs) {
                assertEquals(io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
                        h.raw().describeWorkflowExecution(io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest
                                .newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setExecution(e).build())
                                .getWorkflowExecutionInfo().getStatus());
                // Terminated once: one terminate event in its history.
                long terminated = h.client.fetchHistory(e.getWorkflowId(), e.getRunId()).getEvents().stream()
                        .filter(ev -> ev.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED)
                        .count();
                assertEquals(1, terminated);
            }
        }
    }

    private static io.temporal.api.workflowservice.v1.DescribeBatchOperationResponse describeJob(ScheduleHarness h, String job) {
        return h.raw().describeBatchOperation(io.temporal.api.workflowservice.v1.DescribeBatchOperationRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setJobId(job).build());
    }
}
