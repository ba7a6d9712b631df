package io.kairos.matching;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.common.grpc.ErrorMapper;
import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.proto.cluster.v1.OwnershipMovedFailure;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static io.kairos.matching.MatchingHarness.addWorkflow;
import static io.kairos.matching.MatchingHarness.config;
import static io.kairos.matching.MatchingHarness.pollWorkflow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A task queue moving between matching hosts (membership changed): the old owner's waiting polls end at once with a
 * retryable "moved" naming no one or the new owner, its adds are refused the same way, and the persisted backlog is
 * served by the new owner.
 */
class QueueMoveTest {
    private static final TaskQueueType WORKFLOW = TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW;

    private final MatchingHarness h = new MatchingHarness();
    /** Queue name to owner address, as membership would place it; absent means host "a". */
    private final Map<String, String> owners = new ConcurrentHashMap<>();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private Function<TaskQueueKey, String> placement(String self) {
        return key -> {
            String owner = owners.getOrDefault(key.name(), "a");
            return owner.equals(self) ? null : owner;
        };
    }

    private static OwnershipMovedFailure moved(Throwable t) {
        Throwable e = t instanceof ExecutionException ? t.getCause() : t;
        StatusRuntimeException sre = assertInstanceOf(StatusRuntimeException.class, e);
        assertEquals(Status.Code.UNAVAILABLE, sre.getStatus().getCode());
        OwnershipMovedFailure f = ErrorMapper.ownershipMoved(sre);
        assertNotNull(f, "the answer carries OwnershipMovedFailure: " + sre.getStatus());
        assertEquals("matching", f.getRole());
        return f;
    }

    @Test
    void aWaitingPollEndsWithMovedWhenItsQueueMoves() throws Exception {
        MatchingHarness.Node a = h.start(config(Duration.ofSeconds(30)), "a", placement("a"));
        ListenableFuture<PollWorkflowTaskQueueResponse> poll = a.async().pollWorkflowTaskQueue(pollWorkflow("orders", "w1"));
        a.awaitWaitingPolls("orders", WORKFLOW, 1);

        owners.put("orders", "b");
        long t0 = System.nanoTime();
        a.service.rebalance();
        ExecutionException e = assertThrows(ExecutionException.class, () -> poll.get(10, TimeUnit.SECONDS));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 5_000, "the poll ended early, not at its timeout");
        moved(e);

        // Later calls for the queue are turned away with the new owner named, without loading the queue.
        OwnershipMovedFailure add = moved(assertThrows(StatusRuntimeException.class,
                () -> a.blocking().addWorkflowTask(addWorkflow("orders", "wf-1"))));
        assertEquals("b", add.getOwnerAddress());
        assertEquals(0, h.backlog("orders").size(), "a refused add writes nothing");
        assertEquals("b", moved(assertThrows(StatusRuntimeException.class,
                () -> a.blocking().pollWorkflowTaskQueue(pollWorkflow("orders", "w1")))).getOwnerAddress());
    }

    @Test
    void theNewOwnerServesTheBacklogTheOldOneWrote() {
        MatchingHarness.Node a = h.start(config(Duration.ofSeconds(5)), "a", placement("a"));
        MatchingHarness.Node b = h.start(config(Duration.ofSeconds(5)), "b", placement("b"));
        a.blocking().addWorkflowTask(addWorkflow("payments", "wf-1"));
        a.blocking().addWorkflowTask(addWorkflow("payments", "wf-2"));
        assertEquals(2, h.backlog("payments").size());

        owners.put("payments", "b");
        a.service.rebalance();
        b.service.rebalance();
        assertEquals("wf-1", b.blocking().pollWorkflowTaskQueue(pollWorkflow("payments", "w"))
                .getWorkflowExecution().getWorkflowId());
        assertEquals("wf-2", b.blocking().pollWorkflowTaskQueue(pollWorkflow("payments", "w"))
                .getWorkflowExecution().getWorkflowId());
        MatchingHarness.await("served rows deleted", () -> h.backlog("payments").isEmpty());
        assertEquals(2, h.history.workflowCalls.size(), "each backlog task started once");
        moved(assertThrows(StatusRuntimeException.class,
                () -> a.blocking().pollWorkflowTaskQueue(pollWorkflow("payments", "w"))));
    }
}
