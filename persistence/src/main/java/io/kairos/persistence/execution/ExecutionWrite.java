package io.kairos.persistence.execution;

import io.kairos.common.ids.WorkflowKey;

import java.util.List;
import java.util.UUID;

/**
 * One workflow mutation's writes, as {@link ExecutionStore#commit} applies them. Several of a shard's writes may
 * share one transaction (group commit); each either applies completely or not at all.
 */
public sealed interface ExecutionWrite {
    /** The transfer and timer tasks this write adds, for in-memory dispatch once it is committed. */
    List<WorkflowWrite> writes();

    /**
     * Creates a run and makes it current. {@code previousRunId} is the current run the caller saw (null when the
     * workflow id was never used, or is believed unused); if the current row differs the write fails alone.
     */
    record Create(WorkflowKey key, UUID previousRunId, String createRequestId, WorkflowWrite write) implements ExecutionWrite {
        @Override
        public List<WorkflowWrite> writes() {
            return List.of(write);
        }
    }

    /** Compare-and-swap of a run on its record version; a closed run also closes its current row. */
    record Update(WorkflowKey key, WorkflowWrite write) implements ExecutionWrite {
        @Override
        public List<WorkflowWrite> writes() {
            return List.of(write);
        }
    }

    /** Closes {@code closed} and creates {@code next} as the current run of the same workflow id. */
    record ContinueAsNew(WorkflowKey closed, WorkflowWrite closing, WorkflowKey next, String createRequestId,
                         WorkflowWrite nextWrite) implements ExecutionWrite {
        @Override
        public List<WorkflowWrite> writes() {
            return List.of(closing, nextWrite);
        }
    }

    /**
     * ResetWorkflowExecution: {@code current} hands the workflow id to {@code next}, in one transaction.
     * {@code currentWrite} terminates the current run, or is null when it is already closed (then the current row
     * must still name it). The new run's history is {@code copied} (the base run's prefix, batch by batch) followed
     * by nextWrite's events.
     */
    record Reset(WorkflowKey current, WorkflowWrite currentWrite, WorkflowKey next, String createRequestId,
                 List<HistoryBatch> copied, WorkflowWrite nextWrite) implements ExecutionWrite {
        public Reset {
            copied = List.copyOf(copied);
        }

        @Override
        public List<WorkflowWrite> writes() {
            return currentWrite == null ? List.of(nextWrite) : List.of(currentWrite, nextWrite);
        }
    }
}
