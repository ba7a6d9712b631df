package io.kairos.matching;

import io.kairos.persistence.matching.BacklogTask;
import io.kairos.persistence.matching.TaskQueueLease;
import io.kairos.persistence.matching.TaskQueueLeaseLostException;
import io.kairos.persistence.matching.TaskQueueStore;
import io.kairos.proto.persistence.v1.BacklogTaskInfo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Persists one queue's backlog tasks. A single drain at a time takes every pending task, allocates ids from
 * the lease's block (renewing the lease when the block is used up) and inserts them in one fenced transaction;
 * so batches commit in id order, which {@link BacklogBuffer} relies on, and bursts cost one round trip.
 */
final class TaskWriter {
    static final int MAX_BATCH = 100;

    /** What the queue learns from its writer; called on the writer's thread, one batch at a time. */
    interface Listener {
        void onCommitted(List<BacklogTask> batch);

        void onWriteFailed(long lastTaskId);

        void onLeaseLost(TaskQueueLeaseLostException e);
    }

    private record Pending(BacklogTaskInfo info, Instant expiry, CompletableFuture<Void> done) {
    }

    private final TaskQueueStore store;
    private final Executor executor;
    private final Listener listener;
    private final MatchingMetrics.Queue metrics;
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile TaskQueueLease lease;
    private volatile RuntimeException stopped;
    /** Next id to allocate; only the (single) drain touches it. */
    private long nextTaskId;

    TaskWriter(TaskQueueStore store, TaskQueueLease lease, Executor executor, Listener listener,
               MatchingMetrics.Queue metrics) {
        this.metrics = metrics;
        this.store = store;
        this.lease = lease;
        this.executor = executor;
        this.listener = listener;
        this.nextTaskId = lease.firstTaskId();
    }

    /** The current lease (renewals replace it); deletes are fenced with it too. */
    TaskQueueLease lease() {
        return lease;
    }

    boolean isIdle() {
        return pending.isEmpty() && !draining.get();
    }

    /** Completes once the task is committed, or fails (then it was not, or may not have been, written). */
    CompletableFuture<Void> write(BacklogTaskInfo info, Instant expiry) {
        Pending p = new Pending(info, expiry, new CompletableFuture<>());
        RuntimeException s = stopped;
        if (s != null) {
            p.done.completeExceptionally(s);
            return p.done;
        }
        pending.add(p);
        if (stopped != null) {
            failPending();
        }
        startDrain();
        return p.done;
    }

    /** Fails pending and future writes with {@code cause}; a batch being written finishes. */
    void stop(RuntimeException cause) {
        stopped = cause;
        failPending();
    }

    private void startDrain() {
        if (!pending.isEmpty() && draining.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        try {
            List<Pending> batch;
            while (!(batch = takeBatch()).isEmpty()) {
                writeBatch(batch);
            }
        } finally {
            draining.set(false);
        }
        startDrain(); // a write that arrived after the last take but before the flag cleared
    }

    private List<Pending> takeBatch() {
        List<Pending> batch = new ArrayList<>();
        Pending p;
        while (batch.size() < MAX_BATCH && (p = pending.poll()) != null) {
            batch.add(p);
        }
        return batch;
    }

    private void writeBatch(List<Pending> batch) {
        RuntimeException s = stopped;
        if (s != null) {
            batch.forEach(p -> p.done.completeExceptionally(s));
            return;
        }
        List<BacklogTask> rows = new ArrayList<>(batch.size());
        try {
            for (Pending p : batch) {
                rows.add(new BacklogTask(allocateId(), p.info, p.expiry));
            }
            store.createTasks(lease, rows);
        } catch (TaskQueueLeaseLostException e) {
            listener.onLeaseLost(e); // first: the failed adds retry at once and must find the queue unloaded
            batch.forEach(p -> p.done.completeExceptionally(e));
            return;
        } catch (RuntimeException e) {
            if (!rows.isEmpty()) {
                listener.onWriteFailed(rows.get(rows.size() - 1).taskId());
            }
            batch.forEach(p -> p.done.completeExceptionally(e));
            return;
        }
        listener.onCommitted(rows);
        batch.forEach(p -> p.done.complete(null));
    }

    private long allocateId() {
        if (nextTaskId >= lease.endTaskId()) {
            metrics.leaseRequests.increment(); // Temporal counts its range-id renewals as lease requests
            try {
                lease = store.renew(lease);
            } catch (RuntimeException e) {
                metrics.leaseFailures.increment();
                throw e;
            }
            nextTaskId = lease.firstTaskId();
        }
        return nextTaskId++;
    }

    private void failPending() {
        RuntimeException s = stopped;
        Pending p;
        while ((p = pending.poll()) != null) {
            p.done.completeExceptionally(s);
        }
    }
}
