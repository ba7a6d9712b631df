package io.kairos.e2e.engine;

import io.kairos.e2e.ServerProcess;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kill -9 of the dev server in the middle of timers and activity chains: everything completes after a restart. */
class EngineDurabilityTest {
    @TempDir
    Path tmp;

    @Test
    void workflowsSurviveKillDashNine() throws Exception {
        Path dir = tmp.resolve("data");
        int port = ServerProcess.freePort();
        List<String> args = List.of("dev", "--db-dir", dir.toString(), "--port", Integer.toString(port));
        ServerProcess first = ServerProcess.launch("engine-before-kill", args).awaitReady();
        List<WorkflowExecution> sleepers = new ArrayList<>();
        List<WorkflowExecution> chains = new ArrayList<>();
        try (WorkerHarness h = new WorkerHarness(port)) {
            for (int i = 0; i < 3; i++) {
                String id = WorkerHarness.id("durable-sleep");
                sleepers.add(WorkflowClient.start(h.stub(EngineWorkflows.SleepWorkflow.class, id)::sleep, 4000L));
                String cid = WorkerHarness.id("durable-chain");
                chains.add(WorkflowClient.start(h.stub(EngineWorkflows.TimerAndActivitiesWorkflow.class, cid)::run, 3000L, 4));
            }
            Thread.sleep(1500);
            first.kill9();
            // Down long enough for every timer to come due while nothing runs.
            Thread.sleep(4000);
            try (ServerProcess second = ServerProcess.launch("engine-after-kill", args).awaitReady()) {
                for (WorkflowExecution e : sleepers) {
                    long slept = h.client.newUntypedWorkflowStub(e, Optional.empty()).getResult(60, TimeUnit.SECONDS, Long.class);
                    assertTrue(slept >= 4000, "slept " + slept);
                }
                for (WorkflowExecution e : chains) {
                    assertEquals("Hello, a0! Hello, a1! Hello, a2! Hello, a3!",
                            h.client.newUntypedWorkflowStub(e, Optional.empty()).getResult(60, TimeUnit.SECONDS, String.class));
                }
            }
        }
    }

    @Test
    void workflowsWaitingOnSignalsSurviveKillDashNineAndFinishWhenSignalledAfterTheRestart() throws Exception {
        Path dir = tmp.resolve("signals");
        int port = ServerProcess.freePort();
        List<String> args = List.of("dev", "--db-dir", dir.toString(), "--port", Integer.toString(port));
        ServerProcess first = ServerProcess.launch("signals-before-kill", args).awaitReady();
        List<WorkflowExecution> waiting = new ArrayList<>();
        try (WorkerHarness h = new WorkerHarness(port)) {
            for (int i = 0; i < 3; i++) {
                EngineWorkflows.SignalWorkflow wf = h.stub(EngineWorkflows.SignalWorkflow.class, WorkerHarness.id("durable-signal"));
                waiting.add(WorkflowClient.start(wf::run, 2));
                wf.add("before-" + i);
            }
            // Each has applied its first signal and is waiting for the second when the server dies.
            for (WorkflowExecution e : waiting) {
                awaitSignalProcessed(h, e);
            }
            first.kill9();
            try (ServerProcess second = ServerProcess.launch("signals-after-kill", args).awaitReady()) {
                for (int i = 0; i < waiting.size(); i++) {
                    h.client.newUntypedWorkflowStub(waiting.get(i), Optional.empty()).signal("add", "after-" + i);
                }
                for (int i = 0; i < waiting.size(); i++) {
                    assertEquals("before-" + i + ",after-" + i, h.client.newUntypedWorkflowStub(waiting.get(i), Optional.empty())
                            .getResult(60, TimeUnit.SECONDS, String.class));
                }
            }
        }
    }

    /** Until the workflow task after the run's first signal completed. */
    private static void awaitSignalProcessed(WorkerHarness h, WorkflowExecution e) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            boolean signaled = false;
            for (var event : h.client.fetchHistory(e.getWorkflowId(), e.getRunId()).getEvents()) {
                signaled |= event.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED;
                if (signaled && event.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
                    return;
                }
            }
            assertTrue(System.nanoTime() < deadline, "signal never processed by " + e);
            Thread.sleep(50);
        }
    }
}
