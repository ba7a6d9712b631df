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
}
