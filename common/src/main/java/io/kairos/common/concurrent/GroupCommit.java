package io.kairos.common.concurrent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.function.Predicate;

/**
 * Group commit: a writer queues its item, then takes one of {@code maxInFlight} commit permits; whoever holds a
 * permit writes what is queued (up to {@code maxBatch}) as one batch (one database transaction), so while batches
 * wait for their fsync the items arriving meanwhile gather for the next. Several batches may be in flight at once, so
 * one batch's statements never hold up every writer. A lone writer writes alone, with no added delay.
 *
 * <p>Each item keeps its own outcome: the batch writer reports a failure per item (an item whose condition did
 * not hold) while the others commit. When the whole batch fails with an error that proves nothing was written
 * ({@code retryAlone}), each item is written alone so one bad item cannot fail the others; any other batch
 * failure (a broken connection: outcome unknown, or a lost fence) fails every item of the batch.
 *
 * @param <W> the item type
 */
public final class GroupCommit<W> {
    /** Writes a batch in one transaction: one entry per item, null when it committed, else why it was skipped. */
    @FunctionalInterface
    public interface BatchWriter<W> {
        List<RuntimeException> write(List<W> batch);
    }

    private final int maxBatch;
    private final BatchWriter<W> writer;
    private final Predicate<RuntimeException> retryAlone;
    private final ConcurrentLinkedQueue<Pending<W>> queue = new ConcurrentLinkedQueue<>();
    private final Semaphore permits;

    private static final class Pending<W> {
        final W item;
        final CountDownLatch done = new CountDownLatch(1);
        RuntimeException failure;

        Pending(W item) {
            this.item = item;
        }

        void finish(RuntimeException f) {
            failure = f;
            done.countDown(); // publishes failure
        }

        boolean isDone() {
            return done.getCount() == 0;
        }
    }

    public GroupCommit(int maxBatch, int maxInFlight, BatchWriter<W> writer, Predicate<RuntimeException> retryAlone) {
        this.maxBatch = maxBatch;
        this.permits = new Semaphore(maxInFlight);
        this.writer = writer;
        this.retryAlone = retryAlone;
    }

    /** Returns once {@code item} is committed; throws its own failure or its batch's. */
    public void commit(W item) {
        Pending<W> mine = new Pending<>(item);
        queue.add(mine);
        while (!mine.isDone()) {
            permits.acquireUninterruptibly();
            List<Pending<W>> batch;
            try {
                batch = drain();
                commitBatch(batch);
            } finally {
                permits.release();
            }
            if (batch.isEmpty()) {
                // Queued before the permit was taken, so another writer's batch has it: wait for that batch.
                try {
                    mine.done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while its write was being committed", e);
                }
            }
        }
        if (mine.failure != null) {
            throw mine.failure;
        }
    }

    /** Items waiting for a batch. */
    public int queued() {
        return queue.size();
    }

    private List<Pending<W>> drain() {
        List<Pending<W>> batch = new ArrayList<>();
        Pending<W> p;
        while (batch.size() < maxBatch && (p = queue.poll()) != null) {
            batch.add(p);
        }
        return batch;
    }

    private void commitBatch(List<Pending<W>> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            List<RuntimeException> outcomes = writer.write(batch.stream().map(p -> p.item).toList());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).finish(outcomes.get(i));
            }
        } catch (RuntimeException failed) {
            if (batch.size() == 1 || !retryAlone.test(failed)) {
                batch.forEach(p -> p.finish(failed));
                return;
            }
            for (Pending<W> p : batch) {
                commitBatch(List.of(p));
            }
        }
    }
}
