package io.kairos.e2e.engine;

import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Temporal rejects a start whose workflow id policies contradict each other (the deprecated TERMINATE_IF_RUNNING
 * reuse policy with any conflict policy, REJECT_DUPLICATE with TERMINATE_EXISTING) before anything starts; inside
 * update-with-start the start's error comes back per operation, the update's as aborted.
 */
class StartIdPolicyValidationTest {
    private static WorkerHarness h;
    private static String queue;

    @WorkflowInterface
    public interface Updatable {
        @WorkflowMethod
        String run();

        @UpdateMethod
        String update(String value);
    }

    public static class UpdatableImpl implements Updatable {
        private boolean done;

        @Override
        public String run() {
            Workflow.await(() -> done);
            return "done";
        }

        @Override
        public String update(String value) {
            done = true;
            return value;
        }
    }

    @BeforeAll
    static void start() {
        h = WorkerHarness.withDevServer("id-policies");
        queue = "id-policies-" + UUID.randomUUID();
        h.workersOn(queue, new Class<?>[] {UpdatableImpl.class});
    }

    @AfterAll
    static void stop() {
        if (h != null) {
            h.close();
        }
    }

    private static WorkflowOptions options(String id, WorkflowIdConflictPolicy conflict, WorkflowIdReusePolicy reuse) {
        return WorkflowOptions.newBuilder().setTaskQueue(queue).setWorkflowId(id)
                .setWorkflowIdConflictPolicy(conflict).setWorkflowIdReusePolicy(reuse).build();
    }

    private static void assertNotStarted(String id) {
        assertThrows(WorkflowNotFoundException.class, () -> h.client.newUntypedWorkflowStub(id).describe());
    }

    @Test
    void updateWithStartFailsServerSideWhenTheStartIsInvalid() {
        String id = "uws-invalid-" + UUID.randomUUID();
        Updatable wf = h.client.newWorkflowStub(Updatable.class, options(id,
                WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING));
        WithStartWorkflowOperation<String> startOp = new WithStartWorkflowOperation<>(wf::run);
        WorkflowServiceException e = assertThrows(WorkflowServiceException.class, () -> WorkflowClient.startUpdateWithStart(
                wf::update, "hello", UpdateOptions.newBuilder(String.class)
                        .setWaitForStage(WorkflowUpdateStage.ACCEPTED).build(), startOp));
        assertTrue(e.getCause().getMessage().contains("WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING"), e.getCause().getMessage());
        assertNotStarted(id);
    }

    @Test
    void startRejectsContradictoryPolicies() {
        String id = "start-invalid-" + UUID.randomUUID();
        Updatable wf = h.client.newWorkflowStub(Updatable.class, options(id,
                WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING,
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE));
        WorkflowServiceException e = assertThrows(WorkflowServiceException.class, () -> WorkflowClient.start(wf::run));
        StatusRuntimeException status = (StatusRuntimeException) e.getCause();
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, status.getStatus().getCode());
        assertTrue(status.getMessage().contains("WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE"), status.getMessage());
        assertNotStarted(id);
    }

    @Test
    void theDeprecatedPolicyAloneStillStarts() {
        String id = "start-deprecated-" + UUID.randomUUID();
        Updatable wf = h.client.newWorkflowStub(Updatable.class, WorkflowOptions.newBuilder().setTaskQueue(queue)
                .setWorkflowId(id).setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING)
                .build());
        WorkflowClient.start(wf::run);
        assertEquals("x", wf.update("x"));
    }
}
