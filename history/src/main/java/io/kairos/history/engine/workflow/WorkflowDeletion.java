package io.kairos.history.engine.workflow;

import io.kairos.history.engine.HistoryReads;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.common.v1.WorkflowExecution;

import java.util.Optional;

/**
 * DeleteWorkflowExecution and the retention timer (DeleteHistory, at close time + namespace retention): the
 * run, its history and its visibility record go. A running run is terminated first, as Temporal does.
 */
public final class WorkflowDeletion {
    private final WorkflowUpdater updater;
    private final HistoryReads reads;
    private final PostgresVisibilityStore visibility;

    public WorkflowDeletion(WorkflowUpdater updater, HistoryReads reads, PostgresVisibilityStore visibility) {
        this.updater = updater;
        this.reads = reads;
        this.visibility = visibility;
    }

    public void deleteWorkflowExecution(NamespaceId ns, WorkflowExecution execution) {
        WorkflowKey key = reads.resolve(ns, execution.getWorkflowId(), execution.getRunId());
        updater.update(key, m -> {
            if (m.isRunning()) {
                ExternalRequests.terminate(m, "Delete workflow execution", "history-service",
                        io.temporal.api.common.v1.Payloads.getDefaultInstance());
            }
            return null;
        });
        delete(key);
    }

    /** Archives a closed run before retention deletes it; without one nothing is archived. */
    public interface Archiver {
        void archive(WorkflowKey key, WorkflowMutableState state);
    }

    private volatile Archiver archiver = (key, state) -> { };

    public WorkflowDeletion archiver(Archiver a) {
        this.archiver = a;
        return this;
    }

    /**
     * The retention timer fired: archive the run if its namespace says so, then delete it if it is still there and
     * closed. A failed archive throws, so the task is retried and nothing is deleted first.
     */
    public void retentionExpired(WorkflowKey key) {
        Optional<WorkflowMutableState> s = updater.load(key);
        if (s.isEmpty()) {
            // Deleted already, but the process may have died before the visibility row went (another database,
            // another transaction): this retried task is the only thing left that removes it.
            deleteVisibility(key);
            return;
        }
        if (s.get().getExecution().getState() == io.kairos.proto.persistence.v1.ExecutionState.EXECUTION_STATE_RUNNING) {
            return;
        }
        archiver.archive(key, s.get());
        delete(key);
    }

    /** The run first, then its record: a record deleted first could be written back by a concurrent UpsertVisibility. */
    private void delete(WorkflowKey key) {
        updater.delete(key);
        deleteVisibility(key);
    }

    private void deleteVisibility(WorkflowKey key) {
        if (visibility != null) {
            visibility.delete(key.namespaceId(), key.runId());
        }
    }
}
