package io.kairos.history.queue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kairos.common.errors.NotFoundException;
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
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Drains one shard's transfer queue or timer queue (the transactional outbox): reads a batch of due tasks,
 * executes them concurrently on virtual threads, and deletes each one that succeeded. A failed task stays and
 * is retried on a later pass, so nothing committed is lost, including tasks that came due while the server
 * was down. Commits that add tasks wake the processor at once; otherwise it polls at an interval (transfer)
 * or sleeps until the next timer is due.
 */
public final class QueueProcessor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueProcessor.class);
    private static final int BATCH = 200;
    private static final Duration IDLE_POLL = Duration.ofSeconds(1);
    private static final Duration RETRY_DELAY = Duration.ofMillis(500);

    public enum Kind { TRANSFER, TIMER }

    private final Kind kind;
    private final ShardContext shard;
    private final ExecutionStore store;
    private final QueueTaskExecutor executor;
    private final Clock clock;
    private final Semaphore wake = new Semaphore(0);
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean running = true;
    /**
     * When the timer loop plans to look again. Instant.MIN while it works: timers committed then are seen by
     * the next-timer query that follows the pass, so their notifications need not wake it.
     */
    private volatile Instant nextWakeAt = Instant.MIN;
    private Thread loop;

    public QueueProcessor(Kind kind, ShardContext shard, ExecutionStore store, QueueTaskExecutor executor, Clock clock) {
        this.kind = kind;
        this.shard = shard;
        this.store = store;
        this.executor = executor;
        this.clock = clock;
    }

    public void start() {
        if (kind == Kind.TRANSFER) {
            shard.onTransferTasks(this::notifyNewTasks);
        } else {
            shard.onTimerTasks(this::notifyTimer);
        }
        loop = Thread.ofVirtual().name(kind.name().toLowerCase() + "-queue-" + shard.shardId()).start(this::run);
    }

    public void notifyNewTasks() {
        wake.release();
    }

    /**
     * Most new timers (task timeouts) are due long after the next planned wake-up: waking for them would only
     * re-read the queue. Wake early only for a timer due before that.
     */
    private void notifyTimer(Instant fireAt) {
        if (fireAt.isBefore(nextWakeAt)) {
            wake.release();
        }
    }

    private void run() {
        while (running) {
            try {
                // Permits released from here on wake the wait below: no notification is lost.
                nextWakeAt = Instant.MIN;
                wake.drainPermits();
                List<QueueTask> batch = kind == Kind.TRANSFER
                        ? store.readTransferTasks(shard.shardId(), BATCH)
                        : store.readDueTimerTasks(shard.shardId(), clock.instant(), BATCH);
                int failed = executeAll(batch);
                if (batch.size() == BATCH && failed == 0) {
                    continue;
                }
                waitForWork(failed > 0);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.warn("component=history queue={} shard={} msg=\"queue pass failed\" error=\"{}\"", kind, shard.shardId(), e.toString());
                sleepQuietly(RETRY_DELAY);
            }
        }
    }

    /** Runs the batch concurrently, then acknowledges every task that succeeded with one delete. */
    private int executeAll(List<QueueTask> batch) throws InterruptedException {
        List<Future<Boolean>> results = new ArrayList<>(batch.size());
        for (QueueTask t : batch) {
            results.add(workers.submit(() -> executeOne(t)));
        }
        List<QueueTask> done = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            try {
                if (results.get(i).get()) {
                    done.add(batch.get(i));
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // counted as failed below
            }
        }
        if (kind == Kind.TRANSFER) {
            store.deleteTransferTasks(shard.shardId(), done.stream().map(QueueTask::taskId).toList());
        } else {
            store.deleteTimerTasks(shard.shardId(), done);
        }
        return batch.size() - done.size();
    }

    private boolean executeOne(QueueTask t) {
        try {
            executor.execute(t.task());
        } catch (NotFoundException gone) {
            // The workflow or the thing the task was about no longer exists: nothing to do.
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                log.debug("component=history queue={} task={} msg=\"task failed, will retry\" error=\"{}\"", kind, t.taskId(), e.getStatus());
                return false;
            }
        } catch (RuntimeException e) {
            log.warn("component=history queue={} task={} msg=\"task failed, will retry\" error=\"{}\"", kind, t.taskId(), e.toString());
            return false;
        }
        return true;
    }

    private void waitForWork(boolean hadFailures) throws InterruptedException {
        Duration wait = hadFailures ? RETRY_DELAY : IDLE_POLL;
        if (kind == Kind.TIMER) {
            // From here a new timer due within the longest wait wakes the loop, so none is missed.
            nextWakeAt = clock.instant().plus(IDLE_POLL);
        }
        if (kind == Kind.TIMER && !hadFailures) {
            Optional<Instant> next = store.nextTimerTime(shard.shardId());
            if (next.isPresent()) {
                Duration untilNext = Duration.between(clock.instant(), next.get());
                wait = untilNext.isNegative() ? Duration.ZERO : (untilNext.compareTo(IDLE_POLL) < 0 ? untilNext : IDLE_POLL);
            }
        }
        if (kind == Kind.TIMER) {
            nextWakeAt = clock.instant().plus(wait);
        }
        if (!wait.isZero()) {
            wake.tryAcquire(wait.toMillis() + 1, TimeUnit.MILLISECONDS);
        }
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
