package io.kairos.e2e.engine;

import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Durations;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.kairos.e2e.ServerProcess;
import io.kairos.e2e.engine.ActivityOperationsWorkflows.Behaviour;
import io.kairos.e2e.engine.ActivityOperationsWorkflows.Step;
import io.kairos.e2e.engine.ActivityOperationsWorkflows.StepsWorkflow;
import io.temporal.api.activity.v1.ActivityOptions;
import io.temporal.api.common.v1.RetryPolicy;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.errordetails.v1.NamespaceNotFoundFailure;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.PauseActivityRequest;
import io.temporal.api.workflowservice.v1.ResetActivityRequest;
import io.temporal.api.workflowservice.v1.UnpauseActivityRequest;
import io.temporal.api.workflowservice.v1.UpdateActivityOptionsRequest;
import io.temporal.api.workflowservice.v1.UpdateActivityOptionsResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.worker.WorkerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.kairos.e2e.engine.ActivityOperationsWorkflows.attempts;
import static io.kairos.e2e.engine.ActivityOperationsWorkflows.seen;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PauseActivity, UnpauseActivity, ResetActivity and UpdateActivityOptions through the raw WorkflowService stub (the
 * SDK has no client API for them), with SDK workers running the activities, as Temporal's own and the Java SDK's tests
 * (ActivityPauseTest, ActivityResetTest) use them: a paused activity gets no new attempt, its running attempt learns
 * of the pause by heartbeat (ActivityPausedException), a reset by ActivityResetException, and new options govern the
 * timers and retries that follow.
 */
class ActivityOperationsTest {
    private static WorkerHarness h;
    private static WorkerFactory workers;
    private static String queue;

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("activity-ops");
        queue = "activity-ops-" + UUID.randomUUID();
        workers = startWorkers(h.client, queue);
    }

    @AfterAll
    static void stop() {
        if (workers != null) {
            workers.shutdownNow();
        }
        if (h != null) {
            h.close();
        }
    }

    private static WorkerFactory startWorkers(WorkflowClient client, String taskQueue) {
        WorkerFactory f = WorkerFactory.newInstance(client);
        var w = f.newWorker(taskQueue);
        w.registerWorkflowImplementationTypes(ActivityOperationsWorkflows.StepsWorkflowImpl.class);
        w.registerActivitiesImplementations(new ActivityOperationsWorkflows.OpsImpl());
        f.start();
        return f;
    }

    private static WorkflowServiceGrpc.WorkflowServiceBlockingStub ops() {
        return h.service.blockingStub();
    }

    private static WorkflowExecution exec(String workflowId) {
        return WorkflowExecution.newBuilder().setWorkflowId(workflowId).build();
    }

    private static StepsWorkflow startWorkflow(WorkflowClient client, String workflowId, Step... steps) {
        StepsWorkflow wf = client.newWorkflowStub(StepsWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(queue).setWorkflowId(workflowId).build());
        WorkflowClient.start(wf::run, List.of(steps));
        return wf;
    }

    private static String result(StepsWorkflow wf) throws java.util.concurrent.TimeoutException {
        return WorkflowStub.fromTyped(wf).getResult(60, TimeUnit.SECONDS, String.class);
    }

    private static DescribeWorkflowExecutionResponse describe(WorkflowServiceGrpc.WorkflowServiceBlockingStub stub, String workflowId) {
        return stub.describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setExecution(exec(workflowId)).build());
    }

    /** The workflow's pending activity (the SDK names it with a random id), or null. */
    private static PendingActivityInfo pending(String workflowId) {
        return pending(ops(), workflowId);
    }

    private static PendingActivityInfo pending(WorkflowServiceGrpc.WorkflowServiceBlockingStub stub, String workflowId) {
        var all = describe(stub, workflowId).getPendingActivitiesList();
        return all.isEmpty() ? null : all.get(0);
    }

    private static String activityId(String workflowId) {
        return pending(workflowId).getActivityId();
    }

    private static PendingActivityInfo byId(String workflowId, String activityId) {
        return describe(ops(), workflowId).getPendingActivitiesList().stream()
                .filter(p -> p.getActivityId().equals(activityId)).findFirst().orElseThrow();
    }

    private static List<PendingActivityInfo> ofType(String workflowId, String type) {
        return describe(ops(), workflowId).getPendingActivitiesList().stream()
                .filter(p -> p.getActivityType().getName().equals(type)).toList();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(100);
        }
    }

    private static void awaitState(String workflowId, PendingActivityState state, int attempt) throws InterruptedException {
        await("the activity " + state + " at attempt " + attempt, () -> {
            PendingActivityInfo p = pending(workflowId);
            return p != null && p.getState() == state && p.getAttempt() == attempt;
        });
    }

    private static PauseActivityRequest.Builder pause(String workflowId) {
        return PauseActivityRequest.newBuilder().setNamespace("default").setExecution(exec(workflowId))
                .setIdentity("operator").setReason("maintenance");
    }

    private static UnpauseActivityRequest.Builder unpause(String workflowId) {
        return UnpauseActivityRequest.newBuilder().setNamespace("default").setExecution(exec(workflowId)).setIdentity("operator");
    }

    private static ResetActivityRequest.Builder reset(String workflowId) {
        return ResetActivityRequest.newBuilder().setNamespace("default").setExecution(exec(workflowId)).setIdentity("operator");
    }

    private static UpdateActivityOptionsRequest.Builder update(String workflowId) {
        return UpdateActivityOptionsRequest.newBuilder().setNamespace("default").setExecution(exec(workflowId)).setIdentity("operator");
    }

    private static String idleQueue() {
        return "no-worker-" + UUID.randomUUID();
    }

    // ---- pause ----

    @Test
    void aPausedRunningActivityFailsItsAttemptOnTheNextHeartbeatAndRetriesOnlyWhenUnpaused() throws Exception {
        String id = WorkerHarness.id("pause-running");
        StepsWorkflow wf = startWorkflow(h.client, id, Step.of(Behaviour.FAIL_WHEN_PAUSED).heartbeat(2).retry(1, 1, 0));
        awaitState(id, PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, 1);

        ops().pauseActivity(pause(id).setId(activityId(id)).build());
        PendingActivityInfo p = pending(id);
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_PAUSE_REQUESTED, p.getState(), "its attempt still runs");
        assertTrue(p.getPaused());
        assertEquals("operator", p.getPauseInfo().getManual().getIdentity());
        assertEquals("maintenance", p.getPauseInfo().getManual().getReason());
        assertTrue(p.getPauseInfo().hasPauseTime());
        var pauseInfo = describe(ops(), id).getWorkflowExecutionInfo().getSearchAttributes().getIndexedFieldsMap().get("TemporalPauseInfo");
        assertEquals("[\"property:activityType=OpsActivity\"]", pauseInfo.getData().toStringUtf8());

        // The heartbeat answer says paused: the SDK throws ActivityPausedException, the attempt fails, no retry follows.
        await("the activity to see the pause", () -> seen(id).contains("paused@1"));
        awaitState(id, PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED, 2);
        Thread.sleep(2500); // the retry interval (1 s) passes twice
        p = pending(id);
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED, p.getState());
        assertEquals(2, p.getAttempt());
        assertTrue(p.hasLastFailure(), "the paused attempt's failure is kept");
        assertEquals(List.of(1), attempts(id), "no new attempt while paused");

        ops().unpauseActivity(unpause(id).setId(activityId(id)).build());
        assertEquals("done@2", result(wf));
        assertEquals(List.of(1, 2), attempts(id));
        assertFalse(describe(ops(), id).getWorkflowExecutionInfo().getSearchAttributes().containsIndexedFields("TemporalPauseInfo"));
    }

    @Test
    void aPausedActivityMayStillComplete() throws Exception {
        String id = WorkerHarness.id("pause-complete");
        StepsWorkflow wf = startWorkflow(h.client, id, Step.of(Behaviour.COMPLETE_WHEN_PAUSED).heartbeat(2));
        awaitState(id, PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, 1);
        ops().pauseActivity(pause(id).setId(activityId(id)).build());
        assertEquals("completed while paused", result(wf));
        DescribeWorkflowExecutionResponse d = describe(ops(), id);
        assertEquals(0, d.getPendingActivitiesCount());
        assertFalse(d.getWorkflowExecutionInfo().getSearchAttributes().containsIndexedFields("TemporalPauseInfo"));
    }

    /**
     * As Temporal (sdk-java's ActivityPauseTest and ActivityResetTest): the closed run keeps its pending activities in
     * DescribeWorkflowExecution — here one paused after its attempt failed and one a worker still runs — and every
     * operation on them answers that the workflow is closed.
     */
    @Test
    void aClosedRunStillDescribesItsPendingActivities() throws Exception {
        String id = WorkerHarness.id("closed-pending");
        StepsWorkflow wf = startWorkflow(h.client, id, Step.of(Behaviour.FAIL_WHEN_PAUSED).heartbeat(2).retry(1, 1, 0),
                Step.of(Behaviour.SLOW).type(ActivityOperationsWorkflows.Ops.OTHER));
        awaitState(id, PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, 1);
        String paused = ofType(id, ActivityOperationsWorkflows.Ops.OPS).get(0).getActivityId();
        ops().pauseActivity(pause(id).setId(paused).build());
        await("the paused attempt to fail", () -> byId(id, paused).getState() == PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED);
        WorkflowStub.fromTyped(wf).terminate("done with it");

        DescribeWorkflowExecutionResponse d = describe(ops(), id);
        assertEquals(io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
                d.getWorkflowExecutionInfo().getStatus());
        assertEquals(2, d.getPendingActivitiesCount(), d.getPendingActivitiesList().toString());
        PendingActivityInfo p = byId(id, paused);
        assertTrue(p.getPaused());
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED, p.getState());
        assertEquals(2, p.getAttempt());
        assertTrue(p.hasLastFailure());
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
                ofType(id, ActivityOperationsWorkflows.Ops.OTHER).get(0).getState());
        assertTrue(d.getWorkflowExecutionInfo().getSearchAttributes().containsIndexedFields("TemporalPauseInfo"),
                "the paused activity is still pending, so the run keeps its pause info");

        var e = fails(Status.Code.NOT_FOUND, () -> ops().unpauseActivity(unpause(id).setId(paused).build()));
        assertEquals("workflow execution already completed", e.getStatus().getDescription());
        fails(Status.Code.NOT_FOUND, () -> ops().resetActivity(reset(id).setId(paused).build()));
        fails(Status.Code.NOT_FOUND, () -> ops().updateActivityOptions(update(id).setId(paused).setRestoreOriginal(true).build()));
        // The slow attempt ends after the close: its completion is refused and it stays as it was.
        Thread.sleep(5500); // SLOW runs 5 s
        assertEquals(2, describe(ops(), id).getPendingActivitiesCount());
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
                ofType(id, ActivityOperationsWorkflows.Ops.OTHER).get(0).getState());
    }

    @Test
    void aScheduledActivityIsNotHandedToWorkersWhilePaused() throws Exception {
        String id = WorkerHarness.id("pause-scheduled");
        String idle = idleQueue();
        StepsWorkflow wf = startWorkflow(h.client, id, Step.of(Behaviour.QUICK).queue(idle));
        awaitState(id, PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED, 1);
        ops().pauseActivity(pause(id).setId(activityId(id)).build());
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED, pending(id).getState());

        WorkerFactory late = startWorkers(h.client, idle);
        try {
            Thread.sleep(2000); // a worker polls the queue the task was sent to
            assertEquals(List.of(), attempts(id), "the task in matching was not started");
            assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED, pending(id).getState());
            ops().unpauseActivity(unpause(id).setId(activityId(id)).build());
            assertEquals("ok@1", result(wf));
        } finally {
            late.shutdownNow();
        }
    }

    @Test
    void aRetryWhoseBackoffEndsWhilePausedWaitsForTheUnpause() throws Exception {
        String id = WorkerHarness.id("pause-backoff");
        StepsWorkflow wf = startWorkflow(h.client, id, Step.of(Behaviour.FAIL_UNTIL_RELEASED).retry(3, 1, 0));
        awaitState(id, PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED, 2); // attempt 1 failed, 3 s backoff
        ops().pauseActivity(pause(id).setId(activityId(id)).build());
        ActivityOperationsWorkflows.RELEASED.add(id);
        Thread.sleep(4000);
        PendingActivityInfo p = pending(id);
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED, p.getState());
        assertEquals(2, p.getAttempt());
        assertEquals(List.of(1), attempts(id));
        ops().unpauseActivity(unpause(id).setId(activityId(id)).build());
        assertEquals("released@2", result(wf));
    }

    @Test
    void aRunningAttemptsTimeoutWaitsForTheUnpauseThenFiresAtOnce() throws Exception {
        String id = WorkerHarness.id("pause-timeout");
        StepsWorkflow wf = startWorkflow(h.client, id, Step.of(Behaviour.HANG).startToClose(2).retry(1, 1, 1));
        awaitState(id, PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, 1);
        ops().pauseActivity(pause(id).setId(activityId(id)).build());
        Thread.sleep(3500); // past the start-to-close deadline
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_PAUSE_REQUESTED, pending(id).getState(),
                "a paused activity's timeouts do not fire");
        long unpausedAt = System.nanoTime();
        ops().unpauseActivity(unpause(id).setId(activityId(id)).build());
        var e = assertThrows(io.temporal.client.WorkflowFailedException.class, () -> result(wf));
        assertTrue(System.nanoTime() - unpausedAt < TimeUnit.SECONDS.toNanos(10), "the overdue timeout fired on the unpause");
        var timeout = assertInstanceOf(io.temporal.failure.TimeoutFailure.class, e.getCause().getCause());
        assertEquals(io.temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE, timeout.getTimeoutType());
    }

    // ---- reset ----

    @Test
    void resetWhileRunningIsSeenByTheHeartbeatAndCountsAttemptsFromOne() throws Exception {
        String id = WorkerHarness.id("reset-running");
        StepsWorkflow wf = startWorkflow(h.client, id, Step.of(Behaviour.RESET_WHILE_RUNNING).heartbeat(2).retry(1, 1, 0));
        awaitState(id, PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, 3);
        ops().resetActivity(reset(id).setId(activityId(id)).build());
        PendingActivityInfo p = pending(id);
        assertEquals(1, p.getAttempt(), "back to attempt 1");
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, p.getState(), "its attempt still runs");
        // The running attempt's heartbeat says reset (ActivityResetException); its failure retries as attempt 2.
        assertEquals("after reset@2", result(wf));
        assertEquals(List.of("reset@3"), seen(id).stream().filter(s -> s.startsWith("reset")).toList());
        assertEquals(List.of(1, 2, 3, 2), attempts(id));
    }

    @Test
    void resetDuringABackoffDispatchesAttemptOneAtOnce() throws Exception {
        String id = WorkerHarness.id("reset-backoff");
        // Attempt 2 fails into a 30 s backoff.
        StepsWorkflow wf = startWorkflow(h.client, id, Step.of(Behaviour.FAIL_UNTIL_RELEASED).retry(1, 30, 0));
        await("two failed attempts", () -> attempts(id).size() == 2);
        awaitState(id, PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED, 3);
        ActivityOperationsWorkflows.RELEASED.add(id);
        long resetAt = System.nanoTime();
        ops().resetActivity(reset(id).setId(activityId(id)).build());
        assertEquals("released@1", result(wf));
        assertTrue(System.nanoTime() - resetAt < TimeUnit.SECONDS.toNanos(15), "did not wait for the backoff");
        assertEquals(List.of(1, 2, 1), attempts(id));
    }

    @Test
    void resetKeepingThePauseLeavesAttemptOneWaiting() throws Exception {
        String id = WorkerHarness.id("reset-keep-paused");
        StepsWorkflow wf = startWorkflow(h.client, id, Step.of(Behaviour.FAIL_UNTIL_RELEASED).retry(1, 1, 0));
        await("a failed attempt", () -> !attempts(id).isEmpty());
        ops().pauseActivity(pause(id).setId(activityId(id)).build());
        await("the pause to hold", () -> {
            PendingActivityInfo p = pending(id);
            return p.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED;
        });
        int before = attempts(id).size();
        ops().resetActivity(reset(id).setId(activityId(id)).setKeepPaused(true).build());
        PendingActivityInfo p = pending(id);
        assertEquals(1, p.getAttempt());
        assertTrue(p.getPaused());
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED, p.getState());
        ActivityOperationsWorkflows.RELEASED.add(id);
        Thread.sleep(1500);
        assertEquals(before, attempts(id).size(), "still paused");
        ops().unpauseActivity(unpause(id).setId(activityId(id)).build());
        assertEquals("released@1", result(wf));
    }

    // ---- options ----

    @Test
    void aLongerStartToCloseTimeoutTakesEffectForTheRunningAttempt() throws Exception {
        String id = WorkerHarness.id("options-timeout");
        // Runs 5 s with a 3 s start-to-close and no retries: only the new timeout lets it finish.
        StepsWorkflow wf = startWorkflow(h.client, id, Step.of(Behaviour.SLOW).startToClose(3).retry(1, 1, 1));
        awaitState(id, PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, 1);
        UpdateActivityOptionsResponse r = ops().updateActivityOptions(update(id).setId(activityId(id))
                .setActivityOptions(ActivityOptions.newBuilder().setStartToCloseTimeout(Durations.fromSeconds(10)))
                .setUpdateMask(FieldMask.newBuilder().addPaths("start_to_close_timeout")).build());
        assertEquals(Durations.fromSeconds(10), r.getActivityOptions().getStartToCloseTimeout());
        assertEquals(1, r.getActivityOptions().getRetryPolicy().getMaximumAttempts());
        assertEquals(queue, r.getActivityOptions().getTaskQueue().getName());
        assertEquals(Durations.fromSeconds(10), pending(id).getActivityOptions().getStartToCloseTimeout());
        assertEquals("slow@1", result(wf));
    }

    @Test
    void aNewRetryPolicyTakesEffectForTheRetriesToCome() throws Exception {
        String id = WorkerHarness.id("options-retry");
        // Fails attempts 1-3, but may make only 2: without the update the workflow would fail.
        StepsWorkflow wf = startWorkflow(h.client, id, Step.of(Behaviour.FAIL_THREE_TIMES).retry(4, 1, 2));
        awaitState(id, PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED, 2);
        ops().updateActivityOptions(update(id).setId(activityId(id))
                .setActivityOptions(ActivityOptions.newBuilder().setRetryPolicy(RetryPolicy.newBuilder()
                        .setMaximumAttempts(5).setInitialInterval(Durations.fromSeconds(1))))
                .setUpdateMask(FieldMask.newBuilder().addPaths("retry_policy.maximum_attempts").addPaths("retry_policy.initial_interval"))
                .build());
        PendingActivityInfo p = pending(id);
        assertEquals(5, p.getMaximumAttempts());
        assertEquals(5, p.getActivityOptions().getRetryPolicy().getMaximumAttempts());
        assertEquals("ok@4", result(wf));
        assertEquals(List.of(1, 2, 3, 4), attempts(id));
    }

    // ---- selection ----

    @Test
    void activitiesAreSelectedByTypeOrAllAndMayMoveToAnotherQueue() throws Exception {
        String id = WorkerHarness.id("select");
        String idle = idleQueue();
        StepsWorkflow wf = startWorkflow(h.client, id,
                Step.of(Behaviour.QUICK).queue(idle),
                Step.of(Behaviour.QUICK).queue(idle),
                Step.of(Behaviour.QUICK).queue(idle).type(ActivityOperationsWorkflows.Ops.OTHER));
        await("three pending activities", () -> describe(ops(), id).getPendingActivitiesCount() == 3);

        ops().pauseActivity(pause(id).setType(ActivityOperationsWorkflows.Ops.OPS).build());
        List<PendingActivityInfo> greeters = ofType(id, ActivityOperationsWorkflows.Ops.OPS);
        PendingActivityInfo other = ofType(id, ActivityOperationsWorkflows.Ops.OTHER).get(0);
        assertEquals(2, greeters.size());
        assertTrue(greeters.stream().allMatch(p -> p.getPaused()
                && p.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED));
        assertFalse(other.getPaused());
        assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED, other.getState());
        // Visibility finds the run by what is paused, as Temporal's batch unpause does.
        String query = "TemporalPauseInfo = 'property:activityType=" + ActivityOperationsWorkflows.Ops.OPS + "'";
        await("the run listed by its paused activity type", () -> ops().listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
                .setNamespace("default").setQuery(query).build()).getExecutionsList().stream()
                .anyMatch(e -> e.getExecution().getWorkflowId().equals(id)));

        // New options for one, then its original ones back.
        String first = greeters.get(0).getActivityId();
        ops().updateActivityOptions(update(id).setId(first)
                .setActivityOptions(ActivityOptions.newBuilder().setStartToCloseTimeout(Durations.fromSeconds(99)))
                .setUpdateMask(FieldMask.newBuilder().addPaths("startToCloseTimeout")).build());
        assertEquals(Durations.fromSeconds(99), byId(id, first).getActivityOptions().getStartToCloseTimeout());
        UpdateActivityOptionsResponse restored = ops().updateActivityOptions(update(id).setId(first).setRestoreOriginal(true).build());
        assertEquals(Durations.fromSeconds(60), restored.getActivityOptions().getStartToCloseTimeout());
        assertEquals(Durations.fromSeconds(60), byId(id, first).getActivityOptions().getStartToCloseTimeout());
        assertTrue(byId(id, first).getPaused(), "options do not unpause");

        ops().unpauseActivity(unpause(id).setUnpauseAll(true).build());
        assertTrue(describe(ops(), id).getPendingActivitiesList().stream().noneMatch(PendingActivityInfo::getPaused));
        // All three move to a queue with a worker, and run there.
        UpdateActivityOptionsResponse moved = ops().updateActivityOptions(update(id).setMatchAll(true)
                .setActivityOptions(ActivityOptions.newBuilder().setTaskQueue(TaskQueue.newBuilder().setName(queue)))
                .setUpdateMask(FieldMask.newBuilder().addPaths("task_queue.name")).build());
        assertEquals(queue, moved.getActivityOptions().getTaskQueue().getName());
        assertEquals("ok@1,ok@1,ok@1", result(wf));
    }

    // ---- bad input ----

    private static StatusRuntimeException fails(Status.Code code, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        return e;
    }

    @Test
    void badRequestsGetTemporalsErrors() throws Exception {
        String id = WorkerHarness.id("bad");
        startWorkflow(h.client, id, Step.of(Behaviour.QUICK).queue(idleQueue()));
        await("a pending activity", () -> pending(id) != null);
        String aid = activityId(id);

        var e = fails(Status.Code.NOT_FOUND, () -> ops().pauseActivity(pause(id).setNamespace("no-such-namespace").setId(aid).build()));
        var details = StatusProto.fromThrowable(e).getDetailsList();
        assertTrue(details.stream().anyMatch(d -> d.is(NamespaceNotFoundFailure.class)), details.toString());
        e = fails(Status.Code.INVALID_ARGUMENT, () -> ops().pauseActivity(pause("").setId(aid).build()));
        assertEquals("WorkflowId is not set on request.", e.getStatus().getDescription());
        e = fails(Status.Code.INVALID_ARGUMENT, () -> ops().resetActivity(reset(id).build()));
        assertEquals("Either Activity.Id or Activity.Type should be set on request.", e.getStatus().getDescription());
        fails(Status.Code.NOT_FOUND, () -> ops().pauseActivity(pause("no-such-workflow").setId(aid).build()));
        e = fails(Status.Code.NOT_FOUND, () -> ops().pauseActivity(pause(id).setId("nope").build()));
        assertEquals("Can't find pending activity with such ID. Invalid activityID or activity already completed",
                e.getStatus().getDescription());
        fails(Status.Code.NOT_FOUND, () -> ops().unpauseActivity(unpause(id).setType("NoSuchType").build()));
        fails(Status.Code.NOT_FOUND, () -> ops().resetActivity(reset(id).setId("nope").build()));
        fails(Status.Code.INVALID_ARGUMENT, () -> ops().unpauseActivity(unpause(id).setId(aid)
                .setJitter(com.google.protobuf.Duration.newBuilder().setSeconds(-1)).build()));

        ops().pauseActivity(pause(id).setId(aid).setRequestId("r1").build());
        ops().pauseActivity(pause(id).setId(aid).setRequestId("r1").build()); // a retry of the same request
        e = fails(Status.Code.FAILED_PRECONDITION, () -> ops().pauseActivity(pause(id).setId(aid).setRequestId("r2").build()));
        assertEquals("activity is already paused", e.getStatus().getDescription());
        ops().unpauseActivity(unpause(id).setId(aid).build());
        ops().unpauseActivity(unpause(id).setId(aid).build()); // not paused: nothing to do, not an error

        e = fails(Status.Code.INVALID_ARGUMENT, () -> ops().updateActivityOptions(update(id).setId(aid)
                .setActivityOptions(ActivityOptions.newBuilder().setStartToCloseTimeout(Durations.fromSeconds(5))).build()));
        assertEquals("UpdateMask is not provided", e.getStatus().getDescription());
        e = fails(Status.Code.INVALID_ARGUMENT, () -> ops().updateActivityOptions(update(id).setId(aid)
                .setUpdateMask(FieldMask.newBuilder().addPaths("start_to_close_timeout")).build()));
        assertEquals("ActivityOptions are not provided", e.getStatus().getDescription());
        e = fails(Status.Code.INVALID_ARGUMENT, () -> ops().updateActivityOptions(update(id).setId(aid).setRestoreOriginal(true)
                .setUpdateMask(FieldMask.newBuilder().addPaths("start_to_close_timeout")).build()));
        assertEquals("Both UpdateMask and RestoreOriginal are provided", e.getStatus().getDescription());
        e = fails(Status.Code.INVALID_ARGUMENT, () -> ops().updateActivityOptions(update(id).setId(aid)
                .setActivityOptions(ActivityOptions.newBuilder().setStartToCloseTimeout(Durations.fromSeconds(0)))
                .setUpdateMask(FieldMask.newBuilder().addPaths("start_to_close_timeout").addPaths("schedule_to_close_timeout")).build()));
        assertTrue(e.getStatus().getDescription().startsWith("a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set"),
                e.getStatus().getDescription());
        assertEquals(Durations.fromSeconds(60), pending(id).getActivityOptions().getStartToCloseTimeout(), "nothing changed");

        h.client.newUntypedWorkflowStub(id).terminate("done");
        e = fails(Status.Code.NOT_FOUND, () -> ops().pauseActivity(pause(id).setId(aid).build()));
        assertEquals("workflow execution already completed", e.getStatus().getDescription());
    }

    // ---- durability ----

    @TempDir
    Path tmp;

    @Test
    void aPauseSurvivesKillDashNine() throws Exception {
        int port = ServerProcess.freePort();
        List<String> args = List.of("dev", "--db-dir", tmp.resolve("data").toString(), "--port", Integer.toString(port));
        ServerProcess first = ServerProcess.launch("activity-ops-before-kill", args).awaitReady();
        String id = WorkerHarness.id("durable-pause");
        String idle = idleQueue();
        try (WorkerHarness client = new WorkerHarness(port)) {
            WorkerFactory own = startWorkers(client.client, queue);
            WorkerFactory late = null;
            try {
                StepsWorkflow wf = startWorkflow(client.client, id, Step.of(Behaviour.QUICK).queue(idle));
                var stub = client.service.blockingStub();
                await("the activity scheduled", () -> pending(stub, id) != null);
                String aid = pending(stub, id).getActivityId();
                stub.pauseActivity(pause(id).setId(aid).build());
                first.kill9();
                try (ServerProcess second = ServerProcess.launch("activity-ops-after-kill", args).awaitReady()) {
                    await("the restarted server to answer", () -> {
                        try {
                            return pending(stub, id) != null;
                        } catch (StatusRuntimeException e) {
                            return false; // the channel reconnects
                        }
                    });
                    PendingActivityInfo p = pending(stub, id);
                    assertNotNull(p);
                    assertTrue(p.getPaused(), "still paused after the restart");
                    assertEquals(PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED, p.getState());
                    assertEquals("maintenance", p.getPauseInfo().getManual().getReason());
                    late = startWorkers(client.client, idle);
                    Thread.sleep(2000);
                    assertEquals(List.of(), attempts(id), "not started while paused");
                    stub.unpauseActivity(unpause(id).setId(aid).build());
                    assertEquals("ok@1", WorkflowStub.fromTyped(wf).getResult(60, TimeUnit.SECONDS, String.class));
                    assertNull(pending(stub, id));
                }
            } finally {
                own.shutdownNow();
                if (late != null) {
                    late.shutdownNow();
                }
            }
        } finally {
            first.close();
        }
    }
}
