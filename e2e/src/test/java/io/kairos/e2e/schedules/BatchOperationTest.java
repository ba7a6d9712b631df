package io.kairos.e2e.schedules;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.kairos.e2e.Clients;
import io.temporal.api.batch.v1.BatchOperationCancellation;
import io.temporal.api.batch.v1.BatchOperationDeletion;
import io.temporal.api.batch.v1.BatchOperationReset;
import io.temporal.api.batch.v1.BatchOperationSignal;
import io.temporal.api.batch.v1.BatchOperationTermination;
import io.temporal.api.common.v1.ResetOptions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.BatchOperationState;
import io.temporal.api.enums.v1.BatchOperationType;
import io.temporal.api.enums.v1.ResourceExhaustedCause;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.errordetails.v1.ResourceExhaustedFailure;
import io.temporal.api.workflowservice.v1.DescribeBatchOperationRequest;
import io.temporal.api.workflowservice.v1.DescribeBatchOperationResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.ListBatchOperationsRequest;
import io.temporal.api.workflowservice.v1.StartBatchOperationRequest;
import io.temporal.api.workflowservice.v1.StopBatchOperationRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batch operations through the raw WorkflowService API (the SDKs have no client for them), as the CLI sends them. */
class BatchOperationTest {
    static ScheduleHarness h;

    @BeforeAll
    static void start() {
        h = ScheduleHarness.devServer("batch");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    /** n blocking workflows with ids prefix-0..n-1, all started (their first workflow task done). */
    static List<WorkflowExecution> blocking(String prefix, int n) {
        List<WorkflowExecution> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ScheduleWorkflows.Blocking wf = h.client.newWorkflowStub(ScheduleWorkflows.Blocking.class,
                    WorkflowOptions.newBuilder().setWorkflowId(prefix + "-" + i).setTaskQueue(h.taskQueue).build());
            out.add(WorkflowClient.start(wf::run, 300));
        }
        ScheduleHarness.await("the workflows in visibility", Duration.ofSeconds(20), () -> h.raw().countWorkflowExecutions(
                io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                        .setQuery(startsWith(prefix)).build()).getCount() == n);
        return out;
    }

    static String startsWith(String prefix) {
        return "WorkflowId STARTS_WITH '" + prefix + "'";
    }

    static WorkflowExecutionStatus status(WorkflowExecution e) {
        return h.raw().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setExecution(e).build()).getWorkflowExecutionInfo().getStatus();
    }

    static DescribeBatchOperationResponse describe(String job) {
        return h.raw().describeBatchOperation(DescribeBatchOperationRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setJobId(job).build());
    }

    static DescribeBatchOperationResponse awaitDone(String job) {
        ScheduleHarness.await("batch " + job + " done", Duration.ofSeconds(60),
                () -> describe(job).getState() != BatchOperationState.BATCH_OPERATION_STATE_RUNNING);
        return describe(job);
    }

    static StartBatchOperationRequest.Builder request(String job) {
        return StartBatchOperationRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setJobId(job)
                .setReason("testing batches");
    }

    @Test
    void terminateByQuery() {
        String prefix = ScheduleHarness.id("batch-terminate");
        List<WorkflowExecution> wfs = blocking(prefix, 5);
        String job = UUID.randomUUID().toString();
        h.raw().startBatchOperation(request(job).setVisibilityQuery(startsWith(prefix))
                .setTerminationOperation(BatchOperationTermination.newBuilder().setIdentity("batch-tester")).build());
        DescribeBatchOperationResponse d = awaitDone(job);
        assertEquals(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED, d.getState());
        assertEquals(BatchOperationType.BATCH_OPERATION_TYPE_TERMINATE_WORKFLOW, d.getOperationType());
        assertEquals(5, d.getTotalOperationCount());
        assertEquals(5, d.getCompleteOperationCount());
        assertEquals(0, d.getFailureOperationCount());
        assertEquals("batch-tester", d.getIdentity());
        assertEquals("testing batches", d.getReason());
        assertEquals(startsWith(prefix), d.getQuery());
        assertTrue(d.hasCloseTime());
        for (WorkflowExecution e : wfs) {
            assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, status(e));
        }
        // A finished job's id is never reused; stopping it is NOT_FOUND, as terminating a closed workflow.
        Clients.assertStatus(Status.Code.ALREADY_EXISTS, () -> h.raw().startBatchOperation(request(job)
                .setVisibilityQuery(startsWith(prefix)).setTerminationOperation(BatchOperationTermination.getDefaultInstance())
                .build()));
        Clients.assertStatus(Status.Code.NOT_FOUND, () -> h.raw().stopBatchOperation(StopBatchOperationRequest.newBuilder()
                .setNamespace(ScheduleHarness.NAMESPACE).setJobId(job).setReason("late").build()));
        assertTrue(h.raw().listBatchOperations(ListBatchOperationsRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                .build()).getOperationInfoList().stream().anyMatch(i -> i.getJobId().equals(job)
                && i.getState() == BatchOperationState.BATCH_OPERATION_STATE_COMPLETED));
    }

    @Test
    void signalExplicitExecutions() {
        String prefix = ScheduleHarness.id("batch-signal");
        List<WorkflowExecution> wfs = blocking(prefix, 3);
        String job = UUID.randomUUID().toString();
        h.raw().startBatchOperation(request(job).addAllExecutions(wfs)
                .setSignalOperation(BatchOperationSignal.newBuilder().setSignal("release")).build());
        DescribeBatchOperationResponse d = awaitDone(job);
        assertEquals(BatchOperationType.BATCH_OPERATION_TYPE_SIGNAL_WORKFLOW, d.getOperationType());
        assertEquals(3, d.getCompleteOperationCount());
        assertEquals(3, d.getExecutionsCount());
        for (WorkflowExecution e : wfs) {
            assertEquals("released", h.client.newUntypedWorkflowStub(e, java.util.Optional.empty()).getResult(String.class));
        }
    }

    @Test
    void cancelThenDeleteByQuery() {
        String prefix = ScheduleHarness.id("batch-cancel");
        List<WorkflowExecution> wfs = blocking(prefix, 3);
        String cancel = UUID.randomUUID().toString();
        h.raw().startBatchOperation(request(cancel).setVisibilityQuery(startsWith(prefix))
                .setCancellationOperation(BatchOperationCancellation.getDefaultInstance()).build());
        assertEquals(3, awaitDone(cancel).getCompleteOperationCount());
        ScheduleHarness.await("all canceled", Duration.ofSeconds(20), () -> wfs.stream()
                .allMatch(e -> status(e) == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED));
        String delete = UUID.randomUUID().toString();
        h.raw().startBatchOperation(request(delete).setVisibilityQuery(startsWith(prefix))
                .setDeletionOperation(BatchOperationDeletion.getDefaultInstance()).build());
        assertEquals(3, awaitDone(delete).getCompleteOperationCount());
        for (WorkflowExecution e : wfs) {
            Clients.assertStatus(Status.Code.NOT_FOUND, () -> status(e));
        }
    }

    @Test
    void resetByQueryResetsEachRunOnce() {
        String prefix = ScheduleHarness.id("batch-reset");
        List<WorkflowExecution> wfs = blocking(prefix, 2);
        String job = UUID.randomUUID().toString();
        h.raw().startBatchOperation(request(job).setVisibilityQuery(startsWith(prefix))
                .setResetOperation(BatchOperationReset.newBuilder().setOptions(ResetOptions.newBuilder()
                        .setFirstWorkflowTask(com.google.protobuf.Empty.getDefaultInstance()))).build());
        DescribeBatchOperationResponse d = awaitDone(job);
        assertEquals(BatchOperationType.BATCH_OPERATION_TYPE_RESET_WORKFLOW, d.getOperationType());
        assertEquals(2, d.getCompleteOperationCount(), "the runs the resets created are not reset again");
        for (WorkflowExecution e : wfs) {
            assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, status(e));
            WorkflowExecution current = WorkflowExecution.newBuilder().setWorkflowId(e.getWorkflowId()).build();
            assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, status(current));
            h.client.newWorkflowStub(ScheduleWorkflows.Blocking.class, e.getWorkflowId()).release();
        }
    }

    @Test
    void rateLimitStopAndTheConcurrencyLimit() {
        String prefix = ScheduleHarness.id("batch-slow");
        blocking(prefix, 8);
        String job = UUID.randomUUID().toString();
        long started = System.nanoTime();
        h.raw().startBatchOperation(request(job).setVisibilityQuery(startsWith(prefix)).setMaxOperationsPerSecond(2)
                .setTerminationOperation(BatchOperationTermination.getDefaultInstance()).build());
        // Temporal runs one batch operation per namespace at a time.
        var busy = Clients.assertStatus(Status.Code.RESOURCE_EXHAUSTED, "Max concurrent batch operations is reached",
                () -> h.raw().startBatchOperation(request(UUID.randomUUID().toString()).setVisibilityQuery(startsWith(prefix))
                        .setTerminationOperation(BatchOperationTermination.getDefaultInstance()).build()));
        assertEquals(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
                Clients.detail(busy, ResourceExhaustedFailure.class).getCause());
        ScheduleHarness.await("some progress", Duration.ofSeconds(20), () -> describe(job).getCompleteOperationCount() >= 2);
        h.raw().stopBatchOperation(StopBatchOperationRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                .setJobId(job).setReason("enough").build());
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        DescribeBatchOperationResponse d = describe(job);
        assertEquals(BatchOperationState.BATCH_OPERATION_STATE_FAILED, d.getState());
        assertEquals(8, d.getTotalOperationCount(), "the estimate while not completed");
        assertTrue(elapsedMs >= 500, "two operations a second: the second comes after half a second, took " + elapsedMs);
        ScheduleClientTest.sleep(1500);
        long done = describe(job).getCompleteOperationCount();
        assertTrue(done < 8, "stopped before the end: " + done);
        // Release the rest.
        String cleanup = UUID.randomUUID().toString();
        h.raw().startBatchOperation(request(cleanup).setVisibilityQuery(startsWith(prefix))
                .setTerminationOperation(BatchOperationTermination.getDefaultInstance()).build());
        awaitDone(cleanup);
    }

    /** n workflows whose one activity failed once and now waits out an hour-long backoff. */
    static List<WorkflowExecution> backingOff(String prefix, int n) {
        List<WorkflowExecution> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ScheduleWorkflows.LongBackoff wf = h.client.newWorkflowStub(ScheduleWorkflows.LongBackoff.class,
                    WorkflowOptions.newBuilder().setWorkflowId(prefix + "-" + i).setTaskQueue(h.taskQueue).build());
            out.add(WorkflowClient.start(wf::run));
        }
        for (WorkflowExecution e : out) {
            ScheduleHarness.await("the activity backing off", Duration.ofSeconds(20), () -> {
                var pending = h.raw().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespace(ScheduleHarness.NAMESPACE).setExecution(e).build()).getPendingActivitiesList();
                return !pending.isEmpty() && pending.get(0).getAttempt() == 2;
            });
        }
        return out;
    }

    @Test
    void unpauseActivitiesOfATypeAndResetActivities() throws Exception {
        String prefix = ScheduleHarness.id("batch-activities");
        List<WorkflowExecution> wfs = backingOff(prefix, 3);
        for (WorkflowExecution e : wfs.subList(0, 2)) {
            h.raw().pauseActivity(io.temporal.api.workflowservice.v1.PauseActivityRequest.newBuilder()
                    .setNamespace(ScheduleHarness.NAMESPACE).setExecution(e).setType("FirstCallFails").setReason("hold").build());
        }
        ScheduleHarness.await("paused in visibility", Duration.ofSeconds(20), () -> h.raw().countWorkflowExecutions(
                io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                        .setQuery(startsWith(prefix) + " AND TemporalPauseInfo = 'property:activityType=FirstCallFails'").build())
                .getCount() == 2);
        // As Temporal: unpausing a type visits the runs where that type is paused, whatever the query.
        String unpause = UUID.randomUUID().toString();
        h.raw().startBatchOperation(request(unpause).setVisibilityQuery(startsWith(prefix))
                .setUnpauseActivitiesOperation(io.temporal.api.batch.v1.BatchOperationUnpauseActivities.newBuilder()
                        .setType("FirstCallFails")).build());
        DescribeBatchOperationResponse d = awaitDone(unpause);
        assertEquals(BatchOperationType.BATCH_OPERATION_TYPE_UNPAUSE_ACTIVITY, d.getOperationType());
        assertEquals(2, d.getCompleteOperationCount());
        for (WorkflowExecution e : wfs.subList(0, 2)) {
            assertEquals("worked:" + e.getWorkflowId(), h.client.newUntypedWorkflowStub(e, java.util.Optional.empty())
                    .getResult(20, java.util.concurrent.TimeUnit.SECONDS, String.class));
        }
        // The third was never paused: resetting its activity dispatches it at once instead of after the backoff.
        String reset = UUID.randomUUID().toString();
        h.raw().startBatchOperation(request(reset).addExecutions(wfs.get(2))
                .setResetActivitiesOperation(io.temporal.api.batch.v1.BatchOperationResetActivities.newBuilder()
                        .setMatchAll(true)).build());
        assertEquals(1, awaitDone(reset).getCompleteOperationCount());
        assertEquals("worked:" + wfs.get(2).getWorkflowId(), h.client.newUntypedWorkflowStub(wfs.get(2), java.util.Optional.empty())
                .getResult(20, java.util.concurrent.TimeUnit.SECONDS, String.class));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "Either activity type must be set", () -> h.raw()
                .startBatchOperation(request("j").setVisibilityQuery("WorkflowId = 'x'")
                        .setUnpauseActivitiesOperation(io.temporal.api.batch.v1.BatchOperationUnpauseActivities.newBuilder()
                                .setType("")).build()));
    }

    @Test
    void badRequests() {
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "must provide required parameters", () -> h.raw()
                .startBatchOperation(StartBatchOperationRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                        .setJobId("j").setVisibilityQuery("WorkflowId = 'x'")
                        .setTerminationOperation(BatchOperationTermination.getDefaultInstance()).build()));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "JobId is not set on request.", () -> h.raw()
                .startBatchOperation(request("").setVisibilityQuery("WorkflowId = 'x'")
                        .setTerminationOperation(BatchOperationTermination.getDefaultInstance()).build()));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "mutually exclusive", () -> h.raw()
                .startBatchOperation(request("j").setVisibilityQuery("WorkflowId = 'x'")
                        .addExecutions(WorkflowExecution.newBuilder().setWorkflowId("x"))
                        .setTerminationOperation(BatchOperationTermination.getDefaultInstance()).build()));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "must provide signal name", () -> h.raw()
                .startBatchOperation(request("j").setVisibilityQuery("WorkflowId = 'x'")
                        .setSignalOperation(BatchOperationSignal.getDefaultInstance()).build()));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "invalid visibility query", () -> h.raw()
                .startBatchOperation(request("j").setVisibilityQuery("NoSuchAttribute = 'x'")
                        .setTerminationOperation(BatchOperationTermination.getDefaultInstance()).build()));
        Clients.assertStatus(Status.Code.NOT_FOUND, () -> h.raw().describeBatchOperation(DescribeBatchOperationRequest
                .newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setJobId("no-such-job").build()));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, "Reason is not set on request.", () -> h.raw()
                .stopBatchOperation(StopBatchOperationRequest.newBuilder().setNamespace(ScheduleHarness.NAMESPACE)
                        .setJobId("j").build()));
        Clients.assertStatus(Status.Code.INVALID_ARGUMENT, () -> h.raw().listBatchOperations(ListBatchOperationsRequest
                .newBuilder().setNamespace(ScheduleHarness.NAMESPACE).setNextPageToken(ByteString.copyFromUtf8("x")).build()));
    }
}
