package io.kairos.matching;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.util.Durations;
import com.google.rpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.kairos.matching.MatchingHarness.addWorkflow;
import static io.kairos.matching.MatchingHarness.await;
import static io.kairos.matching.MatchingHarness.pollWorkflow;
import static io.kairos.matching.MatchingHarness.sticky;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Sticky queues: fail fast without a recent poller, expire backlogged tasks. */
class StickyQueueTest {
    private static final TaskQueue STICKY = sticky("worker-1:sticky");
    private static final MatchingConfig CONFIG = MatchingConfig.defaults()
            .withLongPollTimeout(Duration.ofMillis(200))
            .withStickyPollerTimeout(Duration.ofSeconds(1));

    private final MatchingHarness h = new MatchingHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private static void assertStickyUnavailable(Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(io.grpc.Status.Code.UNAVAILABLE, e.getStatus().getCode());
        Status status = StatusProto.fromThrowable(e);
        assertEquals(1, status.getDetailsCount(), String.valueOf(status));
        assertEquals("type.googleapis.com/temporal.server.api.errordetails.v1.StickyWorkerUnavailableFailure",
                status.getDetails(0).getTypeUrl());
    }

    @Test
    void anAddToAStickyQueueThatNoWorkerPolledFailsFast() {
        MatchingHarness.Node node = h.start(CONFIG);
        long start = System.nanoTime();
        assertStickyUnavailable(() -> node.blocking().addWorkflowTask(addWorkflow(STICKY, "wf-1", 2)));
        assertEquals(0, node.service.engine().loadedQueues(), "the check loads nothing");
        System.out.printf("sticky add without poller rejected in %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    @Test
    void anAddToAStickyQueuePolledRecentlyIsAcceptedAndRejectedOnceThePollerIsGone() throws Exception {
        MatchingHarness.Node node = h.start(CONFIG);
        assertEquals(PollWorkflowTaskQueueResponse.getDefaultInstance(),
                node.blocking().pollWorkflowTaskQueue(pollWorkflow(STICKY, "worker-1")));

        node.blocking().addWorkflowTask(addWorkflow(STICKY, "wf-1", 2));
        assertEquals(1, h.backlog(STICKY.getName()).size(), "accepted into the backlog: the worker polls again soon");

        Thread.sleep(1_200);
        assertStickyUnavailable(() -> node.blocking().addWorkflowTask(addWorkflow(STICKY, "wf-2", 2)));
    }

    @Test
    void aPollStillWaitingKeepsTheStickyQueueAvailablePastTheWindow() throws Exception {
        MatchingHarness.Node node = h.start(CONFIG.withLongPollTimeout(Duration.ofSeconds(5)));
        ListenableFuture<PollWorkflowTaskQueueResponse> poll = node.async().pollWorkflowTaskQueue(pollWorkflow(STICKY, "worker-1"));
        node.awaitWaitingPolls(STICKY.getName(), TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, 1);
        Thread.sleep(1_200);

        node.blocking().addWorkflowTask(addWorkflow(STICKY, "wf-1", 2));
        assertEquals("wf-1", poll.get(5, TimeUnit.SECONDS).getWorkflowExecution().getWorkflowId());
    }

    @Test
    void backloggedStickyTasksExpireWithTheirScheduleToStartTimeout() throws Exception {
        MatchingHarness.Node node = h.start(CONFIG);
        node.blocking().pollWorkflowTaskQueue(pollWorkflow(STICKY, "worker-1"));
        node.blocking().addWorkflowTask(addWorkflow(STICKY, "wf-1", 2).toBuilder()
                .setScheduleToStartTimeout(Durations.fromMillis(100)).build());
        assertEquals(1, h.backlog(STICKY.getName()).size());
        Thread.sleep(200);

        assertEquals(PollWorkflowTaskQueueResponse.getDefaultInstance(),
                node.blocking().pollWorkflowTaskQueue(pollWorkflow(STICKY, "worker-1")));
        assertEquals(0, h.history.workflowCalls.size());
        await("expired row deleted", () -> h.backlog(STICKY.getName()).isEmpty());
        assertEquals(List.of(), h.backlog(STICKY.getName()));
    }
}
