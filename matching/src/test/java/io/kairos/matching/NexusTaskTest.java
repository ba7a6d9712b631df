package io.kairos.matching;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import com.google.protobuf.util.Durations;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.common.ids.NexusTaskToken;
import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.proto.matching.v1.DescribeTaskQueueRequest;
import io.kairos.proto.matching.v1.DispatchNexusTaskRequest;
import io.kairos.proto.matching.v1.DispatchNexusTaskResponse;
import io.kairos.proto.matching.v1.PollNexusTaskQueueRequest;
import io.kairos.proto.matching.v1.RespondNexusTaskRequest;
import io.micrometer.core.instrument.Counter;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.failure.v1.NexusHandlerFailureInfo;
import io.temporal.api.nexus.v1.HandlerError;
import io.temporal.api.nexus.v1.Request;
import io.temporal.api.nexus.v1.Response;
import io.temporal.api.nexus.v1.StartOperationRequest;
import io.temporal.api.nexus.v1.StartOperationResponse;
import io.temporal.api.workflowservice.v1.PollNexusTaskQueueResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.kairos.matching.MatchingHarness.NS;
import static io.kairos.matching.MatchingHarness.await;
import static io.kairos.matching.MatchingHarness.queue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nexus tasks: handed to Nexus polls only, answered by RespondNexusTask, forgotten when they end. */
class NexusTaskTest {
    private static final MatchingConfig CONFIG = MatchingConfig.defaults().withLongPollTimeout(Duration.ofSeconds(5));
    private static final Payload RESULT = Payload.newBuilder().setData(ByteString.copyFromUtf8("\"hello\"")).build();

    private final MatchingHarness h = new MatchingHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private static DispatchNexusTaskRequest dispatch(String queue, Duration timeout) {
        return DispatchNexusTaskRequest.newBuilder().setNamespaceId(NS.toString()).setTaskQueue(queue(queue))
                .setRequest(Request.newBuilder().putHeader("caller", "test").setStartOperation(StartOperationRequest
                        .newBuilder().setService("greeting").setOperation("hello").setRequestId("req-1")
                        .setPayload(RESULT)))
                .setTimeout(Durations.fromMillis(timeout.toMillis())).build();
    }

    private static PollNexusTaskQueueRequest poll(String queue, String identity) {
        return PollNexusTaskQueueRequest.newBuilder().setNamespaceId(NS.toString())
                .setRequest(io.temporal.api.workflowservice.v1.PollNexusTaskQueueRequest.newBuilder()
                        .setNamespace("default").setTaskQueue(queue(queue)).setIdentity(identity))
                .build();
    }

    private static RespondNexusTaskRequest.Builder answer(PollNexusTaskQueueResponse task) {
        NexusTaskToken token = NexusTaskToken.parse(task.getTaskToken());
        return RespondNexusTaskRequest.newBuilder().setNamespaceId(token.namespaceId().toString())
                .setTaskQueue(token.taskQueue()).setNexusTaskId(token.taskId());
    }

    private static Response syncResult() {
        return Response.newBuilder().setStartOperation(StartOperationResponse.newBuilder()
                .setSyncSuccess(StartOperationResponse.Sync.newBuilder().setPayload(RESULT))).build();
    }

    @Test
    void aWaitingPollGetsTheTaskWithItsTimeLeftAndTheWorkersAnswerIsTheResult() throws Exception {
        MatchingHarness.Node node = h.start(CONFIG);
        ListenableFuture<PollNexusTaskQueueResponse> poll = node.async().pollNexusTaskQueue(poll("nq", "worker-1"));
        node.awaitWaitingPolls("nq", TaskQueueType.TASK_QUEUE_TYPE_NEXUS, 1);

        ListenableFuture<DispatchNexusTaskResponse> result = node.async().dispatchNexusTask(dispatch("nq", Duration.ofSeconds(10)));
        PollNexusTaskQueueResponse task = poll.get(5, TimeUnit.SECONDS);
        assertEquals("hello", task.getRequest().getStartOperation().getOperation());
        assertEquals("test", task.getRequest().getHeaderOrThrow("caller"), "the caller's headers are kept");
        String timeout = task.getRequest().getHeaderOrThrow("request-timeout");
        assertEquals(timeout, task.getRequest().getHeaderOrThrow("Request-Timeout"));
        assertTrue(timeout.matches("[0-9]\\.[0-9]+s|10s"), timeout);
        assertFalse(task.getRequest().containsHeader("operation-timeout"), "history gave no operation timeout");
        NexusTaskToken token = NexusTaskToken.parse(task.getTaskToken());
        assertEquals(NS, token.namespaceId());
        assertEquals("nq", token.taskQueue());
        assertEquals(1, node.service.nexus().inFlight());

        node.blocking().respondNexusTask(answer(task).setResponse(syncResult()).build());
        assertEquals(syncResult(), result.get(5, TimeUnit.SECONDS).getResponse());
        await("task forgotten", () -> node.service.nexus().inFlight() == 0);

        StatusRuntimeException late = assertThrows(StatusRuntimeException.class,
                () -> node.blocking().respondNexusTask(answer(task).setResponse(syncResult()).build()));
        assertEquals(Status.Code.NOT_FOUND, late.getStatus().getCode());
        assertEquals("Nexus task not found or already expired", late.getStatus().getDescription());

        // Temporal's meters: the poll and the answers, the late answer, the poll that took a task
        assertEquals(1.0, node.meters.find(MatchingMetrics.NEXUS_TASK_REQUESTS).tag("namespace", "default")
                .tag("operation", "PollNexusTaskQueue").counter().count());
        assertEquals(2.0, node.meters.find(MatchingMetrics.NEXUS_TASK_REQUESTS)
                .tag("operation", "RespondNexusTaskCompleted").counter().count());
        assertEquals(1.0, node.meters.find(MatchingMetrics.RESPOND_NEXUS_FAILED).tag("taskqueue", "nq")
                .tag("operation", "RespondNexusTaskCompleted").counter().count());
        assertEquals(1.0, node.meters.find(MatchingMetrics.POLL_SUCCESS).tag("task_type", "Nexus")
                .tag("taskqueue", "nq").counter().count());
    }

    /** History's operation-timeout (Go duration text) reaches the worker as the time left at hand-over, in ms. */
    @Test
    void theOperationTimeoutIsTheTimeLeftWhenThePollTakesTheTask() throws Exception {
        MatchingHarness.Node node = h.start(CONFIG);
        DispatchNexusTaskRequest request = dispatch("nq", Duration.ofSeconds(10));
        request = request.toBuilder().setRequest(request.getRequest().toBuilder().putHeader("Operation-Timeout", "1m30s"))
                .build();
        ListenableFuture<DispatchNexusTaskResponse> result = node.async().dispatchNexusTask(request);
        await("task registered", () -> node.service.nexus().inFlight() == 1);
        Thread.sleep(200);
        PollNexusTaskQueueResponse task = node.blocking().pollNexusTaskQueue(poll("nq", "worker-1"));
        assertFalse(task.getRequest().containsHeader("Operation-Timeout"), "one spelling, Temporal's");
        String left = task.getRequest().getHeaderOrThrow("operation-timeout");
        assertTrue(left.matches("[0-9]+ms"), left);
        long ms = Long.parseLong(left.replace("ms", ""));
        assertTrue(ms > 85_000 && ms <= 89_800, left);
        node.blocking().respondNexusTask(answer(task).setResponse(syncResult()).build());
        assertEquals(syncResult(), result.get(5, TimeUnit.SECONDS).getResponse());
    }

    @Test
    void aTaskWaitsForTheNextPollAndAHandlerErrorOrFailureIsDelivered() throws Exception {
        MatchingHarness.Node node = h.start(CONFIG);
        ListenableFuture<DispatchNexusTaskResponse> first = node.async().dispatchNexusTask(dispatch("nq", Duration.ofSeconds(10)));
        await("task registered", () -> node.service.nexus().inFlight() == 1);
        PollNexusTaskQueueResponse task = node.blocking().pollNexusTaskQueue(poll("nq", "worker-1"));
        HandlerError error = HandlerError.newBuilder().setErrorType("BAD_REQUEST")
                .setFailure(io.temporal.api.nexus.v1.Failure.newBuilder().setMessage("no such greeting")).build();
        node.blocking().respondNexusTask(answer(task).setHandlerError(error).build());
        assertEquals(error, first.get(5, TimeUnit.SECONDS).getHandlerError());

        ListenableFuture<DispatchNexusTaskResponse> second = node.async().dispatchNexusTask(dispatch("nq", Duration.ofSeconds(10)));
        await("task registered", () -> node.service.nexus().inFlight() == 1);
        PollNexusTaskQueueResponse task2 = node.blocking().pollNexusTaskQueue(poll("nq", "worker-1"));
        Failure failure = Failure.newBuilder().setMessage("handler failed")
                .setNexusHandlerFailureInfo(NexusHandlerFailureInfo.newBuilder().setType("INTERNAL")).build();
        node.blocking().respondNexusTask(answer(task2).setFailure(failure).build());
        assertEquals(failure, second.get(5, TimeUnit.SECONDS).getFailure());
        await("task forgotten", () -> node.service.nexus().inFlight() == 0);
    }

    @Test
    void aTaskNobodyPollsForEndsAtItsTimeoutAndALateAnswerIsNotFound() throws Exception {
        MatchingHarness.Node node = h.start(CONFIG.withLongPollTimeout(Duration.ofMillis(300)));
        long start = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> node.blocking().dispatchNexusTask(dispatch("nq", Duration.ofMillis(400))));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        assertTrue(tookMs >= 350 && tookMs < 3_000, "took " + tookMs + " ms");
        await("task forgotten", () -> node.service.nexus().inFlight() == 0);
        // The expired task is gone from the queue: the poll ends empty after its timeout.
        long polled = System.nanoTime();
        assertEquals(PollNexusTaskQueueResponse.getDefaultInstance(),
                node.blocking().pollNexusTaskQueue(poll("nq", "worker-1")));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - polled) >= 250, "the poll waited");
        // counted just after the empty answer is sent
        await("poll timeout counted", () -> {
            Counter timeouts = node.meters.find(MatchingMetrics.POLL_TIMEOUTS).tag("task_type", "Nexus").counter();
            return timeouts != null && timeouts.count() == 1.0;
        });
    }

    @Test
    void anAnswerAfterTheTimeoutIsNotFound() throws Exception {
        MatchingHarness.Node node = h.start(CONFIG);
        ListenableFuture<PollNexusTaskQueueResponse> poll = node.async().pollNexusTaskQueue(poll("nq", "worker-1"));
        node.awaitWaitingPolls("nq", TaskQueueType.TASK_QUEUE_TYPE_NEXUS, 1);
        ListenableFuture<DispatchNexusTaskResponse> result = node.async().dispatchNexusTask(dispatch("nq", Duration.ofMillis(300)));
        PollNexusTaskQueueResponse task = poll.get(5, TimeUnit.SECONDS);
        var error = assertThrows(java.util.concurrent.ExecutionException.class, () -> result.get(5, TimeUnit.SECONDS));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, Status.fromThrowable(error.getCause()).getCode());
        StatusRuntimeException late = assertThrows(StatusRuntimeException.class,
                () -> node.blocking().respondNexusTask(answer(task).setResponse(syncResult()).build()));
        assertEquals(Status.Code.NOT_FOUND, late.getStatus().getCode());
        await("task forgotten", () -> node.service.nexus().inFlight() == 0);
    }

    @Test
    void nexusPollersAreDescribedAndOtherTaskTypesDoNotTakeNexusTasks() throws Exception {
        MatchingHarness.Node node = h.start(CONFIG.withLongPollTimeout(Duration.ofMillis(500)));
        assertEquals(PollNexusTaskQueueResponse.getDefaultInstance(),
                node.blocking().pollNexusTaskQueue(poll("nq", "nexus-worker")));
        var described = node.blocking().describeTaskQueue(DescribeTaskQueueRequest.newBuilder()
                .setNamespaceId(NS.toString()).setRequest(io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest
                        .newBuilder().setNamespace("default").setTaskQueue(queue("nq"))
                        .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_NEXUS)).build());
        assertEquals(1, described.getPollersCount());
        assertEquals("nexus-worker", described.getPollers(0).getIdentity());
        var workflowSide = node.blocking().describeTaskQueue(DescribeTaskQueueRequest.newBuilder()
                .setNamespaceId(NS.toString()).setRequest(io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest
                        .newBuilder().setNamespace("default").setTaskQueue(queue("nq"))).build());
        assertEquals(0, workflowSide.getPollersCount(), "a Nexus poller is no workflow poller");

        // a workflow poll of the same name never sees the Nexus task
        var workflowPoll = node.async().pollWorkflowTaskQueue(MatchingHarness.pollWorkflow("nq", "wf-worker"));
        ListenableFuture<DispatchNexusTaskResponse> result = node.async().dispatchNexusTask(dispatch("nq", Duration.ofSeconds(5)));
        assertEquals(io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse.getDefaultInstance(),
                workflowPoll.get(5, TimeUnit.SECONDS));
        assertFalse(result.isDone());
        PollNexusTaskQueueResponse task = node.blocking().pollNexusTaskQueue(poll("nq", "nexus-worker"));
        node.blocking().respondNexusTask(answer(task).setResponse(syncResult()).build());
        assertEquals(syncResult(), result.get(5, TimeUnit.SECONDS).getResponse());
    }

    /** A Nexus queue has an owner like any queue: another host turns its calls away, naming the owner. */
    @Test
    void aNexusQueueMovingEndsItsPollsAndTasksWithMoved() throws Exception {
        java.util.Map<String, String> owners = new java.util.concurrent.ConcurrentHashMap<>();
        MatchingHarness.Node a = h.start(CONFIG, "a", key -> {
            String owner = owners.getOrDefault(key.name(), "a");
            return owner.equals("a") ? null : owner;
        });
        ListenableFuture<DispatchNexusTaskResponse> waiting = a.async().dispatchNexusTask(dispatch("nq", Duration.ofSeconds(20)));
        await("task registered", () -> a.service.nexus().inFlight() == 1);
        owners.put("nq", "b");
        a.service.rebalance();
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
        assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(e.getCause()).getCode());
        await("task forgotten", () -> a.service.nexus().inFlight() == 0);

        var dispatchMoved = io.kairos.common.grpc.ErrorMapper.ownershipMoved(assertThrows(StatusRuntimeException.class,
                () -> a.blocking().dispatchNexusTask(dispatch("nq", Duration.ofSeconds(5)))));
        assertEquals("b", dispatchMoved.getOwnerAddress());
        var pollMoved = io.kairos.common.grpc.ErrorMapper.ownershipMoved(assertThrows(StatusRuntimeException.class,
                () -> a.blocking().pollNexusTaskQueue(poll("nq", "worker-1"))));
        assertEquals("b", pollMoved.getOwnerAddress());
        await("task forgotten", () -> a.service.nexus().inFlight() == 0);
    }

    @Test
    void badRequestsAreInvalidArguments() {
        MatchingHarness.Node node = h.start(CONFIG);
        StatusRuntimeException noVariant = assertThrows(StatusRuntimeException.class, () -> node.blocking()
                .dispatchNexusTask(dispatch("nq", Duration.ofSeconds(1)).toBuilder().setRequest(Request.getDefaultInstance()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, noVariant.getStatus().getCode());
        StatusRuntimeException noQueue = assertThrows(StatusRuntimeException.class, () -> node.blocking()
                .dispatchNexusTask(dispatch("", Duration.ofSeconds(1))));
        assertEquals(Status.Code.INVALID_ARGUMENT, noQueue.getStatus().getCode());
        StatusRuntimeException noOutcome = assertThrows(StatusRuntimeException.class, () -> node.blocking()
                .respondNexusTask(RespondNexusTaskRequest.newBuilder().setNamespaceId(NS.toString())
                        .setTaskQueue("nq").setNexusTaskId("x").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, noOutcome.getStatus().getCode());
        await("task forgotten", () -> node.service.nexus().inFlight() == 0);
        assertEquals(0, node.waitingPolls("nq", TaskQueueType.TASK_QUEUE_TYPE_NEXUS));
        assertTrue(new TaskQueueKey(NS, "nq", TaskQueueType.TASK_QUEUE_TYPE_NEXUS).type()
                == TaskQueueType.TASK_QUEUE_TYPE_NEXUS);
    }
}
