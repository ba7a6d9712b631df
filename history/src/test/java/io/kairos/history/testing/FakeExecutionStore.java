package io.kairos.history.testing;

import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.persistence.execution.CurrentExecution;
import io.kairos.persistence.execution.ExecutionStore;
import io.kairos.persistence.execution.ExecutionWrite;
import io.kairos.persistence.execution.QueueTask;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.history.v1.HistoryEvent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An in-memory ExecutionStore for the outbox tables and group commits: enough for the queue processors and the
 * group committer. {@link #onCommit} decides each commit's outcome.
 */
public final class FakeExecutionStore implements ExecutionStore {
    public final ConcurrentSkipListMap<Long, QueueTask> transfer = new ConcurrentSkipListMap<>();
    public final ConcurrentSkipListMap<String, QueueTask> timers = new ConcurrentSkipListMap<>();
    public final List<List<ExecutionWrite>> commits = new CopyOnWriteArrayList<>();
    /** Per committed transaction, the shards whose range it checked. */
    public final List<java.util.Set<Integer>> fencedShards = new CopyOnWriteArrayList<>();
    public final List<Integer> transferReads = new CopyOnWriteArrayList<>();
    public volatile Function<List<ExecutionWrite>, List<RuntimeException>> onCommit =
            batch -> new ArrayList<>(java.util.Collections.nCopies(batch.size(), null));

    private static String timerKey(Instant at, long id) {
        return String.format("%020d%09d/%020d", at.getEpochSecond(), at.getNano(), id);
    }

    public void insertTimer(QueueTask t) {
        timers.put(timerKey(t.fireAt(), t.taskId()), t);
    }

    @Override
    public List<RuntimeException> commit(List<io.kairos.persistence.execution.FencedWrite> fenced) {
        List<ExecutionWrite> writes = fenced.stream().map(io.kairos.persistence.execution.FencedWrite::write).toList();
        List<RuntimeException> out = onCommit.apply(writes);
        commits.add(List.copyOf(writes));
        fencedShards.add(fenced.stream().map(f -> f.shard().value()).collect(java.util.stream.Collectors.toSet()));
        return out;
    }

    @Override
    public List<QueueTask> readTransferTasks(ShardId shard, long afterTaskId, int limit) {
        transferReads.add(limit);
        return transfer.tailMap(afterTaskId, false).values().stream().limit(limit).toList();
    }

    @Override
    public void deleteTransferTasks(ShardId shard, Collection<Long> taskIds) {
        taskIds.forEach(transfer::remove);
    }

    @Override
    public List<QueueTask> readTimerTasks(ShardId shard, Instant afterTime, long afterTaskId, Instant before, int limit) {
        return timers.tailMap(timerKey(afterTime, afterTaskId), false).values().stream()
                .filter(t -> t.fireAt().isBefore(before))
                .sorted(Comparator.comparing(QueueTask::fireAt).thenComparingLong(QueueTask::taskId))
                .limit(limit).toList();
    }

    @Override
    public void deleteTimerTasks(ShardId shard, Collection<QueueTask> tasks) {
        tasks.forEach(t -> timers.remove(timerKey(t.fireAt(), t.taskId())));
    }

    @Override
    public Optional<CurrentExecution> getCurrent(ShardId shard, NamespaceId namespaceId, String workflowId) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<WorkflowMutableState> get(ShardId shard, WorkflowKey key) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void create(ShardId shard, long rangeId, WorkflowKey key, UUID previousRunId, String createRequestId,
                       io.kairos.persistence.execution.WorkflowWrite write) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void update(ShardId shard, long rangeId, WorkflowKey key, io.kairos.persistence.execution.WorkflowWrite write) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void continueAsNew(ShardId shard, long rangeId, WorkflowKey closed, io.kairos.persistence.execution.WorkflowWrite closing,
                              WorkflowKey next, String createRequestId, io.kairos.persistence.execution.WorkflowWrite nextWrite) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<HistoryEvent> readHistory(ShardId shard, WorkflowKey key, long fromEventId, long toEventIdExclusive, int maxEvents) {
        throw new UnsupportedOperationException();
    }
}
