package io.kairos.persistence.matching;

import io.kairos.common.ids.NamespaceId;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueueConfig;

import java.util.Collection;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Task queue leases and their persisted backlog (root partition only). Writes are fenced by the lease:
 * they fail with {@link TaskQueueLeaseLostException} once another acquire moved range_id on.
 */
public interface TaskQueueStore {
    /** Takes the queue over: creates its row at range_id 1 or increments range_id, and records the kind. */
    TaskQueueLease acquire(TaskQueueKey key, TaskQueueKind kind);

    /**
     * Moves an exhausted id block on: range_id + 1 only if it is still the lease's.
     *
     * @throws TaskQueueLeaseLostException when another acquire happened in between
     */
    TaskQueueLease renew(TaskQueueLease lease);

    /**
     * Inserts tasks (ids allocated by the caller from its lease) in one transaction that first checks the lease.
     *
     * @throws TaskQueueLeaseLostException when the lease is stale; nothing is written then
     */
    void createTasks(TaskQueueLease lease, List<BacklogTask> tasks);

    /** Backlog tasks with {@code afterTaskId < task_id <= maxTaskId}, oldest first, at most {@code limit}. */
    List<BacklogTask> readTasks(TaskQueueKey key, long afterTaskId, long maxTaskId, int limit);

    /**
     * Deletes served, stale or expired tasks, fenced like inserts. Ids that are already gone are ignored.
     *
     * @return how many rows were deleted
     * @throws TaskQueueLeaseLostException when the lease is stale
     */
    int deleteTasks(TaskQueueLease lease, Collection<Long> taskIds);

    /**
     * Deletes tasks this host served (or found stale or expired) after it lost the queue's lease. Safe unfenced:
     * task ids are never reused, and such a row could only be served again to be answered as stale.
     */
    int deleteServedTasks(TaskQueueKey key, Collection<Long> taskIds);

    /** Number of persisted tasks of the queue, expired ones included (a hint for DescribeTaskQueue). */
    long countTasks(TaskQueueKey key);

    /** When the oldest persisted task of the queue was written; null when its backlog is empty. */
    java.time.Instant oldestTaskCreatedAt(TaskQueueKey key);

    /** One queue's row, for operators: who holds its lease and how many tasks wait in its backlog. */
    record QueueRow(String namespaceId, String name, int taskType, int kind, long rangeId, String owner,
                    long backlog, java.time.Instant updatedAt) {
    }

    /** Every queue row, at most {@code limit}, most recently acquired first. */
    List<QueueRow> queues(int limit);

    /**
     * Scavenger: deletes backlog tasks whose schedule-to-start deadline passed {@code grace} ago (readers skip them
     * anyway; history's timeout already fired), at most {@code limit}.
     */
    int deleteExpiredTasks(java.time.Duration grace, int limit);

    /**
     * Scavenger: deletes sticky queues (one per worker process, so they pile up as workers come and go) not acquired
     * for {@code idle} and with an empty backlog, at most {@code limit}.
     */
    int deleteIdleStickyQueues(java.time.Duration idle, int limit);

    /**
     * The configuration UpdateTaskQueueConfig stored for a queue and task type, or null when none was ever stored.
     * {@code type} may be UNSPECIFIED: Temporal stores a configuration under it too.
     */
    TaskQueueConfig readConfig(NamespaceId namespaceId, String name, TaskQueueType type);

    /**
     * Replaces the lease's queue configuration by {@code change} applied to the stored one (the default instance when
     * none is stored), in one transaction fenced by the lease, so a new owner's acquire cannot miss the update.
     * An exception thrown by {@code change} rolls it back.
     *
     * @return the configuration stored
     * @throws TaskQueueLeaseLostException when the lease is stale; nothing is written then
     */
    TaskQueueConfig updateConfig(TaskQueueLease lease, UnaryOperator<TaskQueueConfig> change);

    /** As {@link #updateConfig(TaskQueueLease, UnaryOperator)}, unfenced: for a task type no queue serves. */
    TaskQueueConfig updateConfig(NamespaceId namespaceId, String name, TaskQueueType type,
                                 UnaryOperator<TaskQueueConfig> change);
}
