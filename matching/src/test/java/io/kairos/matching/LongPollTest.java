package io.kairos.matching;

import com.google.common.util.concurrent.ListenableFuture;
import io.kairos.proto.matching.v1.AddWorkflowTaskResponse;
import io.kairos.proto.matching.v1.DescribeMatchingHostRequest;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.kairos.matching.MatchingHarness.addWorkflow;
import static io.kairos.matching.MatchingHarness.await;
import static io.kairos.matching.MatchingHarness.config;
import static io.kairos.matching.MatchingHarness.pollWorkflow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Long polls: empty answers at the timeout or before the caller's deadline, no thread per poll, cancellation. */
class LongPollTest {
    private static final TaskQueueType WORKFLOW = TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW;
    private static final PollWorkflowTaskQueueResponse EMPTY = PollWorkflowTaskQueueResponse.getDefaultInstance();

    private final MatchingHarness h = new MatchingHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    @Test
    void aPollWithNoTaskAnswersEmptyAtTheLongPollTimeout() {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(500)));
        long start = System.nanoTime();
        PollWorkflowTaskQueueResponse got = node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"));
        long took = millisSince(start);
        assertEquals(EMPTY, got);
        assertTrue(took >= 450 && took < 3_000, "answered after " + took + " ms");
        System.out.printf("long-poll timeout 500 ms answered empty after %d ms%n", took);
    }

    @Test
    void aPollAnswersEmptyAboutASecondBeforeTheCallersDeadline() {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(60)));
        long start = System.nanoTime();
        PollWorkflowTaskQueueResponse got = node.blocking().withDeadlineAfter(2_500, TimeUnit.MILLISECONDS)
                .pollWorkflowTaskQueue(pollWorkflow("orders", "w"));
        long took = millisSince(start);
        assertEquals(EMPTY, got, "an empty answer, not DEADLINE_EXCEEDED");
        assertTrue(took >= 1_200 && took < 2_400, "answered after " + took + " ms");
        System.out.printf("poll with a 2.5 s deadline answered empty after %d ms%n", took);
    }

    @Test
    void twoHundredWaitingPollsDoNotHoldServerThreads() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(500)));
        long start = System.nanoTime();
        List<ListenableFuture<PollWorkflowTaskQueueResponse>> polls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            polls.add(node.async().pollWorkflowTaskQueue(pollWorkflow("orders", "w-" + i)));
        }
        // with 4 server threads, a thread-per-poll server could not even answer this while they wait
        long describeStart = System.nanoTime();
        node.blocking().withDeadlineAfter(2, TimeUnit.SECONDS).describeMatchingHost(DescribeMatchingHostRequest.getDefaultInstance());
        long describeTook = millisSince(describeStart);
        for (var p : polls) {
            assertEquals(EMPTY, p.get(10, TimeUnit.SECONDS));
        }
        long took = millisSince(start);
        assertTrue(took < 5_000, "200 polls of 500 ms on " + MatchingHarness.SERVER_THREADS + " threads took " + took + " ms");
        System.out.printf("200 concurrent 500 ms polls on %d server threads all answered empty in %d ms "
                + "(DescribeMatchingHost meanwhile: %d ms)%n", MatchingHarness.SERVER_THREADS, took, describeTook);
    }

    @Test
    void twoHundredWaitingPollsEachGetOneOfTwoHundredTasks() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        List<ListenableFuture<PollWorkflowTaskQueueResponse>> polls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            polls.add(node.async().pollWorkflowTaskQueue(pollWorkflow("orders", "w-" + i)));
        }
        node.awaitWaitingPolls("orders", WORKFLOW, 200);
        long start = System.nanoTime();
        List<ListenableFuture<AddWorkflowTaskResponse>> adds = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            adds.add(node.async().addWorkflowTask(addWorkflow("orders", "wf-" + i)));
        }
        Set<String> got = new HashSet<>();
        for (var p : polls) {
            got.add(p.get(10, TimeUnit.SECONDS).getWorkflowExecution().getWorkflowId());
        }
        for (var a : adds) {
            a.get(10, TimeUnit.SECONDS);
        }
        long took = millisSince(start);
        assertEquals(200, got.size(), "every poll got a distinct task");
        assertEquals(List.of(), h.backlog("orders"), "all were sync-matched");
        System.out.printf("200 sync matches completed in %d ms%n", took);
    }

    @Test
    void aCancelledPollIsNotHandedATask() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        ListenableFuture<PollWorkflowTaskQueueResponse> poll = node.async().pollWorkflowTaskQueue(pollWorkflow("orders", "w"));
        node.awaitWaitingPolls("orders", WORKFLOW, 1);
        poll.cancel(true);
        node.awaitWaitingPolls("orders", WORKFLOW, 0);

        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-1"));
        assertEquals(0, h.history.workflowCalls.size(), "no start for a poller that went away");
        assertEquals(1, h.backlog("orders").size(), "the task went to the backlog");
    }

    @Test
    void aPollArrivingLaterGetsTheBacklogWithoutWaiting() {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-1"));
        long start = System.nanoTime();
        assertEquals("wf-1", node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"))
                .getWorkflowExecution().getWorkflowId());
        long took = millisSince(start);
        assertTrue(took < 2_000, "took " + took + " ms");
        await("row deleted", () -> h.backlog("orders").isEmpty());
    }
}
