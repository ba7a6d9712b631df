package io.kairos.matching;

import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.persistence.matching.TaskQueueLease;
import io.kairos.persistence.matching.TaskQueueLeaseLostException;
import io.kairos.persistence.matching.TaskQueueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Deletes a queue's served, stale and expired backlog tasks, gathering them for up to {@link #DELETE_DELAY} into one
 * statement fenced by the queue's lease: a served row that outlives a crash is served again and history answers it
 * as stale.
 */
final class BacklogDeleter {
    private static final Logger log = LoggerFactory.getLogger(BacklogDeleter.class);
    static final Duration DELETE_DELAY = Duration.ofMillis(200);

    private final TaskQueueKey key;
    private final TaskQueueStore store;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    /** The queue's lease; null until it is loaded. */
    private final Supplier<TaskQueueLease> lease;
    /** Told when another host took the queue while deleting. */
    private final Consumer<TaskQueueLeaseLostException> onLeaseLost;
    private final ConcurrentLinkedQueue<Long> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    BacklogDeleter(TaskQueueKey key, TaskQueueStore store, Executor executor, ScheduledExecutorService timer,
                   Supplier<TaskQueueLease> lease, Consumer<TaskQueueLeaseLostException> onLeaseLost) {
        this.key = key;
        this.store = store;
        this.executor = executor;
        this.timer = timer;
        this.lease = lease;
        this.onLeaseLost = onLeaseLost;
    }

    void delete(List<Long> taskIds) {
        pending.addAll(taskIds);
        scheduleIfIdle();
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    private void scheduleIfIdle() {
        if (scheduled.compareAndSet(false, true)) {
            timer.schedule(() -> executor.execute(this::drain), DELETE_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void drain() {
        try {
            List<Long> ids = new ArrayList<>();
            Long id;
            while ((id = pending.poll()) != null) {
                ids.add(id);
            }
            TaskQueueLease held = lease.get();
            if (!ids.isEmpty() && held != null) {
                try {
                    store.deleteTasks(held, ids);
                } catch (TaskQueueLeaseLostException e) {
                    deleteServedQuietly(ids); // another host owns the queue now; these rows are still done
                    onLeaseLost.accept(e);
                } catch (RuntimeException e) {
                    // the rows stay; a later load serves them again and history answers NOT_FOUND
                    warn(ids, e);
                }
            }
        } finally {
            scheduled.set(false);
        }
        if (!pending.isEmpty()) {
            scheduleIfIdle();
        }
    }

    private void deleteServedQuietly(List<Long> ids) {
        try {
            store.deleteServedTasks(key, ids);
        } catch (RuntimeException e) {
            warn(ids, e);
        }
    }

    private void warn(List<Long> ids, RuntimeException e) {
        log.warn("component=matching msg=\"cannot delete finished backlog tasks\" queue={} count={} error=\"{}\"",
                key, ids.size(), e.getMessage());
    }
}
