package io.kairos.e2e.engine;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.ResetReapplyExcludeType;
import io.temporal.api.enums.v1.ResetReapplyType;
import io.temporal.api.enums.v1.UpdateAdmittedEventOrigin;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowTargetOptions;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A reset reapplies the updates after its point as Temporal's resetter does: each comes back as a
 * WorkflowExecutionUpdateAdmitted event (origin REAPPLY) whose handler the worker runs again, unless updates are
 * excluded.
 */
class ResetUpdatesTest {
    private static final String QUEUE = "reset-updates-" + UUID.randomUUID();
    private static WorkerHarness h;

    @WorkflowInterface
    public interface Ledger {
        @WorkflowMethod
        String run();

        @UpdateMethod
        String add(String item);

        @SignalMethod
        void finish();
    }

    public static final class LedgerImpl implements Ledger {
        private final List<String> items = new ArrayList<>();
        private boolean done;

        @Override
        public String run() {
            Workflow.await(() -> done);
            return String.join(" ", items);
        }

        @Override
        public String add(String item) {
            items.add("Execute-" + item);
            return "Execute-" + item;
        }

        @Override
        public void finish() {
            done = true;
        }
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("reset-updates");
        h.workersOn(QUEUE, new Class<?>[]{LedgerImpl.class});
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close();
        }
    }

    /** Starts a ledger, adds one item by update, resets to the first workflow task's completion (event 4). */
    private static String resetAfterOneUpdate(String id, List<ResetReapplyExcludeType> excluded) {
        Ledger ledger = h.client.newWorkflowStub(Ledger.class, WorkflowOptions.newBuilder().setTaskQueue(QUEUE)
                .setWorkflowId(id).build());
        WorkflowExecution run = WorkflowClient.start(ledger::run);
        assertEquals("Execute-first", ledger.add("first"));
        return h.client.getWorkflowServiceStubs().blockingStub().resetWorkflowExecution(ResetWorkflowExecutionRequest
                .newBuilder().setNamespace("default").setWorkflowExecution(run).setReason("test")
                .setWorkflowTaskFinishEventId(4).setRequestId(UUID.randomUUID().toString())
                .setResetReapplyType(ResetReapplyType.RESET_REAPPLY_TYPE_ALL_ELIGIBLE)
                .addAllResetReapplyExcludeTypes(excluded).build()).getRunId();
    }

    private static Ledger runStub(String id, String runId) {
        return h.client.newWorkflowStub(Ledger.class, WorkflowTargetOptions.newBuilder().setWorkflowId(id)
                .setRunId(runId).build());
    }

    @Test
    void updatesAfterTheResetPointAreAdmittedAgainAndRunByTheWorker() {
        String id = "ledger-" + UUID.randomUUID();
        String newRun = resetAfterOneUpdate(id, List.of(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL));
        Ledger ledger = runStub(id, newRun);
        assertEquals("Execute-second", ledger.add("second"));
        ledger.finish();
        assertEquals("Execute-first Execute-second", WorkflowStub.fromTyped(ledger).getResult(String.class));

        List<HistoryEvent> events = h.client.fetchHistory(id, newRun).getEvents();
        HistoryEvent admitted = events.stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED)
                .findFirst().orElseThrow();
        assertEquals(UpdateAdmittedEventOrigin.UPDATE_ADMITTED_EVENT_ORIGIN_REAPPLY,
                admitted.getWorkflowExecutionUpdateAdmittedEventAttributes().getOrigin());
        assertEquals(2, events.stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED).count(),
                "the reapplied update and the new one both complete in the new run");
    }

    @Test
    void excludedUpdatesAreNotReapplied() {
        String id = "ledger-" + UUID.randomUUID();
        String newRun = resetAfterOneUpdate(id, List.of(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE));
        Ledger ledger = runStub(id, newRun);
        assertEquals("Execute-second", ledger.add("second"));
        ledger.finish();
        assertEquals("Execute-second", WorkflowStub.fromTyped(ledger).getResult(String.class));
    }
}
