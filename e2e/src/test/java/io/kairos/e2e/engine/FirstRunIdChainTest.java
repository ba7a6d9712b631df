package io.kairos.e2e.engine;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowTargetOptions;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TerminatedFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cancel and terminate with a first execution run id follow the chain to its current run (here across a
 * continue-as-new), whatever run id the request names; without it they act on the named run only.
 */
class FirstRunIdChainTest {
    private static WorkerHarness h;
    private static String queue;

    @WorkflowInterface
    public interface Chained {
        @WorkflowMethod
        String run();
    }

    public static class ChainedImpl implements Chained {
        @Override
        public String run() {
            if (Workflow.getInfo().getContinuedExecutionRunId().isEmpty()) {
                Workflow.continueAsNew();
            }
            Workflow.await(() -> false);
            return "done";
        }
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("first-run-id");
        queue = "first-run-id-" + UUID.randomUUID();
        h.workersOn(queue, new Class<?>[] {ChainedImpl.class});
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close();
        }
    }

    /** Starts the chain and waits until its second run is current; returns the first run. */
    private static WorkflowStub startChain() throws InterruptedException {
        Chained wf = h.client.newWorkflowStub(Chained.class, WorkflowOptions.newBuilder().setTaskQueue(queue)
                .setWorkflowId("chain-" + UUID.randomUUID()).build());
        WorkflowClient.start(wf::run);
        WorkflowStub first = WorkflowStub.fromTyped(wf);
        WorkflowStub latest = h.client.newUntypedWorkflowStub(first.getExecution().getWorkflowId());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (latest.describe().getExecution().getRunId().equals(first.getExecution().getRunId())) {
            assertTrue(System.nanoTime() < deadline, "no continue-as-new");
            Thread.sleep(100);
        }
        return first;
    }

    private static WorkflowStub target(WorkflowExecution run, String firstRunId) {
        WorkflowTargetOptions.Builder b = WorkflowTargetOptions.newBuilder().setWorkflowExecution(run);
        if (firstRunId != null) {
            b.setFirstExecutionRunId(firstRunId);
        }
        return h.client.newUntypedWorkflowStub(b.build());
    }

    private static boolean hasEvent(WorkflowExecution run, EventType type) {
        return h.client.fetchHistory(run.getWorkflowId(), run.getRunId()).getEvents().stream()
                .map(HistoryEvent::getEventType).anyMatch(type::equals);
    }

    @Test
    void cancelFollowsTheChainFromItsFirstRun() throws InterruptedException {
        WorkflowStub first = startChain();
        WorkflowExecution firstRun = first.getExecution();
        target(firstRun, null).cancel(); // the closed first run: a no-op
        assertTrue(!hasEvent(firstRun, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED));

        target(firstRun, firstRun.getRunId()).cancel();
        WorkflowFailedException failed = assertThrows(WorkflowFailedException.class, () -> first.getResult(String.class));
        assertInstanceOf(CanceledFailure.class, failed.getCause());
        WorkflowExecution current = h.client.newUntypedWorkflowStub(firstRun.getWorkflowId()).describe().getExecution();
        assertNotEquals(firstRun.getRunId(), current.getRunId());
        assertTrue(hasEvent(current, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED));
    }

    @Test
    void terminateFollowsTheChainFromItsFirstRun() throws InterruptedException {
        WorkflowStub first = startChain();
        WorkflowExecution firstRun = first.getExecution();
        assertThrows(WorkflowNotFoundException.class, () -> target(firstRun, null).terminate("closed run"));

        target(firstRun, firstRun.getRunId()).terminate("whole chain");
        WorkflowFailedException failed = assertThrows(WorkflowFailedException.class, () -> first.getResult(String.class));
        assertInstanceOf(TerminatedFailure.class, failed.getCause());
    }

    @Test
    void aFirstRunIdOfAnotherChainIsNotFound() throws InterruptedException {
        WorkflowStub first = startChain();
        WorkflowExecution latest = h.client.newUntypedWorkflowStub(first.getExecution().getWorkflowId())
                .describe().getExecution();
        String other = UUID.randomUUID().toString();
        assertThrows(WorkflowNotFoundException.class, () -> target(latest, other).terminate("wrong chain"));
        assertThrows(WorkflowNotFoundException.class, () -> target(latest, other).cancel());
        target(latest, null).terminate("cleanup");
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
                h.client.fetchHistory(latest.getWorkflowId(), latest.getRunId()).getLastEvent().getEventType());
    }
}
