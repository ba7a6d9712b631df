package io.kairos.persistence.execution;

import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.history.v1.HistoryEvent;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Workflow executions, their history and their shard's task queues. Every write is one transaction that first
 * checks the shard's range_id, so a host that lost the shard cannot commit.
 */
public interface ExecutionStore {
    Optional<CurrentExecution> getCurrent(ShardId shard, NamespaceId namespaceId, String workflowId);

    Optional<WorkflowMutableState> get(ShardId shard, WorkflowKey key);

    /**
     * Creates a run and makes it current. {@code previousRunId} is the current run the caller saw (null when
     * the workflow id was never used); if the current row changed meanwhile the write fails.
     *
     * @throws io.kairos.persistence.sql.ConditionFailedException when the current run changed concurrently
     * @throws io.kairos.persistence.sql.ShardOwnershipLostException when the shard moved
     */
    void create(ShardId shard, long rangeId, WorkflowKey key, UUID previousRunId, String createRequestId, WorkflowWrite write);

    /**
     * Updates a run with compare-and-swap on its record version, and the current row's status when it closed.
     *
     * @throws io.kairos.persistence.sql.ConditionFailedException when another write got there first
     */
    void update(ShardId shard, long rangeId, WorkflowKey key, WorkflowWrite write);

    /**
     * Closes {@code closed} (continued-as-new, retried, cron) and creates {@code next} as the current run of the same
     * workflow id, in one transaction.
     */
    void continueAsNew(ShardId shard, long rangeId, WorkflowKey closed, WorkflowWrite closing, WorkflowKey next,
                       String createRequestId, WorkflowWrite nextWrite);

    /**
     * Commits several independent writes of one shard in one transaction after one range_id check. A write whose
     * condition does not hold (its first statement matches no row: a changed record version or current run)
     * is skipped alone and reported in the result; the others still commit.
     *
     * @return one entry per write, in order: null when it committed, else its ConditionFailedException
     * @throws io.kairos.persistence.sql.ShardOwnershipLostException when the shard moved; nothing committed
     * @throws RuntimeException any other failure; nothing committed
     */
    default List<RuntimeException> commit(ShardId shard, long rangeId, List<ExecutionWrite> writes) {
        return commit(writes.stream().map(w -> new FencedWrite(shard, rangeId, w)).toList());
    }

    /**
     * {@link #commit(ShardId, long, List)} for writes of several shards in one transaction: each shard's range_id
     * is checked once. A shard that moved fails the whole transaction with its ShardOwnershipLostException.
     */
    List<RuntimeException> commit(List<FencedWrite> writes);

    /** Events with ids in [fromEventId, toEventIdExclusive), in order, at most maxEvents (whole batches). */
    List<HistoryEvent> readHistory(ShardId shard, WorkflowKey key, long fromEventId, long toEventIdExclusive, int maxEvents);

    /**
     * The batches holding events with ids in [fromEventId, toEventIdExclusive), in order, each cut to that range
     * (a reset copies a run's history prefix batch by batch).
     */
    default List<HistoryBatch> readHistoryBatches(ShardId shard, WorkflowKey key, long fromEventId, long toEventIdExclusive) {
        List<HistoryEvent> events = readHistory(shard, key, fromEventId, toEventIdExclusive, Integer.MAX_VALUE);
        return events.isEmpty() ? List.of() : List.of(new HistoryBatch(0, events));
    }

    /** Transfer tasks with ids above {@code afterTaskId}, in id order. */
    List<QueueTask> readTransferTasks(ShardId shard, long afterTaskId, int limit);

    /** Acknowledges executed transfer tasks, in one statement. */
    void deleteTransferTasks(ShardId shard, java.util.Collection<Long> taskIds);

    /**
     * Timer tasks ordered by (fire time, id) that come after ({@code afterTime}, {@code afterTaskId}) and fire
     * before {@code before}.
     */
    List<QueueTask> readTimerTasks(ShardId shard, Instant afterTime, long afterTaskId, Instant before, int limit);

    /** Acknowledges executed timer tasks, in one statement. */
    void deleteTimerTasks(ShardId shard, java.util.Collection<QueueTask> tasks);

    /**
     * Deletes a run (DeleteWorkflowExecution, retention): its row, history, request ids, and the current-run
     * pointer when it points at this run. Fenced by the shard's range id like every write.
     */
    default void deleteExecution(ShardId shard, long rangeId, WorkflowKey key) {
        throw new UnsupportedOperationException("deleteExecution");
    }
}
