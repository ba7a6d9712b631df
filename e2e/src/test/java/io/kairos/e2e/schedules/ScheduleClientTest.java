package io.kairos.e2e.schedules;

import io.grpc.Status;
import io.kairos.e2e.Clients;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.errordetails.v1.NamespaceNotFoundFailure;
import io.temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure;
import io.temporal.api.workflowservice.v1.DescribeScheduleRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.ListScheduleMatchingTimesRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.PatchScheduleRequest;
import io.temporal.api.workflowservice.v1.UpdateScheduleRequest;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleBackfill;
import io.temporal.client.schedules.ScheduleCalendarSpec;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleException;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleListDescription;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleRange;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleState;
import io.temporal.client.schedules.ScheduleUpdate;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.enums.v1.IndexedValueType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Schedules through the Java SDK's ScheduleClient (and the raw API where the SDK has no call) against a dev server. */
class ScheduleClientTest {
    static final SearchAttributeKey<String> KEYWORD = SearchAttributeKey.forKeyword("ScheduleTag");
    static ScheduleHarness h;

    @BeforeAll
    static void start() {
        h = ScheduleHarness.devServer("schedules");
        h.clients.operator.blockingStub().addSearchAttributes(AddSearchAttributesRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE)
                .putSearchAttributes("ScheduleTag", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD).build());
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static Schedule.Builder quickEvery(Duration every, String workflowId) {
        return Schedule.newBuilder()
                .setAction(ScheduleActionStartWorkflow.newBuilder()
                        .setWorkflowType(ScheduleWorkflows.Quick.class)
                        .setArguments("x")
                        .setOptions(WorkflowOptions.newBuilder().setWorkflowId(workflowId).setTaskQueue(h.taskQueue)
                                .setMemo(Map.of("memokey1", "memoval1")).build())
                        .build())
                .setSpec(ScheduleSpec.newBuilder().setIntervals(List.of(new ScheduleIntervalSpec(every))).build());
    }

    @Test
    void createDescribeAndDelete() {
        String id = ScheduleHarness.id("create");
        Schedule schedule = quickEvery(Duration.ofHours(1), "wf-" + id).build();
        ScheduleHandle handle = h.schedules.createSchedule(id, schedule,
                ScheduleOptions.newBuilder().setMemo(Map.of("memokey2", "memoval2")).build());
        ScheduleDescription d = handle.describe();
        assertEquals(id, d.getId());
        assertEquals(Duration.ofDays(365), d.getSchedule().getPolicy().getCatchupWindow());
        assertEquals(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP, d.getSchedule().getPolicy().getOverlap());
        assertEquals("memoval2", d.getMemo("memokey2", String.class));
        assertNull(d.getMemo("memokey1", String.class));
        assertEquals(0, d.getInfo().getNumActions());
        assertEquals(10, d.getInfo().getNextActionTimes().size());
        assertTrue(d.getInfo().getCreatedAt().isAfter(Instant.now().minusSeconds(60)));
        assertThrows(ScheduleAlreadyRunningException.class, () -> h.schedules.createSchedule(id, schedule,
                ScheduleOptions.newBuilder().build()));
        // The raw API: Temporal's ALREADY_EXISTS with WorkflowExecutionAlreadyStartedFailure.
        var e = Clients.assertStatus(Status.Code.ALREADY_EXISTS, "already registered", () -> h.raw().createSchedule(
                io.temporal.api.workflowservice.v1.CreateScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                        .setScheduleId(id).setRequestId("another").setSchedule(h.raw().describeSchedule(
                                DescribeScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                                        .setScheduleId(id).build()).getSchedule()).build()));
        Clients.detail(e, WorkflowExecutionAlreadyStartedFailure.class);
        handle.delete();
        assertThrows(ScheduleException.class, handle::describe);
        assertThrows(ScheduleException.class, () -> h.schedules.getHandle(ScheduleHarness.id("missing")).delete());
        Clients.assertStatus(Status.Code.NOT_FOUND, "schedule not found", () -> h.raw().describeSchedule(
                DescribeScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setScheduleId(id).build()));
    }

    @Test
    void intervalStartsWorkflowsNamedByTheirScheduledTime() {
        String id = ScheduleHarness.id("interval");
        ScheduleHandle handle = h.schedules.createSchedule(id, quickEvery(Duration.ofSeconds(1), "wf-" + id).build(),
                ScheduleOptions.newBuilder().build());
        ScheduleHarness.awaitActions(handle, 3, Duration.ofSeconds(30));
        ScheduleDescription d = handle.describe();
        assertTrue(d.getInfo().getRecentActions().size() >= 3);
        for (var a : d.getInfo().getRecentActions()) {
            io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow started =
                    (io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow) a.getAction();
            String expected = "wf-" + id + "-" + DateTimeFormatter.ISO_INSTANT.format(a.getScheduledAt().truncatedTo(ChronoUnit.SECONDS));
            assertEquals(expected, started.getWorkflowId());
            var info = h.raw().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace(ScheduleHarness.NAMESPACE).setExecution(io.temporal.api.common.v1.WorkflowExecution
                            .newBuilder().setWorkflowId(started.getWorkflowId()).setRunId(started.getFirstExecutionRunId()))
                    .build()).getWorkflowExecutionInfo();
            var sa = info.getSearchAttributes().getIndexedFieldsMap();
            assertEquals("\"" + id + "\"", sa.get("TemporalScheduledById").getData().toStringUtf8());
            assertEquals("\"" + DateTimeFormatter.ISO_INSTANT.format(a.getScheduledAt().truncatedTo(ChronoUnit.SECONDS)) + "\"",
                    sa.get("TemporalScheduledStartTime").getData().toStringUtf8());
        }
        // The runs are in visibility under Temporal's scheduled-by attribute.
        ScheduleHarness.await("scheduled runs in visibility", Duration.ofSeconds(10), () -> h.raw().listWorkflowExecutions(
                ListWorkflowExecutionsRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                        .setQuery("TemporalScheduledById = '" + id + "'").build()).getExecutionsCount() >= 3);
        handle.delete();
    }

    @Test
    void cronCalendarsAndExclusionsInCanonicalFormWithMatchingTimes() {
        String id = ScheduleHarness.id("spec");
        Schedule schedule = Schedule.newBuilder(quickEvery(Duration.ofHours(1), "wf-" + id).build())
                .setSpec(ScheduleSpec.newBuilder()
                        .setCronExpressions(List.of("CRON_TZ=America/New_York 30 9 * * MON-FRI"))
                        .setSkip(List.of(ScheduleCalendarSpec.newBuilder()
                                .setDayOfMonth(List.of(new ScheduleRange(25)))
                                .setMonth(List.of(new ScheduleRange(12)))
                                .setHour(List.of(new ScheduleRange(0, 23))).setMinutes(List.of(new ScheduleRange(0, 59)))
                                .setSeconds(List.of(new ScheduleRange(0, 59))).build()))
                        .setStartAt(Instant.parse("2030-12-20T00:00:00Z"))
                        .setEndAt(Instant.parse("2030-12-31T00:00:00Z"))
                        .build())
                .build();
        ScheduleHandle handle = h.schedules.createSchedule(id, schedule, ScheduleOptions.newBuilder().build());
        ScheduleSpec spec = handle.describe().getSchedule().getSpec();
        assertEquals(List.of(), spec.getCronExpressions());
        assertEquals("America/New_York", spec.getTimeZoneName());
        assertEquals(1, spec.getCalendars().size());
        ScheduleCalendarSpec cal = spec.getCalendars().get(0);
        assertEquals(List.of(new ScheduleRange(9, 9, 1)), cal.getHour());
        assertEquals(List.of(new ScheduleRange(30, 30, 1)), cal.getMinutes());
        assertEquals(List.of(new ScheduleRange(1, 5, 1)), cal.getDayOfWeek());
        var times = h.raw().listScheduleMatchingTimes(ListScheduleMatchingTimesRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setScheduleId(id)
                .setStartTime(ts(Instant.parse("2030-01-01T00:00:00Z"))).setEndTime(ts(Instant.parse("2031-01-01T00:00:00Z")))
                .build()).getStartTimeList().stream().map(t -> Instant.ofEpochSecond(t.getSeconds())).toList();
        // Weekdays from Dec 20 to Dec 30, 2030, 09:30 New York (EST, UTC-5), without Christmas.
        assertEquals(List.of("2030-12-20T14:30:00Z", "2030-12-23T14:30:00Z", "2030-12-24T14:30:00Z", "2030-12-26T14:30:00Z",
                "2030-12-27T14:30:00Z", "2030-12-30T14:30:00Z"), times.stream().map(Instant::toString).toList());
        handle.delete();
    }

    @Test
    void secondsCalendarWithPhaseAndJitterFires() {
        String id = ScheduleHarness.id("seconds");
        Schedule schedule = Schedule.newBuilder(quickEvery(Duration.ofHours(1), "wf-" + id).build())
                .setSpec(ScheduleSpec.newBuilder()
                        .setCalendars(List.of(ScheduleCalendarSpec.newBuilder()
                                .setSeconds(List.of(new ScheduleRange(0, 59, 2)))
                                .setMinutes(List.of(new ScheduleRange(0, 59))).setHour(List.of(new ScheduleRange(0, 23)))
                                .build()))
                        .setJitter(Duration.ofMillis(800))
                        .build())
                .build();
        ScheduleHandle handle = h.schedules.createSchedule(id, schedule, ScheduleOptions.newBuilder().build());
        ScheduleHarness.awaitActions(handle, 2, Duration.ofSeconds(30));
        for (var a : handle.describe().getInfo().getRecentActions()) {
            assertEquals(0, a.getScheduledAt().getEpochSecond() % 2, "every even second, jitter under a second: "
                    + a.getScheduledAt());
        }
        handle.delete();
    }

    @Test
    void pauseUnpauseWithNotes() {
        String id = ScheduleHarness.id("pause");
        ScheduleHandle handle = h.schedules.createSchedule(id, quickEvery(Duration.ofHours(1), "wf-" + id).build(),
                ScheduleOptions.newBuilder().build());
        assertFalse(handle.describe().getSchedule().getState().isPaused());
        handle.pause("maintenance");
        ScheduleDescription d = handle.describe();
        assertTrue(d.getSchedule().getState().isPaused());
        assertEquals("maintenance", d.getSchedule().getState().getNote());
        handle.unpause();
        d = handle.describe();
        assertFalse(d.getSchedule().getState().isPaused());
        assertEquals("Unpaused via Java SDK", d.getSchedule().getState().getNote());
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "Schedule notes exceeds limit.", () -> h.raw().patchSchedule(
                PatchScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setScheduleId(id)
                        .setPatch(io.temporal.api.schedule.v1.SchedulePatch.newBuilder().setPause("n".repeat(1001))).build()));
        handle.delete();
        assertThrows(ScheduleException.class, () -> handle.unpause(""));
    }

    @Test
    void triggerWhilePausedAndBackfill() {
        String id = ScheduleHarness.id("trigger");
        Schedule schedule = Schedule.newBuilder(quickEvery(Duration.ofSeconds(1), "wf-" + id).build())
                .setState(ScheduleState.newBuilder().setPaused(true).build())
                .setPolicy(SchedulePolicy.newBuilder().setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL).build())
                .build();
        ScheduleHandle handle = h.schedules.createSchedule(id, schedule,
                ScheduleOptions.newBuilder().setTriggerImmediately(true).build());
        ScheduleHarness.awaitActions(handle, 1, Duration.ofSeconds(20));
        handle.trigger();
        ScheduleHarness.awaitActions(handle, 2, Duration.ofSeconds(20));
        // A paused schedule takes no scheduled action, but backfills run: ten seconds of a one-second interval.
        Instant base = Instant.parse("2024-01-01T00:00:00Z");
        handle.backfill(List.of(new ScheduleBackfill(base, base.plusSeconds(9))));
        ScheduleHarness.awaitActions(handle, 12, Duration.ofSeconds(60));
        ScheduleDescription d = handle.describe();
        assertEquals(12, d.getInfo().getNumActions());
        List<Instant> backfilled = d.getInfo().getRecentActions().stream().map(a -> a.getScheduledAt())
                .filter(t -> t.isBefore(base.plusSeconds(60))).sorted().toList();
        assertEquals(base.plusSeconds(9), backfilled.get(backfilled.size() - 1));
        handle.delete();
    }

    @Test
    void limitedActionsStopAtZero() {
        String id = ScheduleHarness.id("limited");
        Schedule schedule = Schedule.newBuilder(quickEvery(Duration.ofSeconds(1), "wf-" + id).build())
                .setState(ScheduleState.newBuilder().setLimitedAction(true).setRemainingActions(3).build()).build();
        ScheduleHandle handle = h.schedules.createSchedule(id, schedule, ScheduleOptions.newBuilder().build());
        ScheduleHarness.awaitActions(handle, 3, Duration.ofSeconds(30));
        sleep(2500);
        ScheduleDescription d = handle.describe();
        assertEquals(3, d.getInfo().getNumActions());
        assertEquals(0, d.getSchedule().getState().getRemainingActions());
        assertTrue(d.getSchedule().getState().isLimitedAction());
        assertEquals(List.of(), d.getInfo().getNextActionTimes());
        handle.delete();
    }

    @Test
    void updateReplacesTheScheduleAndChecksTheConflictToken() {
        String id = ScheduleHarness.id("update");
        ScheduleHandle handle = h.schedules.createSchedule(id, quickEvery(Duration.ofHours(1), "wf-" + id).build(),
                ScheduleOptions.newBuilder().setMemo(Map.of("memokey2", "memoval2"))
                        .setTypedSearchAttributes(SearchAttributes.newBuilder().set(KEYWORD, "blue").build()).build());
        Instant created = handle.describe().getInfo().getCreatedAt();
        handle.update(input -> {
            Schedule.Builder b = Schedule.newBuilder(input.getDescription().getSchedule());
            ScheduleActionStartWorkflow a = (ScheduleActionStartWorkflow) input.getDescription().getSchedule().getAction();
            b.setAction(ScheduleActionStartWorkflow.newBuilder(a).setOptions(WorkflowOptions.newBuilder(a.getOptions())
                    .setWorkflowTaskTimeout(Duration.ofMinutes(7)).build()).build());
            b.setState(ScheduleState.newBuilder().setPaused(true).setNote("updated").build());
            return new ScheduleUpdate(b.build());
        });
        ScheduleDescription d = handle.describe();
        assertEquals(Duration.ofMinutes(7), ((ScheduleActionStartWorkflow) d.getSchedule().getAction()).getOptions()
                .getWorkflowTaskTimeout());
        assertTrue(d.getSchedule().getState().isPaused());
        assertEquals("memoval2", d.getMemo("memokey2", String.class));
        assertEquals("blue", d.getTypedSearchAttributes().get(KEYWORD));
        assertTrue(d.getInfo().getLastUpdatedAt() != null && !d.getInfo().getLastUpdatedAt().isBefore(created));
        // An empty set of search attributes clears them; none leaves them.
        handle.update(input -> new ScheduleUpdate(input.getDescription().getSchedule(), SearchAttributes.EMPTY));
        assertEquals(0, handle.describe().getTypedSearchAttributes().size());
        // A stale conflict token is refused.
        var raw = h.raw().describeSchedule(DescribeScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                .setScheduleId(id).build());
        h.raw().updateSchedule(UpdateScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setScheduleId(id)
                .setSchedule(raw.getSchedule()).setConflictToken(raw.getConflictToken()).setRequestId("u1").build());
        Clients.assertStatus(Status.Code.FAILED_PRECONDITION, "mismatched conflict token", () -> h.raw().updateSchedule(
                UpdateScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setScheduleId(id)
                        .setSchedule(raw.getSchedule()).setConflictToken(raw.getConflictToken()).setRequestId("u2").build()));
        handle.delete();
    }

    @Test
    void listAndCountWithQueriesAndPaging() {
        String prefix = ScheduleHarness.id("list");
        Schedule schedule = Schedule.newBuilder(quickEvery(Duration.ofHours(1), "wf-" + prefix).build())
                .setState(ScheduleState.newBuilder().setPaused(true).setNote("listed").build()).build();
        h.schedules.createSchedule(prefix + "-a", schedule, ScheduleOptions.newBuilder().setMemo(Map.of("k", "v"))
                .setTypedSearchAttributes(SearchAttributes.newBuilder().set(KEYWORD, prefix).build()).build());
        h.schedules.createSchedule(prefix + "-b", schedule, ScheduleOptions.newBuilder().build());
        h.schedules.createSchedule(prefix + "-c", schedule, ScheduleOptions.newBuilder().build());
        List<ScheduleListDescription> all = h.schedules.listSchedules(1).filter(s -> s.getScheduleId().startsWith(prefix))
                .collect(Collectors.toList());
        assertEquals(3, all.size(), "paging one at a time reaches all three");
        ScheduleListDescription a = all.stream().filter(s -> s.getScheduleId().equals(prefix + "-a")).findFirst().orElseThrow();
        assertEquals("v", a.getMemo("k", String.class));
        assertEquals("listed", a.getSchedule().getState().getNote());
        assertTrue(a.getSchedule().getState().isPaused());
        assertEquals("ScheduleQuick", ((io.temporal.client.schedules.ScheduleListActionStartWorkflow) a.getSchedule().getAction())
                .getWorkflow());
        assertEquals(1, h.schedules.listSchedules("ScheduleTag = '" + prefix + "'", null).count());
        assertEquals(1, h.schedules.listSchedules("ScheduleId = '" + prefix + "-b'", null).count());
        assertEquals(3, h.schedules.listSchedules("ScheduleId STARTS_WITH '" + prefix + "' AND TemporalSchedulePaused = true",
                null).count());
        assertEquals(3, h.raw().countSchedules(io.temporal.api.workflowservice.v1.CountSchedulesRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setQuery("ScheduleId STARTS_WITH '" + prefix + "'").build()).getCount());
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "cannot filter on \"WorkflowType\"", () -> h.schedules
                .listSchedules("WorkflowType = 'x'", null).count());
        // The scheduler rows are Temporal's: visible to a workflow list that asks for the division, hidden otherwise.
        assertEquals(3, h.raw().listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setQuery("TemporalNamespaceDivision = 'TemporalScheduler' AND "
                        + "WorkflowId STARTS_WITH 'temporal-sys-scheduler:" + prefix + "'").build()).getExecutionsCount());
        assertEquals(0, h.raw().listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setQuery("WorkflowId STARTS_WITH 'temporal-sys-scheduler:" + prefix + "'")
                .build()).getExecutionsCount());
        for (String s : List.of("-a", "-b", "-c")) {
            h.schedules.getHandle(prefix + s).delete();
        }
        assertEquals(0, h.schedules.listSchedules("ScheduleId STARTS_WITH '" + prefix + "'", null).count());
    }

    @Test
    void badInputGetsPreciseErrors() {
        var create = io.temporal.api.workflowservice.v1.CreateScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                .setRequestId("r").setScheduleId(ScheduleHarness.id("bad"))
                .setSchedule(io.temporal.api.schedule.v1.Schedule.newBuilder()
                        .setAction(io.temporal.api.schedule.v1.ScheduleAction.newBuilder().setStartWorkflow(
                                io.temporal.api.workflow.v1.NewWorkflowExecutionInfo.newBuilder().setWorkflowId("w")
                                        .setWorkflowType(io.temporal.api.common.v1.WorkflowType.newBuilder().setName("T"))
                                        .setTaskQueue(io.temporal.api.taskqueue.v1.TaskQueue.newBuilder().setName(h.taskQueue))))
                        .setSpec(io.temporal.api.schedule.v1.ScheduleSpec.newBuilder().addCronString("61 * * * *")))
                .build();
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "Invalid schedule spec", () -> h.raw().createSchedule(create));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "ScheduleId is not set", () -> h.raw().createSchedule(
                create.toBuilder().setScheduleId("").build()));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "RequestId is not set", () -> h.raw().createSchedule(
                create.toBuilder().setRequestId("").build()));
        var e = Clients.assertStatus(Status.Code.NOT_FOUND, () -> h.raw().createSchedule(
                create.toBuilder().setNamespace("no-such-namespace").build()));
        Clients.detail(e, NamespaceNotFoundFailure.class);
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "missing or invalid query", () -> h.raw().listScheduleMatchingTimes(
                ListScheduleMatchingTimesRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setScheduleId("x").build()));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "Patch is not set", () -> h.raw().patchSchedule(
                PatchScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setScheduleId("x").build()));
        Clients.assertStatus(Status.Code.NOT_FOUND, "schedule not found", () -> h.raw().patchSchedule(
                PatchScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setScheduleId(ScheduleHarness.id("none"))
                        .setPatch(io.temporal.api.schedule.v1.SchedulePatch.newBuilder().setPause("p")).build()));
    }

    static com.google.protobuf.Timestamp ts(Instant i) {
        return com.google.protobuf.Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
