package io.kairos.e2e.schedules;

import io.kairos.e2e.ServerProcess;
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

    @Test
    void killBetweenActionsNeitherSkipsNorDoublesAnAction() {
        Path dir = tmp.resolve("kill");
        int port = ServerProcess.freePort();
        List<String> args = List.of("dev", "--db-dir", dir.toString(), "--port", Integer.toString(port));
        ServerProcess first = ServerProcess.launch("schedule-before-kill", args).awaitReady();
        ScheduleHarness h = ScheduleHarness.forPort(port);
        String id = ScheduleHarness.id("durable");
        try {
            // BUFFER_ALL: a time that comes due while the previous run still runs (its worker is gone with the server)
            // waits for it instead of being skipped, so every scheduled time must be taken, once.
            ScheduleHandle handle = h.schedules.createSchedule(id, every(Duration.ofSeconds(3), "wf-" + id, h.taskQueue,
                    SchedulePolicy.newBuilder().setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL).build()),
                    ScheduleOptions.newBuilder().build());
            ScheduleHarness.awaitActions(handle, 2, Duration.ofSeconds(30));
            h.disconnect();
            first.kill9();
            // Down across at least one scheduled time: it is taken late (well within the catchup window).
            ScheduleClientTest.sleep(4000);
            try (ServerProcess second = ServerProcess.launch("schedule-after-kill", args).awaitReady()) {
                h.connect();
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
                Instant prev = null;
                for (Instant t : distinct) {
                    if (prev != null) {
                        assertEquals(Duration.ofSeconds(3), Duration.between(prev, t), "a scheduled time was skipped: " + distinct);
                    }
                    prev = t;
                }
                assertEquals(0, d.getInfo().getNumActionsMissedCatchupWindow());
                again.delete();
                h.disconnect();
            }
        } finally {
            h.close();
            first.close();
        }
    }

    @Test
    void afterDowntimeOnlyTimesWithinTheCatchupWindowAreTaken() {
        Path dir = tmp.resolve("catchup");
        int port = ServerProcess.freePort();
        List<String> args = List.of("dev", "--db-dir", dir.toString(), "--port", Integer.toString(port));
        ServerProcess first = ServerProcess.launch("catchup-before-kill", args).awaitReady();
        ScheduleHarness h = ScheduleHarness.forPort(port);
        String id = ScheduleHarness.id("catchup");
        try {
            ScheduleHandle handle = h.schedules.createSchedule(id, every(Duration.ofSeconds(2), "wf-" + id, h.taskQueue,
                    SchedulePolicy.newBuilder().setCatchupWindow(Duration.ofSeconds(10))
                            .setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL).build()),
                    ScheduleOptions.newBuilder().build());
            ScheduleHarness.awaitActions(handle, 1, Duration.ofSeconds(30));
            h.disconnect();
            first.kill9();
            Instant killed = Instant.now();
            ScheduleClientTest.sleep(18_000);
            try (ServerProcess second = ServerProcess.launch("catchup-after-kill", args).awaitReady()) {
                h.connect();
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
                Instant prev = null;
                for (Instant t : times.stream().filter(t -> !t.isBefore(firstAfter)).toList()) {
                    if (prev != null) {
                        assertEquals(Duration.ofSeconds(2), Duration.between(prev, t), "after the restart: " + times);
                    }
                    prev = t;
                }
                again.delete();
                h.disconnect();
            }
        } finally {
            h.close();
            first.close();
        }
    }
}
