package io.kairos.history.queue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.history.HistoryMetrics;
import io.kairos.history.shard.ShardContext;
import io.kairos.persistence.execution.ExecutionStore;
import io.kairos.persistence.execution.QueueTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Drains one shard's outbox queue (transfer or timer). Tasks reach it two ways: handed over in memory by the
 * commit that made them durable, and read from the database at start (tasks of earlier owners and of tasks that
 * came due while the server was down) or after a commit whose outcome is unknown. Each task runs on a virtual
 * thread and is retried with backoff until it succeeds; succeeded tasks are deleted in batches. A crash before
 * the delete runs a task again after the restart, which every task tolerates.
 *
 * <p>Only the processor's loop thread reads and deletes rows, so a read never returns a row this processor
 * already deleted; {@link #tracked} holds every task id in memory (waiting, running or awaiting deletion) and
 * keeps a task read twice from running twice.
 */
public abstract class QueueProcessor implements AutoCloseable {
    /** Runs one task; throws to have it retried. */
    @FunctionalInterface
    public interface TaskRunner {
        void execute(io.kairos.proto.persistence.v1.HistoryTask task);
    }

    private static final Logger log = LoggerFactory.getLogger(QueueProcessor.class);
    static final int PAGE = 1000;
    /** Beyond this many tasks in memory, reading more from the database waits. */
    static final int MAX_TRACKED = 20_000;
    private static final int MAX_CONCURRENT = 256;
    private static final int ACK_BATCH = 500;
    private static final Duration ACK_INTERVAL = Duration.ofMillis(500);
    private static final Duration FAILED_PASS_DELAY = Duration.ofMillis(500);
    private static final long MAX_BACKOFF_MS = 10_000;

    protected final ShardContext shard;
    protected final ExecutionStore store;
    protected final Clock clock;
    protected final Set<Long> tracked = ConcurrentHashMap.newKeySet();
    private final TaskRunner executor;
    private final Semaphore wake = new Semaphore(0);
    private final Semaphore concurrency = new Semaphore(MAX_CONCURRENT);
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final ConcurrentLinkedQueue<QueueTask> succeeded = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger toAcknowledge = new java.util.concurrent.atomic.AtomicInteger();
    private long lastAckNanos = System.nanoTime();
    private volatile boolean running = true;
    private volatile HistoryMetrics metrics = HistoryMetrics.NOOP;
    private Thread loop;

    QueueProcessor(ShardContext shard, ExecutionStore store, TaskRunner executor, Clock clock) {
        this.shard = shard;
        this.store = store;
        this.executor = executor;
        this.clock = clock;
    }

    abstract String name();

    /** Registers this processor for the shard's commit hand-off. */
    abstract void listen();

    /** One pass: read what is due, dispatch it. Returns how long the loop may sleep unless woken. */
    abstract Duration pass();

    /** Acknowledges executed tasks in the database (one statement). */
    abstract void delete(List<QueueTask> tasks);

    /** Where task metrics go (Temporal's task_* meters); set before {@link #start()}. */
    public final QueueProcessor metrics(HistoryMetrics m) {
        this.metrics = m;
        return this;
    }

    public final void start() {
        listen();
        // A platform thread: the loop re-arms a timed wait after every hand-off, which on a virtual thread goes
        // through the pool's delay scheduler each time (measured: ~5 % of the server's CPU at full load).
        loop = Thread.ofPlatform().daemon().name(name() + "-queue-" + shard.shardId()).start(this::run);
    }

    protected final void wake() {
        wake.release();
    }

    private void run() {
        while (running) {
            try {
                // Permits released from here on wake the wait below: no hand-off is missed.
                wake.drainPermits();
                Duration wait = pass();
                acknowledge();
                if (toAcknowledge.get() > 0 && wait.compareTo(ACK_INTERVAL) > 0) {
                    wait = ACK_INTERVAL;
                }
                if (!wait.isZero() && !wait.isNegative()) {
                    wake.tryAcquire(wait.toMillis() + 1, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("component=history queue={} shard={} msg=\"queue pass failed\" error=\"{}\"", name(),
                        shard.shardId(), e.toString());
                sleepQuietly(FAILED_PASS_DELAY);
            }
        }
    }

    private enum Outcome { DONE, DISCARDED, FAILED, LEFT }

    /** Runs the task on its own virtual thread, retrying with backoff until it succeeds or the processor stops. */
    protected final void dispatch(QueueTask t) {
        // When the task became runnable: a timer's fire time; a transfer task is dispatched as it is handed over
        // or read, so the time of dispatch (the row keeps no creation time).
        Instant visible = t.fireAt() != null ? t.fireAt() : clock.instant();
        workers.execute(() -> {
            var tags = metrics.taskTags(t.task());
            long inMemoryNanos = 0; // slot waits and runs, without the backoffs (Temporal's task_latency)
            for (int attempt = 1; running; attempt++) {
                Outcome outcome;
                long queuedAt = System.nanoTime();
                try {
                    concurrency.acquire();
                } catch (InterruptedException e) {
                    return;
                }
                long startedAt = System.nanoTime();
                try {
                    outcome = executeOne(t);
                } finally {
                    concurrency.release();
                }
                long endedAt = System.nanoTime();
                inMemoryNanos += endedAt - queuedAt;
                metrics.taskAttempted(tags, Duration.ofNanos(endedAt - startedAt), outcome == Outcome.FAILED);
                if (outcome == Outcome.DONE || outcome == Outcome.DISCARDED) {
                    if (outcome == Outcome.DISCARDED) {
                        metrics.taskDiscarded(tags);
                    }
                    metrics.taskCompleted(tags, attempt, Duration.ofNanos(inMemoryNanos),
                            Duration.between(visible, clock.instant()));
                    succeeded.add(t);
                    int n = toAcknowledge.incrementAndGet();
                    if (n == 1 || n >= ACK_BATCH) {
                        wake(); // the loop may be asleep until a far timer: make it plan the delete
                    }
                    return;
                }
                try {
                    Thread.sleep(Math.min(MAX_BACKOFF_MS, 100L << Math.min(attempt, 10)));
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private Outcome executeOne(QueueTask t) {
        try {
            executor.execute(t.task());
        } catch (NotFoundException gone) {
            // The workflow or the thing the task was about no longer exists: nothing to do.
            return Outcome.DISCARDED;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                log.debug("component=history queue={} task={} msg=\"task failed, will retry\" error=\"{}\"", name(),
                        t.taskId(), e.getStatus());
                return Outcome.FAILED;
            }
            return Outcome.DISCARDED;
        } catch (RuntimeException e) {
            if (!running || e instanceof io.kairos.common.errors.OwnershipMovedException) {
                // The shard is being released: its new owner runs the task.
                log.debug("component=history queue={} task={} msg=\"task left to the shard's next owner\" error=\"{}\"",
                        name(), t.taskId(), e.toString());
                return Outcome.LEFT;
            }
            log.warn("component=history queue={} task={} msg=\"task failed, will retry\" error=\"{}\"", name(),
                    t.taskId(), e.toString());
            return Outcome.FAILED;
        }
        return Outcome.DONE;
    }

    /** Deletes succeeded tasks once enough gathered or some time passed, then forgets them. */
    private void acknowledge() {
        int n = toAcknowledge.get();
        if (n == 0 || (n < ACK_BATCH && System.nanoTime() - lastAckNanos < ACK_INTERVAL.toNanos())) {
            return;
        }
        List<QueueTask> batch = new ArrayList<>();
        QueueTask t;
        while ((t = succeeded.poll()) != null) {
            batch.add(t);
        }
        toAcknowledge.addAndGet(-batch.size());
        try {
            delete(batch);
        } catch (RuntimeException e) {
            succeeded.addAll(batch); // delete again on a later pass
            toAcknowledge.addAndGet(batch.size());
            throw e;
        }
        lastAckNanos = System.nanoTime();
        batch.forEach(done -> tracked.remove(done.taskId()));
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        if (loop != null) {
            loop.interrupt();
        }
        workers.shutdownNow();
    }
}
