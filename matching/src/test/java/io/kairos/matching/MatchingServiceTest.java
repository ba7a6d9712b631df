package io.kairos.matching;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.proto.matching.v1.AddWorkflowTaskResponse;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.kairos.matching.MatchingHarness.addActivity;
import static io.kairos.matching.MatchingHarness.addWorkflow;
import static io.kairos.matching.MatchingHarness.await;
import static io.kairos.matching.MatchingHarness.config;
import static io.kairos.matching.MatchingHarness.pollActivity;
import static io.kairos.matching.MatchingHarness.pollWorkflow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sync match, backlog, restart, and what history's answers do to tasks. */
class MatchingServiceTest {
    private static final TaskQueueType WORKFLOW = TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW;

    private final MatchingHarness h = new MatchingHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private static String workflowId(PollWorkflowTaskQueueResponse r) {
        return r.getWorkflowExecution().getWorkflowId();
    }

    @Test
    void syncMatchHandsTheTaskToAWaitingPollAndAcksTheAddOnlyAfterHistoryStartedIt() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        ListenableFuture<PollWorkflowTaskQueueResponse> poll = node.async().pollWorkflowTaskQueue(pollWorkflow("orders", "worker-1"));
        node.awaitWaitingPolls("orders", WORKFLOW, 1);

        h.history.hold();
        ListenableFuture<AddWorkflowTaskResponse> add = node.async().addWorkflowTask(addWorkflow("orders", "wf-1"));
        await("history called", () -> h.history.workflowCalls.size() == 1);
        Thread.sleep(200);
        assertFalse(add.isDone(), "the add waits for history's answer");
        assertFalse(poll.isDone());

        h.history.release();
        add.get(5, TimeUnit.SECONDS);
        PollWorkflowTaskQueueResponse got = poll.get(5, TimeUnit.SECONDS);
        assertEquals("wf-1", workflowId(got));
        assertEquals(FakeHistory.token("wf-1", 2), got.getTaskToken());

        var call = h.history.workflowCalls.get(0);
        assertEquals(MatchingHarness.NS.toString(), call.getNamespaceId());
        assertEquals("worker-1", call.getPollRequest().getIdentity());
        assertFalse(call.getPollerId().isEmpty());
        assertEquals(2, call.getScheduledEventId());
        assertEquals(List.of(), h.backlog("orders"), "a sync match persists nothing");
    }

    @Test
    void aTaskWithNoPollerIsPersistedThenServedToALaterPollAndDeleted() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-1"));
        assertEquals(1, h.backlog("orders").size(), "acknowledged only once committed");
        assertEquals(0, h.history.workflowCalls.size());

        PollWorkflowTaskQueueResponse got = node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "worker-1"));
        assertEquals("wf-1", workflowId(got));
        assertEquals(1, h.history.workflowCalls.size());
        await("backlog row deleted", () -> h.backlog("orders").isEmpty());
    }

    @Test
    void anAddWithNoPollerIsOfferedToTheNextPollWithinTheSyncMatchWaitAndNeverPersisted() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)).withSyncMatchWait(Duration.ofSeconds(10)));
        ListenableFuture<AddWorkflowTaskResponse> add = node.async().addWorkflowTask(addWorkflow("orders", "wf-1"));
        Thread.sleep(200);
        assertFalse(add.isDone(), "not acknowledged: neither started nor committed yet");
        assertEquals(List.of(), h.backlog("orders"));

        PollWorkflowTaskQueueResponse got = node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "worker-1"));
        assertEquals("wf-1", workflowId(got));
        add.get(5, TimeUnit.SECONDS);
        assertEquals(List.of(), h.backlog("orders"), "handed over without the backlog");
    }

    @Test
    void anAddNoPollTakesWithinTheSyncMatchWaitIsPersistedThenServedAfterTheOlderBacklog() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)).withSyncMatchWait(Duration.ofMillis(300)));
        long start = System.nanoTime();
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-1"));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300), "held for the wait first");
        assertEquals(1, h.backlog("orders").size(), "acknowledged once committed to the backlog");

        ListenableFuture<AddWorkflowTaskResponse> held = node.async().addWorkflowTask(addWorkflow("orders", "wf-2"));
        Thread.sleep(50);
        assertEquals("wf-1", workflowId(node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"))),
                "the backlog is older than a held add");
        assertEquals("wf-2", workflowId(node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"))));
        held.get(5, TimeUnit.SECONDS);
        await("backlog drained", () -> h.backlog("orders").isEmpty());
    }

    @Test
    void pollResponsesCarryTheRemainingBacklogAsBacklogCountHint() {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        for (int i = 1; i <= 3; i++) {
            node.blocking().addWorkflowTask(addWorkflow("orders", "wf-" + i));
        }
        assertEquals(2, node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w")).getBacklogCountHint());
        assertEquals(1, node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w")).getBacklogCountHint());
        assertEquals(0, node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w")).getBacklogCountHint());
    }

    @Test
    void backlogIsServedOldestFirst() {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        for (int i = 1; i <= 5; i++) {
            node.blocking().addWorkflowTask(addWorkflow("orders", "wf-" + i));
        }
        for (int i = 1; i <= 5; i++) {
            assertEquals("wf-" + i, workflowId(node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"))));
        }
        await("backlog drained", () -> h.backlog("orders").isEmpty());
    }

    @Test
    void aRestartedServiceServesTheBacklogOfThePreviousOne() throws Exception {
        MatchingHarness.Node first = h.start(config(Duration.ofSeconds(20)));
        first.blocking().addWorkflowTask(addWorkflow("orders", "wf-before-restart"));
        first.close();

        MatchingHarness.Node second = h.start(config(Duration.ofSeconds(20)));
        PollWorkflowTaskQueueResponse got = second.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "worker-1"));
        assertEquals("wf-before-restart", workflowId(got));
        await("backlog row deleted", () -> h.backlog("orders").isEmpty());
    }

    @Test
    void aStaleTaskIsDroppedAndThePollGetsTheNextOne() {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-stale"));
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-live"));
        h.history.thenAnswer(FakeHistory.Answer.NOT_FOUND);

        PollWorkflowTaskQueueResponse got = node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "worker-1"));
        assertEquals("wf-live", workflowId(got));
        assertEquals(List.of("wf-stale", "wf-live"),
                h.history.workflowCalls.stream().map(c -> c.getExecution().getWorkflowId()).toList());
        await("both rows deleted", () -> h.backlog("orders").isEmpty());
    }

    @Test
    void aStaleOnlyTaskLeavesThePollToTimeOutEmpty() {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(500)));
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-stale"));
        h.history.thenAnswer(FakeHistory.Answer.NOT_FOUND);

        PollWorkflowTaskQueueResponse got = node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "worker-1"));
        assertEquals(PollWorkflowTaskQueueResponse.getDefaultInstance(), got);
        await("stale row deleted", () -> h.backlog("orders").isEmpty());
    }

    @Test
    void aSyncMatchedStaleTaskIsAckedAndThePollKeepsWaitingForTheNext() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        ListenableFuture<PollWorkflowTaskQueueResponse> poll = node.async().pollWorkflowTaskQueue(pollWorkflow("orders", "w"));
        node.awaitWaitingPolls("orders", WORKFLOW, 1);
        h.history.thenAnswer(FakeHistory.Answer.NOT_FOUND);

        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-stale"));
        assertEquals(List.of(), h.backlog("orders"), "a stale task is dropped, not persisted");
        assertFalse(poll.isDone());
        node.awaitWaitingPolls("orders", WORKFLOW, 1);

        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-next"));
        assertEquals("wf-next", workflowId(poll.get(5, TimeUnit.SECONDS)));
    }

    @Test
    void aSyncMatchWhoseStartFailsIsPersistedNotLost() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        ListenableFuture<PollWorkflowTaskQueueResponse> poll = node.async().pollWorkflowTaskQueue(pollWorkflow("orders", "w"));
        node.awaitWaitingPolls("orders", WORKFLOW, 1);
        h.history.thenAnswer(FakeHistory.Answer.UNAVAILABLE);

        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-1"));
        assertEquals(1, h.backlog("orders").size(), "the add is acknowledged because the task was persisted");
        ExecutionException e = assertThrows(ExecutionException.class, () -> poll.get(5, TimeUnit.SECONDS));
        assertEquals(Status.Code.UNAVAILABLE, assertInstanceOf(StatusRuntimeException.class, e.getCause()).getStatus().getCode(),
                "the matched poll gets history's error");

        PollWorkflowTaskQueueResponse got = node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"));
        assertEquals("wf-1", workflowId(got));
        await("row deleted", () -> h.backlog("orders").isEmpty());
    }

    @Test
    void aBacklogTaskWhoseStartFailsIsKeptAndServedAgain() {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-1"));
        h.history.thenAnswer(FakeHistory.Answer.UNAVAILABLE);

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w")));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals(1, h.backlog("orders").size());

        long start = System.nanoTime();
        PollWorkflowTaskQueueResponse got = node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"));
        assertEquals("wf-1", workflowId(got));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "served again after the short backoff");
        await("row deleted", () -> h.backlog("orders").isEmpty());
    }

    @Test
    void expiredBacklogTasksAreSkippedAndDeleted() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        node.blocking().addWorkflowTask(MatchingHarness.addWorkflowExpiring("orders", "wf-expiring", Duration.ofMillis(100)));
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-kept"));
        assertEquals(2, h.backlog("orders").size());
        Thread.sleep(200);

        PollWorkflowTaskQueueResponse got = node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"));
        assertEquals("wf-kept", workflowId(got));
        assertEquals(1, h.history.workflowCalls.size(), "history never saw the expired task");
        await("both rows deleted", () -> h.backlog("orders").isEmpty());
    }

    @Test
    void activityTasksMatchOnTheirOwnQueueWithTheirAttempt() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(300)));
        node.blocking().addActivityTask(addActivity("orders", "wf-1", 5, 3));
        assertEquals(PollWorkflowTaskQueueResponse.getDefaultInstance(),
                node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w")), "workflow pollers do not see activity tasks");

        PollActivityTaskQueueResponse got = node.blocking().pollActivityTaskQueue(pollActivity("orders", "w"));
        assertEquals("wf-1", got.getWorkflowExecution().getWorkflowId());
        assertEquals(3, got.getAttempt());
        var call = h.history.activityCalls.get(0);
        assertEquals(5, call.getScheduledEventId());
        assertEquals(3, call.getAttempt());
        assertEquals(0, h.history.workflowCalls.size());

        // sync match for activities too
        ListenableFuture<PollActivityTaskQueueResponse> poll = node.async().pollActivityTaskQueue(pollActivity("orders", "w"));
        node.awaitWaitingPolls("orders", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, 1);
        node.blocking().addActivityTask(addActivity("orders", "wf-2", 7, 1));
        assertEquals("wf-2", poll.get(5, TimeUnit.SECONDS).getWorkflowExecution().getWorkflowId());
        await("backlog empty", () -> h.backlog("orders").isEmpty());
    }

    @Test
    void aHostThatLostTheLeaseReloadsTheQueueAndLosesNoTask() throws Exception {
        MatchingHarness.Node a = h.start(config(Duration.ofMillis(300)));
        MatchingHarness.Node b = h.start(config(Duration.ofMillis(300)));
        a.blocking().addWorkflowTask(addWorkflow("orders", "wf-1"));
        // b loads the queue: its acquire moves range_id past a's lease
        assertEquals("wf-1", workflowId(b.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"))));

        // a's next write fails its fence, a unloads, reacquires and retries: the add still succeeds
        a.blocking().addWorkflowTask(addWorkflow("orders", "wf-2"));
        await("wf-1 deleted", () -> h.backlog("orders").size() == 1);
        assertEquals("wf-2", workflowId(a.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"))));
        await("backlog empty", () -> h.backlog("orders").isEmpty());
    }

    @Test
    void invalidAddsAreRejected() {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(300)));
        var noQueue = addWorkflow("orders", "wf-1").toBuilder().clearTaskQueue().build();
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> node.blocking().addWorkflowTask(noQueue)).getStatus().getCode());
        var badNamespace = addWorkflow("orders", "wf-1").toBuilder().setNamespaceId("nope").build();
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> node.blocking().addWorkflowTask(badNamespace)).getStatus().getCode());
        var noExecution = addWorkflow("orders", "wf-1").toBuilder().clearExecution().build();
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> node.blocking().addWorkflowTask(noExecution)).getStatus().getCode());
        var noQueueName = pollWorkflow("", "w");
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> node.blocking().pollWorkflowTaskQueue(noQueueName)).getStatus().getCode());
    }

    @Test
    void anIdleQueueIsUnloadedAndItsBacklogIsServedAfterReloading() {
        MatchingHarness.Node node = h.start(config(Duration.ofMillis(300)).withIdleQueueTimeout(Duration.ofMillis(50)));
        node.blocking().addWorkflowTask(addWorkflow("orders", "wf-1"));
        assertEquals(1, node.service.engine().loadedQueues());
        await("idle queue unloaded", () -> {
            node.service.engine().sweep();
            return node.service.engine().loadedQueues() == 0;
        });
        assertEquals(1, h.backlog("orders").size(), "unloading keeps the backlog");

        assertEquals("wf-1", workflowId(node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"))));
        await("row deleted", () -> h.backlog("orders").isEmpty());
    }

    @Test
    void closingTheServiceAnswersWaitingPollsEmpty() throws Exception {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        ListenableFuture<PollWorkflowTaskQueueResponse> poll = node.async().pollWorkflowTaskQueue(pollWorkflow("orders", "w"));
        node.awaitWaitingPolls("orders", WORKFLOW, 1);
        node.service.close();
        assertEquals(PollWorkflowTaskQueueResponse.getDefaultInstance(), poll.get(5, TimeUnit.SECONDS));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> node.blocking().addWorkflowTask(addWorkflow("orders", "wf-1")));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), "a closed service takes no task");
    }

    @Test
    void aBacklogLargerThanOneReadIsServedCompletelyInOrder() {
        MatchingHarness.Node node = h.start(config(Duration.ofSeconds(20)));
        int n = 3 * BacklogBuffer.READ_BATCH + 17;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            node.blocking().addWorkflowTask(addWorkflow("orders", "wf-" + i));
        }
        long added = System.nanoTime();
        for (int i = 0; i < n; i++) {
            assertEquals("wf-" + i, workflowId(node.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w"))));
        }
        long served = System.nanoTime();
        await("backlog drained", () -> h.backlog("orders").isEmpty());
        System.out.printf("%d backlog tasks: persisted one by one in %d ms, served in order in %d ms%n", n,
                TimeUnit.NANOSECONDS.toMillis(added - start), TimeUnit.NANOSECONDS.toMillis(served - added));
    }
}
