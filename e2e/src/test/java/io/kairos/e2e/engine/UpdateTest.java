package io.kairos.e2e.engine;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.update.v1.UpdateRef;
import io.temporal.api.update.v1.WaitPolicy;
import io.temporal.api.workflowservice.v1.PollWorkflowExecutionUpdateRequest;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateHandle;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.failure.ApplicationFailure;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Workflow updates through the SDK: update handlers run on the worker via workflow task messages, results and failures
 * come back to the client, accepted and completed updates are in history, rejected ones leave no update events.
 */
class UpdateTest {
    private static WorkerHarness h;
    private static WorkerFactory factory;
    private static String queue;
    /** Handler runs of {@link CartWorkflow#add}, by item name, across replays counted once per real execution. */
    static final java.util.concurrent.ConcurrentMap<String, AtomicInteger> HANDLER_RUNS = new java.util.concurrent.ConcurrentHashMap<>();

    @WorkflowInterface
    public interface CartWorkflow {
        @WorkflowMethod
        String run();

        @UpdateMethod
        int add(String item);

        @UpdateValidatorMethod(updateName = "add")
        void validateAdd(String item);

        @UpdateMethod
        int explode(String why);

        @SignalMethod
        void checkout();

        @QueryMethod
        List<String> items();
    }

    public static class CartWorkflowImpl implements CartWorkflow {
        private final List<String> items = new java.util.ArrayList<>();
        private boolean done;

        @Override
        public String run() {
            Workflow.await(() -> done);
            return "bought " + items;
        }

        @Override
        public int add(String item) {
            if (!Workflow.isReplaying()) {
                HANDLER_RUNS.computeIfAbsent(item, k -> new AtomicInteger()).incrementAndGet();
            }
            items.add(item);
            return items.size();
        }

        @Override
        public void validateAdd(String item) {
            if (item.isEmpty() || item.startsWith("forbidden")) {
                throw new IllegalArgumentException("cannot add '" + item + "'");
            }
        }

        @Override
        public int explode(String why) {
            throw ApplicationFailure.newFailure("exploded: " + why, "Boom");
        }

        @Override
        public void checkout() {
            done = true;
        }

        @Override
        public List<String> items() {
            return items;
        }
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("updates");
        queue = "updates-" + UUID.randomUUID();
        factory = WorkerFactory.newInstance(h.client);
        Worker worker = factory.newWorker(queue);
        worker.registerWorkflowImplementationTypes(CartWorkflowImpl.class);
        factory.start();
    }

    @AfterAll
    static void stop() {
        if (factory != null) {
            factory.shutdownNow();
        }
        if (h != null) {
            h.close();
        }
    }

    private static CartWorkflow stub(String id) {
        return h.client.newWorkflowStub(CartWorkflow.class, options(id).build());
    }

    private static WorkflowOptions.Builder options(String id) {
        return WorkflowOptions.newBuilder().setTaskQueue(queue).setWorkflowId(id);
    }

    private static List<HistoryEvent> history(String id) {
        return h.client.fetchHistory(id).getHistory().getEventsList();
    }

    private static List<HistoryEvent> ofType(List<HistoryEvent> events, EventType type) {
        return events.stream().filter(e -> e.getEventType() == type).toList();
    }

    @Test
    void anUpdateReturnsItsValueAndIsWrittenAsAcceptedThenCompleted() throws Exception {
        String id = WorkerHarness.id("cart");
        CartWorkflow wf = stub(id);
        WorkflowClient.start(wf::run);
        assertEquals(1, wf.add("apple"));
        assertEquals(2, wf.add("pear"));
        // Untyped stub, explicit update id.
        WorkflowStub untyped = WorkflowStub.fromTyped(wf);
        assertEquals(3, untyped.startUpdate(UpdateOptions.<Integer>newBuilder().setUpdateName("add").setUpdateId("u-plum")
                .setWaitForStage(WorkflowUpdateStage.COMPLETED).setResultClass(Integer.class).build(), "plum").getResult());
        assertEquals(List.of("apple", "pear", "plum"), wf.items());
        wf.checkout();
        assertEquals("bought [apple, pear, plum]", untyped.getResult(30, TimeUnit.SECONDS, String.class));

        List<HistoryEvent> events = history(id);
        List<HistoryEvent> accepted = ofType(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
        List<HistoryEvent> completed = ofType(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED);
        assertEquals(3, accepted.size());
        assertEquals(3, completed.size());
        HistoryEvent acc = accepted.get(2);
        HistoryEvent done = completed.get(2);
        var a = acc.getWorkflowExecutionUpdateAcceptedEventAttributes();
        assertEquals("u-plum", a.getProtocolInstanceId());
        assertEquals("u-plum/request", a.getAcceptedRequestMessageId());
        assertEquals("add", a.getAcceptedRequest().getInput().getName());
        assertEquals("u-plum", a.getAcceptedRequest().getMeta().getUpdateId());
        assertTrue(a.getAcceptedRequestSequencingEventId() > 0 && a.getAcceptedRequestSequencingEventId() < acc.getEventId());
        // Accepted and Completed follow the WorkflowTaskCompleted of the task that ran the handler.
        HistoryEvent before = events.get((int) acc.getEventId() - 2);
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, before.getEventType());
        assertEquals(acc.getEventId() + 1, done.getEventId());
        var c = done.getWorkflowExecutionUpdateCompletedEventAttributes();
        assertEquals(acc.getEventId(), c.getAcceptedEventId());
        assertEquals("u-plum", c.getMeta().getUpdateId());
        assertEquals("3", c.getOutcome().getSuccess().getPayloads(0).getData().toStringUtf8());
    }

    @Test
    void aRejectedUpdateFailsTheCallerAndLeavesNoUpdateEvents() throws Exception {
        String id = WorkerHarness.id("reject");
        CartWorkflow wf = stub(id);
        WorkflowClient.start(wf::run);
        WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, () -> wf.add("forbidden-fruit"));
        assertTrue(e.getCause().getMessage().contains("cannot add 'forbidden-fruit'"), e.getCause().getMessage());
        assertEquals(1, wf.add("ok"));
        wf.checkout();
        assertEquals("bought [ok]", WorkflowStub.fromTyped(wf).getResult(30, TimeUnit.SECONDS, String.class));
        List<HistoryEvent> events = history(id);
        assertEquals(1, ofType(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED).size());
        assertEquals(1, ofType(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED).size());
        assertFalse(events.stream().anyMatch(ev -> ev.toString().contains("forbidden-fruit")), "no trace of the rejected update");
    }

    @Test
    void aHandlerThatThrowsCompletesTheUpdateWithAFailure() throws Exception {
        String id = WorkerHarness.id("explode");
        CartWorkflow wf = stub(id);
        WorkflowClient.start(wf::run);
        WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, () -> wf.explode("on purpose"));
        ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, e.getCause());
        assertEquals("Boom", cause.getType());
        assertTrue(cause.getOriginalMessage().contains("exploded: on purpose"));
        // Accepted, then completed with the failure as outcome; the workflow goes on.
        List<HistoryEvent> completed = ofType(history(id), EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED);
        assertEquals(1, completed.size());
        assertEquals("exploded: on purpose",
                completed.get(0).getWorkflowExecutionUpdateCompletedEventAttributes().getOutcome().getFailure().getMessage());
        assertEquals(1, wf.add("after"));
        wf.checkout();
    }

    @Test
    void updateWithStartCreatesTheWorkflowThenUsesTheRunningOne() {
        String id = WorkerHarness.id("uws");
        CartWorkflow first = h.client.newWorkflowStub(CartWorkflow.class, options(id)
                .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING).build());
        WithStartWorkflowOperation<String> start1 = new WithStartWorkflowOperation<>(first::run);
        WorkflowUpdateHandle<Integer> h1 = WorkflowClient.startUpdateWithStart(first::add, "milk",
                UpdateOptions.<Integer>newBuilder().setWaitForStage(WorkflowUpdateStage.ACCEPTED).build(), start1);
        assertEquals(1, h1.getResult());
        String runId = h1.getExecution().getRunId();
        assertFalse(runId.isEmpty());

        CartWorkflow second = h.client.newWorkflowStub(CartWorkflow.class, options(id)
                .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING).build());
        WithStartWorkflowOperation<String> start2 = new WithStartWorkflowOperation<>(second::run);
        Integer size = WorkflowClient.executeUpdateWithStart(second::add, "eggs",
                UpdateOptions.<Integer>newBuilder().build(), start2);
        assertEquals(2, size);
        CartWorkflow running = h.client.newWorkflowStub(CartWorkflow.class, id);
        assertEquals(List.of("milk", "eggs"), running.items());
        running.checkout();
        assertEquals("bought [milk, eggs]", start2.getResult());
        List<HistoryEvent> events = history(id);
        assertEquals(runId, h.service.blockingStub().describeWorkflowExecution(
                io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id)).build())
                .getWorkflowExecutionInfo().getExecution().getRunId(), "the update joined the run it started");
        assertEquals(1, ofType(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED).size(), "one run only");
        assertEquals(2, ofType(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED).size());
    }

    @Test
    void theSameUpdateIdTwiceGivesTheSameResultAndRunsTheHandlerOnce() {
        String id = WorkerHarness.id("dedup");
        CartWorkflow wf = stub(id);
        WorkflowClient.start(wf::run);
        WorkflowStub untyped = WorkflowStub.fromTyped(wf);
        String item = "kiwi-" + UUID.randomUUID();
        UpdateOptions<Integer> opts = UpdateOptions.<Integer>newBuilder().setUpdateName("add").setUpdateId("same-id")
                .setWaitForStage(WorkflowUpdateStage.COMPLETED).setResultClass(Integer.class).build();
        assertEquals(1, untyped.startUpdate(opts, item).getResult());
        assertEquals(1, untyped.startUpdate(opts, item).getResult(), "the remembered outcome, not a second run");
        assertEquals(1, HANDLER_RUNS.get(item).get());
        assertEquals(List.of(item), wf.items());
        // A handle by update id polls the same outcome.
        assertEquals(1, untyped.getUpdateHandle("same-id", Integer.class).getResult());
        wf.checkout();
        assertEquals(1, ofType(history(id), EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED).size());
    }

    @Test
    void anAsyncUpdateWaitsForAcceptedThenGivesItsResult() throws Exception {
        String id = WorkerHarness.id("async");
        CartWorkflow wf = stub(id);
        WorkflowClient.start(wf::run);
        WorkflowStub untyped = WorkflowStub.fromTyped(wf);
        WorkflowUpdateHandle<Integer> handle = untyped.startUpdate("add", WorkflowUpdateStage.ACCEPTED, Integer.class, "fig");
        assertEquals(id, handle.getExecution().getWorkflowId());
        assertEquals(1, handle.getResultAsync().get(30, TimeUnit.SECONDS));
        assertEquals(1, handle.getResult());
        wf.checkout();
    }

    @Test
    void anUpdateOnACompletedWorkflowFails() throws Exception {
        String id = WorkerHarness.id("closed");
        CartWorkflow wf = stub(id);
        WorkflowClient.start(wf::run);
        wf.checkout();
        assertEquals("bought []", WorkflowStub.fromTyped(wf).getResult(30, TimeUnit.SECONDS, String.class));
        Exception e = assertThrows(Exception.class, () -> wf.add("late"));
        StatusRuntimeException status = findStatus(e);
        assertEquals(Status.Code.NOT_FOUND, status.getStatus().getCode());
        assertEquals("workflow execution already completed", status.getStatus().getDescription());
    }

    @Test
    void pollingAnUnknownUpdateIsNotFoundAndAnUpdateWithoutWorkerReturnsAdmittedOrDeadline() {
        String id = WorkerHarness.id("poll");
        // A queue nobody polls: the update is admitted and waits.
        String runId = h.client.newUntypedWorkflowStub("CartWorkflow", WorkflowOptions.newBuilder().setWorkflowId(id)
                .setTaskQueue("nobody-" + UUID.randomUUID()).build()).start().getRunId();
        var stub = h.service.blockingStub();
        StatusRuntimeException notFound = assertThrows(StatusRuntimeException.class, () -> stub.pollWorkflowExecutionUpdate(
                PollWorkflowExecutionUpdateRequest.newBuilder().setNamespace("default")
                        .setUpdateRef(UpdateRef.newBuilder().setUpdateId("nope").setWorkflowExecution(
                                WorkflowExecution.newBuilder().setWorkflowId(id).setRunId(runId)))
                        .setWaitPolicy(WaitPolicy.newBuilder().setLifecycleStage(
                                UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED))
                        .build()));
        assertEquals(Status.Code.NOT_FOUND, notFound.getStatus().getCode());
        assertEquals("update \"nope\" not found", notFound.getStatus().getDescription());

        var request = io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                .setWaitPolicy(WaitPolicy.newBuilder().setLifecycleStage(
                        UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED))
                .setRequest(io.temporal.api.update.v1.Request.newBuilder()
                        .setMeta(io.temporal.api.update.v1.Meta.newBuilder().setUpdateId("waiting"))
                        .setInput(io.temporal.api.update.v1.Input.newBuilder().setName("add")))
                .build();
        StatusRuntimeException deadline = assertThrows(StatusRuntimeException.class,
                () -> stub.withDeadlineAfter(2, TimeUnit.SECONDS).updateWorkflowExecution(request));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, deadline.getStatus().getCode());
        // The admitted update is known now: a poll for its stage answers ADMITTED at once.
        var polled = stub.pollWorkflowExecutionUpdate(PollWorkflowExecutionUpdateRequest.newBuilder().setNamespace("default")
                .setUpdateRef(UpdateRef.newBuilder().setUpdateId("waiting").setWorkflowExecution(
                        WorkflowExecution.newBuilder().setWorkflowId(id)))
                .build());
        assertEquals(UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED, polled.getStage());
        assertEquals(runId, polled.getUpdateRef().getWorkflowExecution().getRunId());
        // Past the 20 s soft timeout, a caller with a longer deadline gets the stage reached (ADMITTED), not an error.
        var answer = stub.withDeadlineAfter(40, TimeUnit.SECONDS).updateWorkflowExecution(request);
        assertEquals(UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED, answer.getStage());
        assertFalse(answer.hasOutcome());
        h.client.newUntypedWorkflowStub(id).terminate("done");
    }

    @Test
    void moreThanTenUpdatesInFlightAreResourceExhausted() {
        String id = WorkerHarness.id("limit");
        h.client.newUntypedWorkflowStub("CartWorkflow", WorkflowOptions.newBuilder().setWorkflowId(id)
                .setTaskQueue("nobody-" + UUID.randomUUID()).build()).start();
        var stub = h.service.blockingStub();
        for (int i = 0; i < 10; i++) {
            StatusRuntimeException waiting = assertThrows(StatusRuntimeException.class,
                    () -> stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS).updateWorkflowExecution(rawUpdate(id, "u" + UUID.randomUUID())));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, waiting.getStatus().getCode());
        }
        StatusRuntimeException full = assertThrows(StatusRuntimeException.class,
                () -> stub.withDeadlineAfter(5, TimeUnit.SECONDS).updateWorkflowExecution(rawUpdate(id, "eleventh")));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode());
        assertEquals("limit on number of concurrent in-flight updates has been reached (10)", full.getStatus().getDescription());
        var detail = io.grpc.protobuf.StatusProto.fromThrowable(full).getDetails(0);
        assertEquals(io.temporal.api.enums.v1.ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
                unpack(detail, io.temporal.api.errordetails.v1.ResourceExhaustedFailure.class).getCause());
        h.client.newUntypedWorkflowStub(id).terminate("done");
    }

    @Test
    void updateWithStartOnARunningWorkflowWithFailPolicyIsAMultiOperationError() {
        String id = WorkerHarness.id("uws-fail");
        CartWorkflow wf = stub(id);
        WorkflowClient.start(wf::run);
        var start = io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setWorkflowId(id).setWorkflowType(io.temporal.api.common.v1.WorkflowType.newBuilder().setName("CartWorkflow"))
                .setTaskQueue(io.temporal.api.taskqueue.v1.TaskQueue.newBuilder().setName(queue))
                .setRequestId(UUID.randomUUID().toString())
                .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL);
        var multi = io.temporal.api.workflowservice.v1.ExecuteMultiOperationRequest.newBuilder().setNamespace("default")
                .addOperations(io.temporal.api.workflowservice.v1.ExecuteMultiOperationRequest.Operation.newBuilder().setStartWorkflow(start))
                .addOperations(io.temporal.api.workflowservice.v1.ExecuteMultiOperationRequest.Operation.newBuilder()
                        .setUpdateWorkflow(rawUpdate(id, "uws-1").toBuilder().setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(id))))
                .build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> h.service.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS).executeMultiOperation(multi));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        assertEquals("Update-with-Start could not be executed.", e.getStatus().getDescription());
        var failure = unpack(io.grpc.protobuf.StatusProto.fromThrowable(e).getDetails(0),
                io.temporal.api.errordetails.v1.MultiOperationExecutionFailure.class);
        assertEquals(2, failure.getStatusesCount());
        assertEquals(Status.Code.ALREADY_EXISTS.value(), failure.getStatuses(0).getCode());
        assertTrue(failure.getStatuses(0).getDetails(0).is(io.temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure.class));
        assertEquals(Status.Code.ABORTED.value(), failure.getStatuses(1).getCode());
        assertTrue(failure.getStatuses(1).getDetails(0).is(io.temporal.api.failure.v1.MultiOperationExecutionAborted.class));

        // Frontend validation: a run id on the update is not allowed, the start is aborted.
        var withRunId = multi.toBuilder().setOperations(1, multi.getOperations(1).toBuilder().setUpdateWorkflow(
                multi.getOperations(1).getUpdateWorkflow().toBuilder().setWorkflowExecution(
                        WorkflowExecution.newBuilder().setWorkflowId(id).setRunId(UUID.randomUUID().toString())))).build();
        StatusRuntimeException invalid = assertThrows(StatusRuntimeException.class,
                () -> h.service.blockingStub().executeMultiOperation(withRunId));
        assertEquals(Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());
        var statuses = unpack(io.grpc.protobuf.StatusProto.fromThrowable(invalid).getDetails(0),
                io.temporal.api.errordetails.v1.MultiOperationExecutionFailure.class).getStatusesList();
        assertEquals(Status.Code.ABORTED.value(), statuses.get(0).getCode());
        assertEquals("RunId is not allowed.", statuses.get(1).getMessage());
        wf.checkout();
    }

    private static io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest rawUpdate(String workflowId, String updateId) {
        return io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest.newBuilder().setNamespace("default")
                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                .setWaitPolicy(WaitPolicy.newBuilder().setLifecycleStage(
                        UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED))
                .setRequest(io.temporal.api.update.v1.Request.newBuilder()
                        .setMeta(io.temporal.api.update.v1.Meta.newBuilder().setUpdateId(updateId))
                        .setInput(io.temporal.api.update.v1.Input.newBuilder().setName("add")
                                .setArgs(io.temporal.api.common.v1.Payloads.newBuilder().addPayloads(
                                        io.temporal.common.converter.DefaultDataConverter.newDefaultInstance()
                                                .toPayload("x").get()))))
                .build();
    }

    private static <T extends com.google.protobuf.Message> T unpack(com.google.protobuf.Any any, Class<T> type) {
        try {
            return any.unpack(type);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static StatusRuntimeException findStatus(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StatusRuntimeException s) {
                return s;
            }
        }
        throw new AssertionError("no gRPC status in " + t, t);
    }
}
