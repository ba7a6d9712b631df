package io.kairos.persistence.execution;

import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.history.v1.HistoryEvent;

import java.util.List;

/**
 * Everything one mutation of a workflow commits together: its new mutable state, the history events it
 * appended (one batch, may be empty), and the transfer and timer tasks it created.
 *
 * @param expectedRecordVersion db_record_version the mutation was computed from (0 for a new run)
 * @param historyTxnId          txn id of the history batch (from the shard's id range)
 */
public record WorkflowWrite(WorkflowMutableState state, long expectedRecordVersion, List<HistoryEvent> events,
                            long historyTxnId, List<QueueTask> transferTasks, List<QueueTask> timerTasks) {
    public WorkflowWrite {
        events = List.copyOf(events);
        transferTasks = List.copyOf(transferTasks);
        timerTasks = List.copyOf(timerTasks);
    }
}
