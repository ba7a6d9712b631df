package io.kairos.e2e.engine;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.errordetails.v1.NamespaceInvalidStateFailure;
import io.temporal.api.errordetails.v1.NamespaceNotFoundFailure;
import io.temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DeprecateNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryReverseRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryReverseResponse;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RecordActivityTaskHeartbeatByIdRequest;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedByIdRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.workflow.Workflow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.kairos.e2e.Clients.assertStatus;
import static io.kairos.e2e.Clients.detail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Workflow RPCs at the wire level, through the SDK's service stubs: policies, errors, ById, reverse history. */
class WorkflowApiTest {
    private static WorkerHarness h;
    private static WorkflowServiceGrpc.WorkflowServiceBlockingStub api;

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("workflow-api");
        api = h.service.blockingStub();
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close();
        }
    }

    private static StartWorkflowExecutionRequest.Builder start(String workflowId, String queue) {
        return StartWorkflowExecutionRequest.newBuilder().setNamespace("default").setWorkflowId(workflowId)
                .setWorkflowType(WorkflowType.newBuilder().setName("NobodyRunsThis"))
                .setTaskQueue(TaskQueue.newBuilder().setName(queue)).setRequestId(UUID.randomUUID().toString());
    }

    @Test
    void requestIdDedupAndIdConflictPolicies() {
        String id = WorkerHarness.id("policy");
        String queue = WorkerHarness.id("idle-queue");
        StartWorkflowExecutionRequest first = start(id, queue).build();
        StartWorkflowExecutionResponse r1 = api.startWorkflowExecution(first);
        assertTrue(r1.getStarted());
        // The same request again (a client retry) returns the same run.
        assertEquals(r1.getRunId(), api.startWorkflowExecution(first).getRunId());
        // Another request for the running id: ALREADY_EXISTS with Temporal's detail.
        StatusRuntimeException e = assertStatus(Status.Code.ALREADY_EXISTS, "Workflow execution is already running",
                () -> api.startWorkflowExecution(start(id, queue).build()));
        WorkflowExecutionAlreadyStartedFailure d = detail(e, WorkflowExecutionAlreadyStartedFailure.class);
        assertEquals(r1.getRunId(), d.getRunId());
        assertEquals(first.getRequestId(), d.getStartRequestId());
        // USE_EXISTING answers the running run without starting one.
        StartWorkflowExecutionResponse existing = api.startWorkflowExecution(start(id, queue)
                .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING).build());
        assertEquals(r1.getRunId(), existing.getRunId());
        assertFalse(existing.getStarted());
        // TERMINATE_EXISTING ends the running run and starts a new one.
        StartWorkflowExecutionResponse replaced = api.startWorkflowExecution(start(id, queue)
                .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING).build());
        assertTrue(replaced.getStarted());
        assertNotEquals(r1.getRunId(), replaced.getRunId());
        assertEquals(io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
                api.describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id).setRunId(r1.getRunId())).build())
                        .getWorkflowExecutionInfo().getStatus());
    }

    @Test
    void idReusePolicyAfterClose() throws Exception {
        String id = WorkerHarness.id("reuse");
        assertEquals("Hello, one!", h.stub(EngineWorkflows.HelloWorkflow.class, id).run("one"));
        StartWorkflowExecutionRequest.Builder again = start(id, h.taskQueue)
                .setWorkflowType(WorkflowType.newBuilder().setName("HelloWorkflow"));
        assertStatus(Status.Code.ALREADY_EXISTS, () -> api.startWorkflowExecution(again.clone()
                .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE).build()));
        assertStatus(Status.Code.ALREADY_EXISTS, () -> api.startWorkflowExecution(again.clone()
                .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY).build()));
        StartWorkflowExecutionResponse second = api.startWorkflowExecution(again.clone()
                .setInput(DefaultDataConverter.STANDARD_INSTANCE.toPayloads("two").orElseThrow()).build());
        assertTrue(second.getStarted());
        assertEquals("Hello, two!", h.client.newUntypedWorkflowStub(id).getResult(30, TimeUnit.SECONDS, String.class));
    }

    @Test
    void startValidationAndNamespaceErrors() throws Exception {
        assertStatus(Status.Code.INVALID_ARGUMENT, "WorkflowId is not set on request.",
                () -> api.startWorkflowExecution(start("", "q").build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "WorkflowId length exceeds limit.",
                () -> api.startWorkflowExecution(start("w".repeat(1001), "q").build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "WorkflowType is not set on request.",
                () -> api.startWorkflowExecution(start("w", "q").setWorkflowType(WorkflowType.getDefaultInstance()).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "TaskQueue is not set on request.",
                () -> api.startWorkflowExecution(start("w", "").build()));
        StatusRuntimeException nf = assertStatus(Status.Code.NOT_FOUND,
                () -> api.startWorkflowExecution(start("w", "q").setNamespace("no-such-namespace").build()));
        assertEquals("no-such-namespace", detail(nf, NamespaceNotFoundFailure.class).getNamespace());

        String ns = WorkerHarness.id("old-ns");
        api.registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(ns)
                .setWorkflowExecutionRetentionPeriod(com.google.protobuf.Duration.newBuilder().setSeconds(86400)).build());
        api.deprecateNamespace(DeprecateNamespaceRequest.newBuilder().setNamespace(ns).build());
        // The registry may serve the namespace from its cache for up to one refresh: retry briefly.
        StatusRuntimeException st = null;
        for (int i = 0; i < 50 && st == null; i++) {
            try {
                api.startWorkflowExecution(start("w", "q").setNamespace(ns).build());
                Thread.sleep(100);
            } catch (StatusRuntimeException e) {
                st = e;
            }
        }
        assertEquals(Status.Code.FAILED_PRECONDITION, st.getStatus().getCode(), st.toString());
        assertEquals("Namespace has invalid state: Deprecated. Must be Registered.", st.getStatus().getDescription());
        detail(st, NamespaceInvalidStateFailure.class);
    }

    @Test
    void taskTokensAreValidated() {
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> api.respondActivityTaskCompleted(RespondActivityTaskCompletedRequest
                .newBuilder().setNamespace("default").setTaskToken(ByteString.copyFromUtf8("garbage")).build()));
    }

    @Test
    void activityByIdAndDescribeTaskQueue() {
        String id = WorkerHarness.id("byid");
        String queue = WorkerHarness.id("manual");
        // A workflow whose activity we run by hand: the SDK worker schedules it on our own queue.
        StartWorkflowExecutionResponse run = api.startWorkflowExecution(start(id, queue).build());
        var wt = api.withDeadlineAfter(30, TimeUnit.SECONDS).pollWorkflowTaskQueue(
                io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest.newBuilder().setNamespace("default")
                        .setTaskQueue(TaskQueue.newBuilder().setName(queue)).setIdentity("manual-worker").build());
        api.respondWorkflowTaskCompleted(io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest.newBuilder()
                .setNamespace("default").setTaskToken(wt.getTaskToken()).addCommands(
                        io.temporal.api.command.v1.Command.newBuilder()
                                .setCommandType(io.temporal.api.enums.v1.CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK)
                                .setScheduleActivityTaskCommandAttributes(
                                        io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes.newBuilder()
                                                .setActivityId("act-1").setActivityType(
                                                        io.temporal.api.common.v1.ActivityType.newBuilder().setName("Manual"))
                                                .setStartToCloseTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(30))))
                .build());
        PollActivityTaskQueueResponse at = api.withDeadlineAfter(30, TimeUnit.SECONDS).pollActivityTaskQueue(
                PollActivityTaskQueueRequest.newBuilder().setNamespace("default")
                        .setTaskQueue(TaskQueue.newBuilder().setName(queue)).setIdentity("manual-worker").build());
        assertEquals("act-1", at.getActivityId());
        assertEquals("default", at.getWorkflowNamespace());

        var pollers = api.describeTaskQueue(DescribeTaskQueueRequest.newBuilder().setNamespace("default")
                .setTaskQueue(TaskQueue.newBuilder().setName(queue)).setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
                .build()).getPollersList();
        assertTrue(pollers.stream().anyMatch(p -> p.getIdentity().equals("manual-worker")), pollers.toString());

        Payloads details = DefaultDataConverter.STANDARD_INSTANCE.toPayloads("halfway").orElseThrow();
        assertFalse(api.recordActivityTaskHeartbeatById(RecordActivityTaskHeartbeatByIdRequest.newBuilder()
                .setNamespace("default").setWorkflowId(id).setActivityId("act-1").setDetails(details).build())
                .getCancelRequested());
        var described = api.describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build());
        assertEquals(details, described.getPendingActivities(0).getHeartbeatDetails());

        api.respondActivityTaskCompletedById(RespondActivityTaskCompletedByIdRequest.newBuilder().setNamespace("default")
                .setWorkflowId(id).setRunId(run.getRunId()).setActivityId("act-1")
                .setResult(DefaultDataConverter.STANDARD_INSTANCE.toPayloads("done by id").orElseThrow()).build());
        assertStatus(Status.Code.NOT_FOUND, () -> api.respondActivityTaskCompletedById(RespondActivityTaskCompletedByIdRequest
                .newBuilder().setNamespace("default").setWorkflowId(id).setActivityId("act-1").build()));

        // Newest first: the completion is at the top of the reversed history.
        GetWorkflowExecutionHistoryReverseResponse rev = api.getWorkflowExecutionHistoryReverse(
                GetWorkflowExecutionHistoryReverseRequest.newBuilder().setNamespace("default")
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).setMaximumPageSize(3).build());
        List<HistoryEvent> top = rev.getHistory().getEventsList();
        assertEquals(3, top.size());
        assertTrue(top.get(0).getEventId() > top.get(1).getEventId());
        assertTrue(top.stream().anyMatch(ev -> ev.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED));
        assertFalse(rev.getNextPageToken().isEmpty());
        var rest = api.getWorkflowExecutionHistoryReverse(GetWorkflowExecutionHistoryReverseRequest.newBuilder()
                .setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                .setNextPageToken(rev.getNextPageToken()).setMaximumPageSize(100).build());
        assertEquals(1, rest.getHistory().getEvents(rest.getHistory().getEventsCount() - 1).getEventId());
    }

    /**
     * request_eager_execution: an activity on the workflow's own task queue starts in the completing transaction and
     * comes back in RespondWorkflowTaskCompleted; one on another queue goes through matching as usual.
     */
    @Test
    void eagerActivitiesComeBackInTheCompletionResponse() {
        String id = WorkerHarness.id("eager");
        String queue = WorkerHarness.id("eager-q");
        String otherQueue = WorkerHarness.id("eager-other");
        api.startWorkflowExecution(start(id, queue).build());
        var wt = api.withDeadlineAfter(30, TimeUnit.SECONDS).pollWorkflowTaskQueue(
                io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest.newBuilder().setNamespace("default")
                        .setTaskQueue(TaskQueue.newBuilder().setName(queue)).setIdentity("eager-worker").build());
        var done = api.respondWorkflowTaskCompleted(io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest
                .newBuilder().setNamespace("default").setTaskToken(wt.getTaskToken()).setIdentity("eager-worker")
                .addCommands(scheduleActivity("eager-1", "", true))
                .addCommands(scheduleActivity("remote-1", otherQueue, true))
                .build());
        assertEquals(1, done.getActivityTasksCount(), done.toString());
        PollActivityTaskQueueResponse eager = done.getActivityTasks(0);
        assertEquals("eager-1", eager.getActivityId());
        assertEquals(1, eager.getAttempt());
        assertFalse(eager.getTaskToken().isEmpty());
        assertEquals(id, eager.getWorkflowExecution().getWorkflowId());

        // The other one waits in matching for a poller of its queue.
        PollActivityTaskQueueResponse remote = api.withDeadlineAfter(30, TimeUnit.SECONDS).pollActivityTaskQueue(
                PollActivityTaskQueueRequest.newBuilder().setNamespace("default")
                        .setTaskQueue(TaskQueue.newBuilder().setName(otherQueue)).setIdentity("remote-worker").build());
        assertEquals("remote-1", remote.getActivityId());

        var described = api.describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build());
        assertTrue(described.getPendingActivitiesList().stream().allMatch(a ->
                a.getState() == io.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED),
                described.getPendingActivitiesList().toString());

        api.respondActivityTaskCompleted(io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest.newBuilder()
                .setNamespace("default").setTaskToken(eager.getTaskToken()).setIdentity("eager-worker")
                .setResult(DefaultDataConverter.STANDARD_INSTANCE.toPayloads("eager result").orElseThrow()).build());
        var history = api.getWorkflowExecutionHistory(io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest
                .newBuilder().setNamespace("default").setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build())
                .getHistory().getEventsList();
        HistoryEvent started = history.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
                .findFirst().orElseThrow();
        assertEquals("eager-worker", started.getActivityTaskStartedEventAttributes().getIdentity());
        assertTrue(history.stream().anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
                && e.getActivityTaskCompletedEventAttributes().getStartedEventId() == started.getEventId()));
    }

    /**
     * ShutdownWorker names the worker's sticky queue: the next workflow task goes straight to the normal queue
     * instead of waiting out the sticky schedule-to-start timeout (10 s here).
     */
    @Test
    void shutdownWorkerSendsTheNextTaskToTheNormalQueueAtOnce() {
        String id = WorkerHarness.id("shutdown-worker");
        String queue = WorkerHarness.id("sd-normal");
        String sticky = WorkerHarness.id("sd-sticky");
        api.startWorkflowExecution(start(id, queue).build());
        var poll = io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest.newBuilder().setNamespace("default")
                .setTaskQueue(TaskQueue.newBuilder().setName(queue)).setIdentity("sd-worker").build();
        var wt = api.withDeadlineAfter(30, TimeUnit.SECONDS).pollWorkflowTaskQueue(poll);
        api.respondWorkflowTaskCompleted(io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest.newBuilder()
                .setNamespace("default").setTaskToken(wt.getTaskToken()).setIdentity("sd-worker")
                .setStickyAttributes(io.temporal.api.taskqueue.v1.StickyExecutionAttributes.newBuilder()
                        .setWorkerTaskQueue(TaskQueue.newBuilder().setName(sticky)
                                .setKind(io.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY).setNormalName(queue))
                        .setScheduleToStartTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10)))
                .build());
        // The worker polls its sticky queue (so matching knows it), then shuts down.
        var stickyPoll = api.withDeadlineAfter(1500, TimeUnit.MILLISECONDS)
                .pollWorkflowTaskQueue(poll.toBuilder().setTaskQueue(TaskQueue.newBuilder().setName(sticky)
                        .setKind(io.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY).setNormalName(queue)).build());
        assertTrue(stickyPoll.getTaskToken().isEmpty(), "nothing for the sticky queue yet");
        api.shutdownWorker(io.temporal.api.workflowservice.v1.ShutdownWorkerRequest.newBuilder().setNamespace("default")
                .setStickyTaskQueue(sticky).setIdentity("sd-worker").setReason("test").build());

        api.signalWorkflowExecution(io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest.newBuilder()
                .setNamespace("default").setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                .setSignalName("wake").setRequestId(UUID.randomUUID().toString()).build());
        long t0 = System.nanoTime();
        var next = api.withDeadlineAfter(5, TimeUnit.SECONDS).pollWorkflowTaskQueue(poll);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        assertEquals(id, next.getWorkflowExecution().getWorkflowId());
        assertEquals(1, next.getHistory().getEvents(0).getEventId(), "the normal queue gets the full history");
        assertTrue(next.getHistory().getEventsList().stream()
                .anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED));
    }

    private static io.temporal.api.command.v1.Command scheduleActivity(String activityId, String queue, boolean eager) {
        var a = io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes.newBuilder()
                .setActivityId(activityId).setActivityType(io.temporal.api.common.v1.ActivityType.newBuilder().setName("Manual"))
                .setStartToCloseTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(30))
                .setRequestEagerExecution(eager);
        if (!queue.isEmpty()) {
            a.setTaskQueue(TaskQueue.newBuilder().setName(queue));
        }
        return io.temporal.api.command.v1.Command.newBuilder()
                .setCommandType(io.temporal.api.enums.v1.CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK)
                .setScheduleActivityTaskCommandAttributes(a).build();
    }

    /** An activity completes while the task that closes the workflow is running: Temporal's UnhandledCommand. */
    @Test
    void closingWhileNewEventsArrivedFailsTheTaskWithUnhandledCommand() {
        String id = WorkerHarness.id("unhandled");
        String queue = WorkerHarness.id("unhandled-q");
        api.startWorkflowExecution(start(id, queue).build());
        var tq = TaskQueue.newBuilder().setName(queue).build();
        var pollWt = io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest.newBuilder().setNamespace("default")
                .setTaskQueue(tq).setIdentity("raw").build();
        var wt1 = api.withDeadlineAfter(30, TimeUnit.SECONDS).pollWorkflowTaskQueue(pollWt);
        api.respondWorkflowTaskCompleted(io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest.newBuilder()
                .setNamespace("default").setTaskToken(wt1.getTaskToken())
                .addCommands(io.temporal.api.command.v1.Command.newBuilder()
                        .setCommandType(io.temporal.api.enums.v1.CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK)
                        .setScheduleActivityTaskCommandAttributes(io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes
                                .newBuilder().setActivityId("a1").setActivityType(io.temporal.api.common.v1.ActivityType.newBuilder()
                                        .setName("A")).setStartToCloseTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(30))))
                .addCommands(io.temporal.api.command.v1.Command.newBuilder()
                        .setCommandType(io.temporal.api.enums.v1.CommandType.COMMAND_TYPE_START_TIMER)
                        .setStartTimerCommandAttributes(io.temporal.api.command.v1.StartTimerCommandAttributes.newBuilder()
                                .setTimerId("t1").setStartToFireTimeout(com.google.protobuf.Duration.newBuilder().setNanos(100_000_000))))
                .build());
        var activity = api.withDeadlineAfter(30, TimeUnit.SECONDS).pollActivityTaskQueue(PollActivityTaskQueueRequest.newBuilder()
                .setNamespace("default").setTaskQueue(tq).setIdentity("raw").build());
        var wt2 = api.withDeadlineAfter(30, TimeUnit.SECONDS).pollWorkflowTaskQueue(pollWt); // after the timer fired
        api.respondActivityTaskCompleted(RespondActivityTaskCompletedRequest.newBuilder().setNamespace("default")
                .setTaskToken(activity.getTaskToken()).build());
        // The failure is committed, yet the worker hears INVALID_ARGUMENT "UnhandledCommand", as from Temporal.
        var refused = assertThrows(io.grpc.StatusRuntimeException.class, () -> api.respondWorkflowTaskCompleted(
                io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest.newBuilder()
                        .setNamespace("default").setTaskToken(wt2.getTaskToken())
                        .addCommands(io.temporal.api.command.v1.Command.newBuilder()
                                .setCommandType(io.temporal.api.enums.v1.CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION))
                        .build()));
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertEquals("UnhandledCommand", refused.getStatus().getDescription());
        List<HistoryEvent> events = h.client.fetchHistory(id).getEvents();
        List<EventType> tail = events.subList(events.size() - 4, events.size()).stream().map(HistoryEvent::getEventType).toList();
        assertEquals(List.of(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
                EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED), tail);
        var failed = events.get(events.size() - 4).getWorkflowTaskFailedEventAttributes();
        assertEquals(io.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND, failed.getCause());
        assertEquals("UnhandledCommand", failed.getFailure().getMessage());
        assertTrue(failed.getFailure().hasServerFailureInfo());
        // The next task sees the activity result and may now close the workflow.
        var wt3 = api.withDeadlineAfter(30, TimeUnit.SECONDS).pollWorkflowTaskQueue(pollWt);
        assertTrue(wt3.getHistory().getEventsList().stream()
                .anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED));
        api.respondWorkflowTaskCompleted(io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest.newBuilder()
                .setNamespace("default").setTaskToken(wt3.getTaskToken())
                .addCommands(io.temporal.api.command.v1.Command.newBuilder()
                        .setCommandType(io.temporal.api.enums.v1.CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION))
                .build());
        assertEquals(io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
                api.describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build())
                        .getWorkflowExecutionInfo().getStatus());
    }

    @io.temporal.workflow.WorkflowInterface
    public interface SignalsItself {
        @io.temporal.workflow.WorkflowMethod
        String run();

        @io.temporal.workflow.SignalMethod
        void poke();
    }

    @io.temporal.activity.ActivityInterface
    public interface Poker {
        @io.temporal.activity.ActivityMethod
        void poke(String workflowId);
    }

    /** Completes right after a local activity signalled it: the completion races the signal. */
    public static class SignalsItselfImpl implements SignalsItself {
        @Override
        public String run() {
            Workflow.newLocalActivityStub(Poker.class, io.temporal.activity.LocalActivityOptions.newBuilder()
                    .setScheduleToCloseTimeout(java.time.Duration.ofSeconds(10)).build())
                    .poke(Workflow.getInfo().getWorkflowId());
            return "done";
        }

        @Override
        public void poke() {
        }
    }

    /**
     * sdk-java's MetricsTest.testUnhandledCommand through the SDK: the worker hears the UnhandledCommand error, so it
     * counts the workflow completed once (after the task that really closed it), not twice.
     */
    @Test
    void aCloseRacedBySignalIsCountedOnceByTheWorker() throws InterruptedException {
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        com.uber.m3.tally.Scope scope = new com.uber.m3.tally.RootScopeBuilder()
                .reporter(new io.temporal.common.reporter.MicrometerClientStatsReporter(registry))
                .reportEvery(com.uber.m3.util.Duration.ofMillis(10));
        var stubs = io.temporal.serviceclient.WorkflowServiceStubs.newConnectedServiceStubs(
                io.temporal.serviceclient.WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + h.port)
                        .setMetricsScope(scope).build(), java.time.Duration.ofSeconds(30));
        var client = WorkflowClient.newInstance(stubs, io.temporal.client.WorkflowClientOptions.newBuilder()
                .setNamespace("default").build());
        var factory = io.temporal.worker.WorkerFactory.newInstance(client);
        try {
            String queue = WorkerHarness.id("unhandled-sdk");
            var worker = factory.newWorker(queue);
            worker.registerWorkflowImplementationTypes(SignalsItselfImpl.class);
            // Once only: the replay after the refused close runs the local activity again.
            java.util.Set<String> poked = java.util.concurrent.ConcurrentHashMap.newKeySet();
            worker.registerActivitiesImplementations((Poker) workflowId -> {
                if (poked.add(workflowId)) {
                    client.newUntypedWorkflowStub(workflowId).signal("poke");
                }
            });
            factory.start();
            String id = WorkerHarness.id("unhandled-sdk");
            assertEquals("done", client.newWorkflowStub(SignalsItself.class, io.temporal.client.WorkflowOptions.newBuilder()
                    .setTaskQueue(queue).setWorkflowId(id).build()).run());
            assertTrue(client.fetchHistory(id).getEvents().stream().anyMatch(e -> e.getWorkflowTaskFailedEventAttributes()
                    .getCause() == io.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND));
            // The scope reports every 10 ms: after a second, every count the worker made is in the registry.
            Thread.sleep(1000);
            assertEquals(1.0, registry.find("temporal_workflow_completed").tag("workflow_type", "SignalsItself").counters()
                    .stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum());
        } finally {
            factory.shutdownNow();
            stubs.shutdownNow();
        }
    }

    @Test
    void memoUpsertAndSdkMetadataAreKept() {
        String id = WorkerHarness.id("memo");
        assertEquals("remember me", h.stub(EngineWorkflows.MemoWorkflow.class, id).run("remember me"));
        var d = api.describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build());
        assertEquals("remember me", DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
                d.getWorkflowExecutionInfo().getMemo().getFieldsOrThrow("note"), String.class, String.class));
        List<HistoryEvent> events = h.client.fetchHistory(id).getEvents();
        assertTrue(events.stream().anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED));
        assertTrue(events.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
                .anyMatch(e -> e.getWorkflowTaskCompletedEventAttributes().hasSdkMetadata()));
    }

    @Test
    void workerRestartMidWorkflow() throws Exception {
        String id = WorkerHarness.id("restart");
        WorkflowExecution exec = WorkflowClient.start(h.stub(EngineWorkflows.TimerAndActivitiesWorkflow.class, id)::run, 2000L, 3);
        Thread.sleep(800);
        // A second worker process on the same queue takes over after the first one disappears with its cache.
        h.factory.shutdownNow();
        h.factory.awaitTermination(10, TimeUnit.SECONDS);
        try (WorkerHarness other = new WorkerHarness(h.port, h.taskQueue)) {
            assertEquals("Hello, a0! Hello, a1! Hello, a2!", other.client.newUntypedWorkflowStub(exec, java.util.Optional.empty())
                    .getResult(60, TimeUnit.SECONDS, String.class));
        } finally {
            h.restartFactory();
        }
        assertNotEquals("", exec.getRunId());
    }


    @Test
    void listTaskQueuePartitionsNamesTheOwningHost() {
        String queue = WorkerHarness.id("partitions");
        var r = api.listTaskQueuePartitions(io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsRequest.newBuilder()
                .setNamespace("default").setTaskQueue(TaskQueue.newBuilder().setName(queue)).build());
        // One partition per task type, keyed by the queue's name, owned by this dev server (it listens on h.port).
        assertEquals(1, r.getWorkflowTaskQueuePartitionsCount());
        assertEquals(1, r.getActivityTaskQueuePartitionsCount());
        assertEquals(queue, r.getWorkflowTaskQueuePartitions(0).getKey());
        assertEquals(queue, r.getActivityTaskQueuePartitions(0).getKey());
        assertTrue(r.getWorkflowTaskQueuePartitions(0).getOwnerHostName().endsWith(":" + h.port),
                r.getWorkflowTaskQueuePartitions(0).getOwnerHostName());
        assertStatus(Status.Code.INVALID_ARGUMENT, "TaskQueue is not set on request.", () -> api.listTaskQueuePartitions(
                io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsRequest.newBuilder().setNamespace("default").build()));
        StatusRuntimeException nf = assertStatus(Status.Code.NOT_FOUND, () -> api.listTaskQueuePartitions(
                io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsRequest.newBuilder().setNamespace("no-such-namespace")
                        .setTaskQueue(TaskQueue.newBuilder().setName(queue)).build()));
        assertEquals("no-such-namespace", detail(nf, NamespaceNotFoundFailure.class).getNamespace());
    }

    @Test
    void describeTaskQueueEnhancedShowsPollersPerTypeAndBacklogStats() throws Exception {
        // The harness's SDK worker polls h.taskQueue for workflow and activity tasks.
        var enhanced = DescribeTaskQueueRequest.newBuilder().setNamespace("default")
                .setTaskQueue(TaskQueue.newBuilder().setName(h.taskQueue))
                .setApiMode(io.temporal.api.enums.v1.DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED)
                .setReportPollers(true).setReportStats(true).build();
        var types = api.describeTaskQueue(enhanced).getVersionsInfoOrThrow("").getTypesInfoMap();
        assertTrue(types.containsKey(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW_VALUE), types.toString());
        assertTrue(types.containsKey(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY_VALUE), types.toString());
        assertFalse(types.get(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW_VALUE).getPollersList().isEmpty(), "workflow pollers");
        assertFalse(types.get(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY_VALUE).getPollersList().isEmpty(), "activity pollers");
        assertFalse(types.get(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW_VALUE).getPollers(0).getIdentity().isEmpty());

        // A queue nobody polls: its first workflow task waits in the backlog, with an age and an add rate.
        String queue = WorkerHarness.id("backlog");
        api.startWorkflowExecution(start(WorkerHarness.id("backlogged"), queue).build());
        var stats = DescribeTaskQueueRequest.newBuilder().setNamespace("default")
                .setTaskQueue(TaskQueue.newBuilder().setName(queue)).setReportStats(true).build();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); // the add reaches matching from history's outbox
        var waiting = api.describeTaskQueue(stats).getStats();
        while (waiting.getApproximateBacklogCount() == 0 && System.nanoTime() < until) {
            Thread.sleep(50);
            waiting = api.describeTaskQueue(stats).getStats();
        }
        Thread.sleep(50);
        waiting = api.describeTaskQueue(stats).getStats();
        assertEquals(1, waiting.getApproximateBacklogCount());
        assertTrue(waiting.getApproximateBacklogAge().getSeconds() > 0 || waiting.getApproximateBacklogAge().getNanos() > 0,
                waiting.toString());
        assertTrue(waiting.getTasksAddRate() > 0, waiting.toString());
        var byEnhanced = api.describeTaskQueue(enhanced.toBuilder().setTaskQueue(TaskQueue.newBuilder().setName(queue))
                .clearTaskQueueTypes().addTaskQueueTypes(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW).build());
        assertEquals(1, byEnhanced.getVersionsInfoOrThrow("").getTypesInfoOrThrow(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW_VALUE)
                .getStats().getApproximateBacklogCount());

        api.withDeadlineAfter(30, TimeUnit.SECONDS).pollWorkflowTaskQueue(
                io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest.newBuilder().setNamespace("default")
                        .setTaskQueue(TaskQueue.newBuilder().setName(queue)).setIdentity("manual-worker").build());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        var drained = api.describeTaskQueue(stats).getStats();
        while (drained.getApproximateBacklogCount() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            drained = api.describeTaskQueue(stats).getStats();
        }
        assertEquals(0, drained.getApproximateBacklogCount(), drained.toString());
        assertTrue(drained.getTasksDispatchRate() > 0, drained.toString());
    }
}
