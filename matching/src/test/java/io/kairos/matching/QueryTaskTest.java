package io.kairos.matching;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.kairos.common.ids.TaskToken;
import io.kairos.proto.matching.v1.QueryWorkflowRequest;
import io.kairos.proto.matching.v1.RespondQueryTaskCompletedRequest;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.QueryResultType;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.errordetails.v1.QueryFailedFailure;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.query.v1.WorkflowQuery;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.QueryWorkflowResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.kairos.matching.MatchingHarness.NS;
import static io.kairos.matching.MatchingHarness.await;
import static io.kairos.matching.MatchingHarness.execution;
import static io.kairos.matching.MatchingHarness.pollWorkflow;
import static io.kairos.matching.MatchingHarness.queue;
import static io.kairos.matching.MatchingHarness.sticky;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Legacy query tasks: handed to polls only, answered by RespondQueryTaskCompleted, forgotten when they end. */
class QueryTaskTest {
    private static final MatchingConfig CONFIG = MatchingConfig.defaults().withLongPollTimeout(Duration.ofSeconds(5))
            .withStickyPollerTimeout(Duration.ofSeconds(1));
    private static final Payloads ANSWER = Payloads.newBuilder()
            .addPayloads(Payload.newBuilder().setData(ByteString.copyFromUtf8("42"))).build();

    private final MatchingHarness h = new MatchingHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private static QueryWorkflowRequest query(TaskQueue queue, String workflowId, String type) {
        return QueryWorkflowRequest.newBuilder().setNamespaceId(NS.toString()).setTaskQueue(queue)
                .setRequest(io.temporal.api.workflowservice.v1.QueryWorkflowRequest.newBuilder().setNamespace("default")
                        .setExecution(execution(workflowId)).setQuery(WorkflowQuery.newBuilder().setQueryType(type)))
                .build();
    }

    private static RespondQueryTaskCompletedRequest answer(PollWorkflowTaskQueueResponse task,
                                                           io.temporal.api.workflowservice.v1.RespondQueryTaskCompletedRequest r) {
        TaskToken token = TaskToken.parse(task.getTaskToken());
        return RespondQueryTaskCompletedRequest.newBuilder().setNamespaceId(NS.toString())
                .setTaskQueue(token.data().getQueryTaskQueue()).setQueryTaskId(token.data().getQueryTaskId())
                .setRequest(r.toBuilder().setTaskToken(task.getTaskToken())).build();
    }

    @Test
    void aWaitingPollGetsTheQueryAndTheWorkersAnswerIsTheResult() throws Exception {
        MatchingHarness.Node node = h.start(CONFIG);
        ListenableFuture<PollWorkflowTaskQueueResponse> poll = node.async().pollWorkflowTaskQueue(pollWorkflow("q", "worker-1"));
        node.awaitWaitingPolls("q", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, 1);

        ListenableFuture<QueryWorkflowResponse> result = node.async().queryWorkflow(query(queue("q"), "wf-1", "state"));
        PollWorkflowTaskQueueResponse task = poll.get(5, TimeUnit.SECONDS);
        assertEquals("state", task.getQuery().getQueryType());
        assertEquals("wf-1", task.getWorkflowExecution().getWorkflowId());
        assertEquals("QueriedWorkflow", task.getWorkflowType().getName(), "history described the run");
        TaskToken token = TaskToken.parse(task.getTaskToken());
        assertTrue(token.isQuery());
        assertEquals("q", token.data().getQueryTaskQueue());
        assertEquals(1, h.history.queryCalls.size());
        assertEquals("q", h.history.queryCalls.get(0).getPollTaskQueue().getName());
        assertEquals(0, h.history.workflowCalls.size(), "a query starts no workflow task");

        node.blocking().respondQueryTaskCompleted(answer(task, io.temporal.api.workflowservice.v1.RespondQueryTaskCompletedRequest
                .newBuilder().setCompletedType(QueryResultType.QUERY_RESULT_TYPE_ANSWERED).setQueryResult(ANSWER).build()));
        assertEquals(ANSWER, result.get(5, TimeUnit.SECONDS).getQueryResult());
        assertEquals(0, node.service.queries().inFlight());

        StatusRuntimeException late = assertThrows(StatusRuntimeException.class, () -> node.blocking()
                .respondQueryTaskCompleted(answer(task, io.temporal.api.workflowservice.v1.RespondQueryTaskCompletedRequest
                        .newBuilder().setCompletedType(QueryResultType.QUERY_RESULT_TYPE_ANSWERED).build())));
        assertEquals(Status.Code.NOT_FOUND, late.getStatus().getCode());
    }

    @Test
    void aQueryWaitsForTheNextPollAndAFailedAnswerIsQueryFailed() throws Exception {
        MatchingHarness.Node node = h.start(CONFIG);
        ListenableFuture<QueryWorkflowResponse> result = node.async().queryWorkflow(query(queue("q"), "wf-1", "state"));
        await("query registered", () -> node.service.queries().inFlight() == 1);
        PollWorkflowTaskQueueResponse task = node.blocking().pollWorkflowTaskQueue(pollWorkflow("q", "worker-1"));
        assertEquals("state", task.getQuery().getQueryType());

        Failure failure = Failure.newBuilder().setMessage("no such state").build();
        node.blocking().respondQueryTaskCompleted(answer(task, io.temporal.api.workflowservice.v1.RespondQueryTaskCompletedRequest
                .newBuilder().setCompletedType(QueryResultType.QUERY_RESULT_TYPE_FAILED).setErrorMessage("no such state")
                .setFailure(failure).build()));
        ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(5, TimeUnit.SECONDS));
        StatusRuntimeException status = assertInstanceOf(StatusRuntimeException.class, e.getCause());
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getStatus().getCode());
        assertEquals("no such state", status.getStatus().getDescription());
        com.google.rpc.Status details = StatusProto.fromThrowable(status);
        assertEquals(failure, details.getDetails(0).unpack(QueryFailedFailure.class).getFailure());
        assertEquals(0, node.service.queries().inFlight());
    }

    @Test
    void aQueryNobodyPollsForEndsAtTheCallersDeadlineAndLeavesNothingBehind() {
        MatchingHarness.Node node = h.start(CONFIG.withLongPollTimeout(Duration.ofMillis(300)));
        long start = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> node.blocking()
                .withDeadlineAfter(500, TimeUnit.MILLISECONDS).queryWorkflow(query(queue("q"), "wf-1", "state")));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        assertTrue(tookMs < 2_000, "took " + tookMs + " ms");
        await("query forgotten", () -> node.service.queries().inFlight() == 0);
        // The expired query is gone from the queue: a poll now gets nothing.
        assertEquals(PollWorkflowTaskQueueResponse.getDefaultInstance(),
                node.blocking().pollWorkflowTaskQueue(pollWorkflow("q", "worker-1")));
        assertEquals(0, h.history.queryCalls.size());
    }

    @Test
    void aStickyQueueWithoutARecentPollerFailsFast() {
        MatchingHarness.Node node = h.start(CONFIG);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> node.blocking().queryWorkflow(query(sticky("worker-1:sticky"), "wf-1", "state")));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(StatusProto.fromThrowable(e).getDetails(0).getTypeUrl().endsWith("StickyWorkerUnavailableFailure"));
        assertEquals(0, node.service.queries().inFlight());
    }

    @Test
    void whenHistoryCannotDescribeTheRunTheQueryFailsAndThePollKeepsWaiting() throws Exception {
        MatchingHarness.Node node = h.start(CONFIG);
        h.history.thenAnswer(FakeHistory.Answer.NOT_FOUND);
        ListenableFuture<PollWorkflowTaskQueueResponse> poll = node.async().pollWorkflowTaskQueue(pollWorkflow("q", "worker-1"));
        node.awaitWaitingPolls("q", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, 1);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> node.blocking().queryWorkflow(query(queue("q"), "gone", "state")));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());

        node.blocking().addWorkflowTask(MatchingHarness.addWorkflow("q", "wf-2"));
        assertEquals("wf-2", poll.get(5, TimeUnit.SECONDS).getWorkflowExecution().getWorkflowId());
        assertEquals(0, node.service.queries().inFlight());
    }
}
