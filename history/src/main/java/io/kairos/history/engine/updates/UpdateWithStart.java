package io.kairos.history.engine.updates;

import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.engine.workflow.StartWorkflow;
import io.kairos.common.errors.MultiOperationExecutionException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.updates.UpdateRegistry.Update;
import io.kairos.persistence.execution.CurrentExecution;
import io.kairos.proto.persistence.v1.UpdateInfo;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.workflowservice.v1.ExecuteMultiOperationRequest;
import io.temporal.api.workflowservice.v1.ExecuteMultiOperationResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest;

import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * ExecuteMultiOperation [StartWorkflow, UpdateWorkflow] (update-with-start), with Temporal's rules: an update id
 * already completed in the current run answers its outcome; a running workflow gets the update when the start is a
 * retry (same request id), the update is already known, or the conflict policy is USE_EXISTING; otherwise the start
 * decides (new run, or its error) and the update is admitted to the new run, delivered in its first workflow task.
 * Errors are Temporal's MultiOperationExecution: one status per operation, the other one "aborted".
 */
public final class UpdateWithStart {
    private final WorkflowUpdater updater;
    private final StartWorkflow start;
    private final Updates updates;

    public UpdateWithStart(WorkflowUpdater updater, StartWorkflow start, Updates updates) {
        this.updater = updater;
        this.start = start;
        this.updates = updates;
    }

    private record Admitted(WorkflowKey key, Update update, StartWorkflowExecutionResponse start) {
    }

    public ExecuteMultiOperationResponse execute(NamespaceId ns, ExecuteMultiOperationRequest req) {
        long deadline = Updates.callerDeadline();
        StartWorkflowExecutionRequest startReq = req.getOperations(0).getStartWorkflow();
        UpdateWorkflowExecutionRequest updateReq = req.getOperations(1).getUpdateWorkflow();
        String updateId = updateReq.getRequest().getMeta().getUpdateId();
        Admitted admitted;
        // The run lock stripe of the workflow id is held from the look at the current run to the admission, so the new
        // run's first workflow task cannot start before the update is in the registry. The lock is reentrant.
        ReentrantLock lock = updater.lockFor(startReq.getWorkflowId());
        lock.lock();
        try {
            admitted = joinExisting(ns, startReq, updateReq, updateId);
            if (admitted == null) {
                StartWorkflowExecutionResponse started;
                try {
                    started = start.start(ns, startReq);
                } catch (RuntimeException e) {
                    throw failed(e, MultiOperationExecutionException.ABORTED);
                }
                WorkflowKey key = new WorkflowKey(ns, startReq.getWorkflowId(), java.util.UUID.fromString(started.getRunId()));
                admitted = new Admitted(key, admit(key, updateReq, started.getStarted()),
                        started.toBuilder().setStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING).build());
            }
        } finally {
            lock.unlock();
        }
        Updates.Status st;
        try {
            st = updates.await(admitted.key(), admitted.update(), updateReq.getWaitPolicy().getLifecycleStage(), deadline);
        } catch (RuntimeException e) {
            throw failed(admitted.start().getStarted() ? null : MultiOperationExecutionException.ABORTED, e);
        }
        return response(admitted.start(), Updates.response(admitted.key(), updateId, st));
    }

    /** The update applied to the current run instead of a start, or null to let the start decide. */
    private Admitted joinExisting(NamespaceId ns, StartWorkflowExecutionRequest startReq, UpdateWorkflowExecutionRequest updateReq,
                                  String updateId) {
        Optional<CurrentExecution> current = updater.currentRun(ns, startReq.getWorkflowId());
        if (current.isEmpty()) {
            return null;
        }
        WorkflowKey key = new WorkflowKey(ns, startReq.getWorkflowId(), current.get().runId());
        Optional<WorkflowMutableState> s = updater.load(key);
        if (s.isEmpty()) {
            return null;
        }
        StartWorkflowExecutionResponse existing = StartWorkflowExecutionResponse.newBuilder()
                .setRunId(key.runId().toString()).setStarted(false).setStatus(s.get().getExecution().getStatus()).build();
        UpdateInfo info = s.get().getUpdatesMap().get(updateId);
        if (info != null && info.getCompletedEventId() > 0) {
            Update done = updater.update(key, m -> updates.find(m.key(), m.state(), updateId));
            return new Admitted(key, done, existing);
        }
        if (!current.get().running()) {
            return null;
        }
        boolean join = startReq.getRequestId().equals(current.get().createRequestId())
                || updater.update(key, m -> updates.find(m.key(), m.state(), updateId)) != null
                || startReq.getWorkflowIdConflictPolicy() == WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING;
        if (!join) {
            return null;
        }
        return new Admitted(key, admit(key, updateReq, false), existing);
    }

    private Update admit(WorkflowKey key, UpdateWorkflowExecutionRequest updateReq, boolean started) {
        try {
            return updater.update(key, m -> updates.admit(m, updateReq.getFirstExecutionRunId(), updateReq.getRequest()));
        } catch (RuntimeException e) {
            throw failed(started ? null : MultiOperationExecutionException.ABORTED, e);
        }
    }

    private static MultiOperationExecutionException failed(Throwable startError, Throwable updateError) {
        return new MultiOperationExecutionException("Update-with-Start could not be executed.",
                Arrays.asList(startError, updateError));
    }

    private static ExecuteMultiOperationResponse response(StartWorkflowExecutionResponse start,
                                                          io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionResponse update) {
        return ExecuteMultiOperationResponse.newBuilder()
                .addResponses(ExecuteMultiOperationResponse.Response.newBuilder().setStartWorkflow(start))
                .addResponses(ExecuteMultiOperationResponse.Response.newBuilder().setUpdateWorkflow(update))
                .build();
    }
}
