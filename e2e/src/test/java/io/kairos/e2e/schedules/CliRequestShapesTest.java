package io.kairos.e2e.schedules;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.kairos.e2e.Clients;
import io.temporal.api.batch.v1.BatchOperationTermination;
import io.temporal.api.common.v1.Memo;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.BatchOperationState;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.schedule.v1.BackfillRequest;
import io.temporal.api.schedule.v1.IntervalSpec;
import io.temporal.api.schedule.v1.Schedule;
import io.temporal.api.schedule.v1.ScheduleAction;
import io.temporal.api.schedule.v1.SchedulePatch;
import io.temporal.api.schedule.v1.SchedulePolicies;
import io.temporal.api.schedule.v1.ScheduleSpec;
import io.temporal.api.schedule.v1.ScheduleState;
import io.temporal.api.schedule.v1.TriggerImmediatelyRequest;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.NewWorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.*;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What `temporal schedule create/list/describe/toggle/trigger/backfill/update/list-matching-times/delete`,
 * `temporal workflow terminate --query` and `temporal batch describe/list/terminate` send: the request shapes of the
 * CLI's Go code (through the Go SDK's schedule client), with the CLI's headers, and the answers the CLI reads.
 */
class CliRequestShapesTest {
    static ScheduleHarness h;
    static WorkflowServiceGrpc.WorkflowServiceBlockingStub cli;
    static final String IDENTITY = "12345@laptop@";

    @BeforeAll
    static void start() {
        h = ScheduleHarness.devServer("cli-shapes");
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("client-name", Metadata.ASCII_STRING_MARSHALLER), "temporal-cli");
        headers.put(Metadata.Key.of("client-version", Metadata.ASCII_STRING_MARSHALLER), "1.5.1");
        headers.put(Metadata.Key.of("supported-server-versions", Metadata.ASCII_STRING_MARSHALLER), ">=1.0.0 <2.0.0");
        headers.put(Metadata.Key.of("caller-type", Metadata.ASCII_STRING_MARSHALLER), "operator");
        headers.put(Metadata.Key.of("temporal-namespace", Metadata.ASCII_STRING_MARSHALLER), ScheduleHarness.NAMESPACE);
        cli = h.raw().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static Duration seconds(long s) {
        return Duration.newBuilder().setSeconds(s).build();
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    private static Payload json(String jsonText) {
        return Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                .setData(ByteString.copyFromUtf8(jsonText)).build();
    }

    /**
     * `temporal schedule create --schedule-id ID --cron '0 12 * * MON' --calendar '{"hour":"9","minute":"30",
     * "dayOfWeek":"MON-FRI","comment":"standup"}' --interval 10m/1m --workflow-id W --task-queue Q --type T
     * --input '"x"' --overlap-policy BufferOne --catchup-window 5m --pause-on-failure --notes n --remaining-actions 3
     * --schedule-memo k='"v"'`: the Go SDK sends zero durations and phases explicitly and the calendar as a 7-field cron.
     */
    private static CreateScheduleRequest create(String id) {
        ScheduleSpec spec = ScheduleSpec.newBuilder()
                .addCronString("0 12 * * MON")
                .addCronString("0 30 9 * * MON-FRI * # standup")
                .addInterval(IntervalSpec.newBuilder().setInterval(seconds(600)).setPhase(seconds(60)))
                .setJitter(seconds(0))
                .build();
        NewWorkflowExecutionInfo start = NewWorkflowExecutionInfo.newBuilder()
                .setWorkflowId("wf-" + id)
                .setWorkflowType(WorkflowType.newBuilder().setName("ScheduleQuick"))
                .setTaskQueue(TaskQueue.newBuilder().setName(h.taskQueue).setKind(TaskQueueKind.TASK_QUEUE_KIND_NORMAL))
                .setInput(Payloads.newBuilder().addPayloads(json("\"x\"")))
                .setWorkflowExecutionTimeout(seconds(0)).setWorkflowRunTimeout(seconds(0)).setWorkflowTaskTimeout(seconds(0))
                .setMemo(Memo.getDefaultInstance())
                .build();
        return CreateScheduleRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setScheduleId(id).setRequestId(UUID.randomUUID().toString())
                .setSchedule(Schedule.newBuilder().setSpec(spec)
                        .setAction(ScheduleAction.newBuilder().setStartWorkflow(start))
                        .setPolicies(SchedulePolicies.newBuilder()
                                .setOverlapPolicy(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE)
                                .setCatchupWindow(seconds(300)).setPauseOnFailure(true))
                        .setState(ScheduleState.newBuilder().setNotes("n").setLimitedActions(true).setRemainingActions(3)))
                .setIdentity(IDENTITY)
                .setMemo(Memo.newBuilder().putFields("k", json("\"v\"")))
                .build();
    }

    private static DescribeScheduleResponse describe(String id) {
        return cli.describeSchedule(DescribeScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                .setScheduleId(id).build());
    }

    private static PatchScheduleRequest patch(String id, SchedulePatch p) {
        return PatchScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setScheduleId(id).setPatch(p)
                .setIdentity(IDENTITY).setRequestId(UUID.randomUUID().toString()).build();
    }

    @Test
    void scheduleCommands() {
        assertTrue(cli.getSystemInfo(GetSystemInfoRequest.getDefaultInstance()).getCapabilities().getSupportsSchedules());
        String id = ScheduleHarness.id("cli");
        CreateScheduleResponse created = cli.createSchedule(create(id));
        assertEquals(8, created.getConflictToken().size());

        // schedule list (the CLI's --output json path: raw pages until the token is empty)
        List<io.temporal.api.schedule.v1.ScheduleListEntry> entries = new ArrayList<>();
        ByteString token = ByteString.EMPTY;
        do {
            ListSchedulesResponse page = cli.listSchedules(ListSchedulesRequest.newBuilder()
                    .setNamespace(ScheduleHarness.NAMESPACE).setNextPageToken(token).setQuery("").build());
            entries.addAll(page.getSchedulesList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        var entry = entries.stream().filter(e -> e.getScheduleId().equals(id)).findFirst().orElseThrow();
        assertEquals("ScheduleQuick", entry.getInfo().getWorkflowType().getName());
        assertEquals(2, entry.getInfo().getSpec().getStructuredCalendarCount(), "both cron strings as calendars");
        assertEquals("standup", entry.getInfo().getSpec().getStructuredCalendar(1).getComment());
        assertEquals(3, entry.getInfo().getFutureActionTimesCount(), "five at most, and no more than the remaining actions");
        assertEquals("\"v\"", entry.getMemo().getFieldsMap().get("k").getData().toStringUtf8());

        // schedule describe
        DescribeScheduleResponse d = describe(id);
        assertEquals(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, d.getSchedule().getPolicies().getOverlapPolicy());
        assertEquals(300, d.getSchedule().getPolicies().getCatchupWindow().getSeconds());
        assertTrue(d.getSchedule().getPolicies().getPauseOnFailure());
        assertEquals(0, d.getSchedule().getSpec().getCronStringCount());
        assertEquals(600, d.getSchedule().getSpec().getInterval(0).getInterval().getSeconds());
        assertEquals(60, d.getSchedule().getSpec().getInterval(0).getPhase().getSeconds());
        assertEquals(3, d.getSchedule().getState().getRemainingActions());
        assertEquals(3, d.getInfo().getFutureActionTimesCount(), "no more future times than remaining actions");
        assertTrue(d.getInfo().hasCreateTime());

        // schedule toggle --pause --reason "deploy", then --unpause without a reason
        cli.patchSchedule(patch(id, SchedulePatch.newBuilder().setPause("deploy").build()));
        assertTrue(describe(id).getSchedule().getState().getPaused());
        assertEquals("deploy", describe(id).getSchedule().getState().getNotes());
        cli.patchSchedule(patch(id, SchedulePatch.newBuilder().setUnpause("Unpaused via Go SDK").build()));
        assertFalse(describe(id).getSchedule().getState().getPaused());

        // schedule trigger --overlap-policy AllowAll
        cli.patchSchedule(patch(id, SchedulePatch.newBuilder().setTriggerImmediately(TriggerImmediatelyRequest.newBuilder()
                .setOverlapPolicy(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL)).build()));
        ScheduleHarness.await("the trigger's action", java.time.Duration.ofSeconds(20),
                () -> describe(id).getInfo().getActionCount() == 1);
        assertEquals(3, describe(id).getSchedule().getState().getRemainingActions(), "manual actions don't count");

        // schedule backfill --start-time --end-time --overlap-policy AllowAll: the 10-minute interval (phase 1 m) in an hour
        Instant from = Instant.parse("2024-06-01T00:00:00Z");
        cli.patchSchedule(patch(id, SchedulePatch.newBuilder().addBackfillRequest(BackfillRequest.newBuilder()
                .setStartTime(ts(from)).setEndTime(ts(from.plusSeconds(3599)))
                .setOverlapPolicy(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL)).build()));
        ScheduleHarness.await("six backfilled actions", java.time.Duration.ofSeconds(30),
                () -> describe(id).getInfo().getActionCount() == 7);

        // schedule update: describe, then replace the whole schedule (no conflict token, as the Go SDK sends)
        Schedule replaced = create(id).getSchedule().toBuilder()
                .setState(ScheduleState.newBuilder().setNotes("updated").setPaused(true)).build();
        cli.updateSchedule(UpdateScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setScheduleId(id)
                .setSchedule(replaced).setIdentity(IDENTITY).setRequestId(UUID.randomUUID().toString()).build());
        d = describe(id);
        assertEquals("updated", d.getSchedule().getState().getNotes());
        assertTrue(d.getInfo().hasUpdateTime());

        // schedule list-matching-times
        var times = cli.listScheduleMatchingTimes(ListScheduleMatchingTimesRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setScheduleId(id)
                .setStartTime(ts(from)).setEndTime(ts(from.plusSeconds(3600))).build());
        assertEquals(6, times.getStartTimeCount());
        assertEquals(from.plusSeconds(60).getEpochSecond(), times.getStartTime(0).getSeconds());

        // schedule delete
        cli.deleteSchedule(DeleteScheduleRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setScheduleId(id)
                .setIdentity(IDENTITY).build());
        Clients.assertStatus(Status.Code.NOT_FOUND, () -> describe(id));
    }

    @Test
    void workflowTerminateWithAQueryAndTheBatchCommands() {
        String prefix = ScheduleHarness.id("cli-batch");
        for (int i = 0; i < 3; i++) {
            ScheduleWorkflows.Blocking wf = h.client.newWorkflowStub(ScheduleWorkflows.Blocking.class,
                    WorkflowOptions.newBuilder().setWorkflowId(prefix + "-" + i).setTaskQueue(h.taskQueue).build());
            WorkflowClient.start(wf::run, 300);
        }
        String query = "WorkflowId STARTS_WITH '" + prefix + "'";
        ScheduleHarness.await("visible", java.time.Duration.ofSeconds(20), () -> cli.countWorkflowExecutions(
                CountWorkflowExecutionsRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setQuery(query).build())
                .getCount() == 3);
        // temporal workflow terminate --query Q (after the confirmation prompt's count)
        String job = UUID.randomUUID().toString();
        cli.startBatchOperation(StartBatchOperationRequest.newBuilder().setMaxOperationsPerSecond(0)
                .setNamespace(ScheduleHarness.NAMESPACE).setJobId(job).setVisibilityQuery(query)
                .setReason("Requested from CLI by tester")
                .setTerminationOperation(BatchOperationTermination.newBuilder().setIdentity(IDENTITY)).build());
        // temporal batch describe --job-id
        ScheduleHarness.await("the job done", java.time.Duration.ofSeconds(30), () -> cli.describeBatchOperation(
                DescribeBatchOperationRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setJobId(job).build())
                .getState() == BatchOperationState.BATCH_OPERATION_STATE_COMPLETED);
        var described = cli.describeBatchOperation(DescribeBatchOperationRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setJobId(job).build());
        assertEquals(3, described.getCompleteOperationCount());
        assertEquals("Requested from CLI by tester", described.getReason());
        // temporal batch list
        var listed = cli.listBatchOperations(ListBatchOperationsRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                .setNextPageToken(ByteString.EMPTY).build());
        assertTrue(listed.getOperationInfoList().stream().anyMatch(i -> i.getJobId().equals(job)));
        // temporal batch terminate --job-id (stop): the job is done, so NOT_FOUND, which the CLI reports as such
        Clients.assertStatus(Status.Code.NOT_FOUND, () -> cli.stopBatchOperation(StopBatchOperationRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setJobId(job).setReason("stop").setIdentity(IDENTITY).build()));
        ScheduleHarness.await("none running in visibility", java.time.Duration.ofSeconds(10), () -> cli.countWorkflowExecutions(
                CountWorkflowExecutionsRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                        .setQuery(query + " AND ExecutionStatus = 'Running'").build()).getCount() == 0);
    }
}
