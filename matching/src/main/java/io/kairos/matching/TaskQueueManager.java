package io.kairos.matching;

import io.kairos.persistence.matching.BacklogTask;
import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.persistence.matching.TaskQueueLease;
import io.kairos.persistence.matching.TaskQueueLeaseLostException;
import io.kairos.persistence.matching.TaskQueueStore;
import io.kairos.proto.persistence.v1.BacklogTaskInfo;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.taskqueue.v1.TaskIdBlock;
import io.temporal.api.taskqueue.v1.TaskQueueConfig;
import io.temporal.api.taskqueue.v1.TaskQueueStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * One loaded task queue on this host: its lease, waiting polls, backlog window and writer.
 *
 * <p>An add is first offered to a waiting poll (sync match) and only persisted when none is waiting or the
 * matched poll's start failed. Polls take the oldest backlog task first and otherwise wait. The lock guards only
 * in-memory state; database and history calls run outside it, on the executor or as callbacks, so no thread
 * ever waits for a task.
 *
 * <p>Every task handed to a poll (not query tasks, as in Temporal) takes a token from the queue's
 * {@link TaskQueueRateLimiter}; without one, polls keep waiting and the task stays held or in the backlog until the
 * token is due.
 */
final class TaskQueueManager implements TaskWriter.Listener, MatchingMetrics.BacklogSource {
    private static final Logger log = LoggerFactory.getLogger(TaskQueueManager.class);
    /** After history failed to start a task, backlog dispatch pauses this long instead of cycling the task. */
    static final Duration DISPATCH_BACKOFF = Duration.ofSeconds(1);
    /** Adds held at once per queue; more go straight to the backlog, so a burst with no workers cannot fill the heap. */
    static final int MAX_HELD = 1000;

    private final TaskQueueKey key;
    private final TaskQueueKind kind;
    private final TaskQueueStore store;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final Consumer<TaskQueueManager> onUnloaded;
    /** {@link MatchingConfig#syncMatchWait()}. */
    private final Duration syncMatchWait;
    private final MatchingMetrics metricsRoot;
    /** The taskqueue tag: a sticky queue's normal queue when known, as Temporal's sticky partitions. */
    private final String metricsName;
    /** This queue's meters; set when loading starts, before anything is served. */
    private volatile MatchingMetrics.Queue metrics;
    private final BacklogEstimate estimate = new BacklogEstimate();

    private final Object lock = new Object();
    private final LinkedHashSet<PollWaiter<?>> waiters = new LinkedHashSet<>();
    /** Query and Nexus tasks waiting for a poll; served before the backlog, never persisted. */
    private final LinkedHashSet<MemoryTask<?>> queries = new LinkedHashSet<>();
    private final Map<Long, BacklogTask> inFlight = new HashMap<>();
    /** Adds offered to the next poll (oldest first), not yet in the backlog. */
    private final LinkedHashSet<HeldAdd> heldAdds = new LinkedHashSet<>();
    private BacklogBuffer backlog;
    private Instant dispatchPausedUntil = Instant.MIN;
    private boolean retryScheduled;
    /** System.nanoTime when the pump waiting for a rate-limit token runs; 0 when none is scheduled. */
    private long throttledPumpAt;

    /** An add waiting for a poll; whoever removes it from {@link #heldAdds} (a poll, its timeout, stop) owns it. */
    private static final class HeldAdd {
        final BacklogTaskInfo info;
        final Instant expiry;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final Instant heldSince;
        /** System.nanoTime when the add arrived: syncmatch_latency. */
        final long addedNanos;
        volatile ScheduledFuture<?> timeout;

        HeldAdd(BacklogTaskInfo info, Instant expiry, Instant heldSince, long addedNanos) {
            this.info = info;
            this.expiry = expiry;
            this.heldSince = heldSince;
            this.addedNanos = addedNanos;
        }
    }

    private final CompletableFuture<TaskQueueManager> loaded = new CompletableFuture<>();
    private final AtomicBoolean loadStarted = new AtomicBoolean();
    private volatile TaskWriter writer;
    private volatile boolean stopped;
    /** stop() began: its metrics are closed (or will be, by a load finishing meanwhile). */
    private volatile boolean unloading;
    private volatile Instant lastActivity;
    private final RateMeter adds;
    private final RateMeter dispatches;
    private final TaskQueueRateLimiter limiter = new TaskQueueRateLimiter(System::nanoTime);

    private final BacklogDeleter deleter;

    /**
     * @param onUnloaded told when the queue unloads itself (lease lost, load failed) so the registry forgets it
     */
    TaskQueueManager(TaskQueueKey key, TaskQueueKind kind, TaskQueueStore store, Executor executor,
                     ScheduledExecutorService timer, Clock clock, Duration syncMatchWait,
                     Consumer<TaskQueueManager> onUnloaded, MatchingMetrics metricsRoot, String normalName) {
        this.syncMatchWait = syncMatchWait;
        this.metricsRoot = metricsRoot;
        this.metricsName = kind == TaskQueueKind.TASK_QUEUE_KIND_STICKY && normalName != null && !normalName.isEmpty()
                ? normalName : key.name();
        this.key = key;
        this.kind = kind;
        this.store = store;
        this.executor = executor;
        this.timer = timer;
        this.clock = clock;
        this.onUnloaded = onUnloaded;
        this.lastActivity = clock.instant();
        this.adds = new RateMeter(clock.millis());
        this.dispatches = new RateMeter(clock.millis());
        this.deleter = new BacklogDeleter(key, store, executor, timer, () -> {
            TaskWriter w = writer;
            return w == null ? null : w.lease();
        }, e -> {
            if (!stopped) {
                onLeaseLost(e);
            }
        });
    }

    TaskQueueKey key() {
        return key;
    }

    /** Acquires the lease once (on the executor); completes when the queue can serve. */
    CompletableFuture<TaskQueueManager> load() {
        if (loadStarted.compareAndSet(false, true)) {
            executor.execute(this::acquire);
        }
        return loaded;
    }

    private void acquire() {
        MatchingMetrics.Queue m = metricsRoot.queue(key, kind, metricsName);
        metrics = m;
        try {
            TaskQueueLease lease;
            m.leaseRequests.increment();
            try {
                lease = store.acquire(key, kind);
            } catch (RuntimeException e) {
                m.leaseFailures.increment();
                throw e;
            }
            // read after the acquire: an update fenced by the previous lease has committed by now
            limiter.setConfig(store.readConfig(key.namespaceId(), key.name(), key.type()));
            estimate.seed(store, key); // published by the lock below
            synchronized (lock) {
                backlog = new BacklogBuffer(lease.firstTaskId() - 1);
                writer = new TaskWriter(store, lease, executor, this, m);
            }
            log.debug("component=matching msg=\"task queue loaded\" queue={} range_id={}", key, lease.rangeId());
            m.open(this);
            if (unloading) {
                m.close(); // stopped while loading: stop() may have run before open()
            }
            loaded.complete(this);
        } catch (RuntimeException e) {
            log.warn("component=matching msg=\"cannot load task queue\" queue={} error=\"{}\"", key, e.getMessage());
            stopped = true;
            m.close();
            onUnloaded.accept(this);
            loaded.completeExceptionally(e);
        }
    }

    // ---- adds ------------------------------------------------------------------------------------------------

    /**
     * Completes when the task is started by a poller (or found stale by history) or committed to the backlog;
     * fails when neither happened.
     */
    CompletableFuture<Void> addTask(BacklogTaskInfo info, Instant expiry) {
        long addedNanos = System.nanoTime();
        lastActivity = clock.instant();
        adds.mark(clock.millis());
        PollWaiter<?> waiter = null;
        HeldAdd held = null;
        long tokenDueIn = 0;
        synchronized (lock) {
            if (stopped) {
                return CompletableFuture.failedFuture(new TaskQueueUnloadedException(key));
            }
            if (hasWaitingLocked()) {
                tokenDueIn = limiter.tryAcquire();
                if (tokenDueIn == 0) {
                    waiter = takeWaiterLocked();
                    if (waiter == null) {
                        limiter.recycle();
                    }
                }
            }
            if (waiter == null && !syncMatchWait.isZero() && heldAdds.size() < MAX_HELD) {
                held = new HeldAdd(info, expiry, clock.instant(), addedNanos);
                heldAdds.add(held);
            }
        }
        if (tokenDueIn > 0) {
            metrics.syncThrottle.increment(); // a poll was waiting, but the rate limit kept the add from it
        }
        if (waiter != null) {
            metrics.pollSucceeded(true);
            return syncDispatch(waiter, info, expiry, addedNanos);
        }
        if (tokenDueIn > 0 && held != null) {
            pumpWhenTokenDue(tokenDueIn);
        }
        if (held == null) {
            return persist(info, expiry);
        }
        HeldAdd h = held;
        try {
            h.timeout = timer.schedule(() -> executor.execute(() -> persistHeld(h)), syncMatchWait.toNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) { // shutting down
            persistHeld(h);
        }
        return h.done;
    }

    /** Hands an add to a matched poll; persists it when history could not start it. */
    private CompletableFuture<Void> syncDispatch(PollWaiter<?> waiter, BacklogTaskInfo info, Instant expiry,
                                                 long addedNanos) {
        return waiter.dispatch(info).thenCompose(outcome -> switch (outcome.kind()) {
            case STARTED -> {
                dispatches.mark(clock.millis());
                metrics.syncMatched(addedNanos);
                metrics.started(sinceCreated(info));
                yield CompletableFuture.completedFuture(null);
            }
            case STALE -> {
                log.debug("component=matching msg=\"sync-matched task is stale, dropped\" queue={} workflow_id={}",
                        key, info.getExecution().getWorkflowId());
                limiter.recycle(); // as Temporal: a task found invalid gives its token back
                rewait(waiter);
                yield CompletableFuture.<Void>completedFuture(null);
            }
            case FAILED -> {
                log.warn("component=matching msg=\"history failed to start a sync-matched task, persisting it\" "
                        + "queue={} workflow_id={} status={}", key, info.getExecution().getWorkflowId(),
                        outcome.error().getCode());
                pauseDispatch();
                yield persist(info, expiry);
            }
        });
    }

    /** No poll came for a held add within the sync-match wait: it goes to the backlog. */
    private void persistHeld(HeldAdd h) {
        synchronized (lock) {
            if (!heldAdds.remove(h)) {
                return; // matched meanwhile, or failed by stop()
            }
        }
        forward(persist(h.info, h.expiry), h.done);
    }

    private static void forward(CompletableFuture<Void> from, CompletableFuture<Void> to) {
        from.whenComplete((v, e) -> {
            if (e != null) {
                to.completeExceptionally(e);
            } else {
                to.complete(null);
            }
        });
    }

    private CompletableFuture<Void> persist(BacklogTaskInfo info, Instant expiry) {
        TaskWriter w = writer;
        if (w == null || stopped) {
            return CompletableFuture.failedFuture(new TaskQueueUnloadedException(key));
        }
        return w.write(info, expiry);
    }

    @Override
    public void onCommitted(List<BacklogTask> batch) {
        synchronized (lock) {
            estimate.committed(batch, backlog.onCommitted(batch), clock.millis());
        }
        pump();
    }

    @Override
    public void onWriteFailed(long lastTaskId) {
        synchronized (lock) {
            backlog.onWriteFailed(lastTaskId);
        }
    }

    @Override
    public void onLeaseLost(TaskQueueLeaseLostException e) {
        metrics.conditionFailed.increment(); // a write fenced by our lease found another owner's range_id
        log.warn("component=matching msg=\"task queue lease lost, unloading\" queue={} range_id={} current_range_id={}",
                key, e.expectedRangeId(), e.actualRangeId());
        onUnloaded.accept(this);
        stop();
    }

    // ---- queries and Nexus tasks (in memory only) -------------------------------------------------------------

    /** Queues a query or Nexus task for the next poll; false when this queue was unloaded (the caller tries a fresh one). */
    boolean addMemoryTask(MemoryTask<?> task) {
        lastActivity = clock.instant();
        synchronized (lock) {
            if (stopped) {
                return false;
            }
            queries.add(task);
        }
        task.attach(this);
        pump();
        return true;
    }

    /** The task ended (answered, timed out, cancelled): it no longer waits here. */
    void removeMemoryTask(MemoryTask<?> task) {
        synchronized (lock) {
            queries.remove(task);
        }
    }

    private void dispatchQuery(MemoryTask<?> task, PollWaiter<?> waiter) {
        if (task.isDone()) {
            rewait(waiter); // its caller went away after the match: nothing to hand over
            return;
        }
        waiter.dispatchQuery(task).whenComplete((error, unexpected) -> {
            Throwable e = unexpected != null ? unexpected : error;
            if (e == null) {
                return; // the poll answered with the query task; the worker's answer ends the query
            }
            // History could not describe the run: the query fails with that error, the poll keeps waiting.
            log.debug("component=matching msg=\"in-memory task not handed over\" queue={} error=\"{}\"", key, e.toString());
            task.fail(e);
            rewait(waiter);
        });
    }

    // ---- polls -----------------------------------------------------------------------------------------------

    /** Registers a poll; false when this queue was unloaded meanwhile (the caller retries on a fresh one). */
    boolean poll(PollWaiter<?> waiter) {
        lastActivity = clock.instant();
        waiter.attach(this);
        synchronized (lock) {
            if (stopped) {
                return false;
            }
            if (waiter.isWaiting()) {
                waiters.add(waiter);
            }
        }
        pump();
        return true;
    }

    /** A waiting poll timed out or its call went away: it answers empty (Temporal's poll_timeouts). */
    void pollExpired(PollWaiter<?> waiter) {
        boolean counted;
        synchronized (lock) {
            waiters.remove(waiter);
            counted = !stopped;
        }
        if (counted) {
            metrics.pollTimeouts.increment();
        }
    }

    /** A sticky queue with a poll waiting right now has a live worker. */
    boolean hasWaitingPoller() {
        synchronized (lock) {
            return hasWaitingLocked();
        }
    }

    int waitingPolls() {
        synchronized (lock) {
            return (int) waiters.stream().filter(PollWaiter::isWaiting).count();
        }
    }

    private boolean hasWaitingLocked() {
        while (!waiters.isEmpty()) {
            if (waiters.getFirst().isWaiting()) {
                return true;
            }
            waiters.removeFirst(); // timed out or cancelled, not yet removed
        }
        return false;
    }

    private PollWaiter<?> takeWaiterLocked() {
        while (!waiters.isEmpty()) {
            PollWaiter<?> w = waiters.removeFirst();
            if (w.tryMatch()) {
                return w;
            }
        }
        return null;
    }

    /** A poll whose task was stale keeps serving: first in line again, unless its time is up. */
    private void rewait(PollWaiter<?> waiter) {
        if (!waiter.rewait()) {
            return;
        }
        boolean keep;
        synchronized (lock) {
            keep = !stopped && clock.instant().isBefore(waiter.deadline());
            if (keep) {
                waiters.addFirst(waiter);
            }
        }
        if (keep) {
            pump();
        } else if (waiter.finishEmpty() && !stopped) {
            metrics.pollTimeouts.increment(); // its time ran out while its stale task was checked
        }
    }

    // ---- backlog dispatch ------------------------------------------------------------------------------------

    /** Pairs waiting polls with buffered backlog tasks, and starts a read when the buffer runs low. */
    private void pump() {
        record Match(BacklogTask task, PollWaiter<?> waiter) {
        }
        record QueryMatch(MemoryTask<?> task, PollWaiter<?> waiter) {
        }
        record HeldMatch(HeldAdd add, PollWaiter<?> waiter) {
        }
        List<Match> matches = new ArrayList<>();
        List<HeldMatch> heldMatches = new ArrayList<>();
        List<QueryMatch> queryMatches = new ArrayList<>();
        List<Long> expired = new ArrayList<>();
        BacklogBuffer.ReadRange read = null;
        long tokenDueIn = 0;
        boolean bufferThrottled = false;
        boolean syncThrottled = false;
        synchronized (lock) {
            if (stopped || backlog == null) {
                return;
            }
            while (!queries.isEmpty() && hasWaitingLocked()) {
                MemoryTask<?> query = queries.removeFirst();
                if (!query.claim()) {
                    continue; // ended while waiting
                }
                PollWaiter<?> waiter = takeWaiterLocked();
                if (waiter == null) {
                    if (query.unclaim()) {
                        queries.addFirst(query);
                    }
                    break;
                }
                queryMatches.add(new QueryMatch(query, waiter));
            }
            Instant now = clock.instant();
            boolean paused = now.isBefore(dispatchPausedUntil);
            while (!paused && hasWaitingLocked() && !backlog.isEmpty()) {
                BacklogTask task = backlog.poll();
                if (task.isExpiredAt(now)) {
                    expired.add(task.taskId());
                    continue;
                }
                tokenDueIn = limiter.tryAcquire();
                if (tokenDueIn > 0) {
                    backlog.putBack(task);
                    bufferThrottled = true;
                    break;
                }
                PollWaiter<?> waiter = takeWaiterLocked();
                if (waiter == null) {
                    backlog.putBack(task);
                    limiter.recycle();
                    break;
                }
                inFlight.put(task.taskId(), task);
                matches.add(new Match(task, waiter));
            }
            // Held adds are newer than anything persisted: they go only once the backlog is drained.
            while (tokenDueIn == 0 && !heldAdds.isEmpty() && backlog.isDrained() && hasWaitingLocked()) {
                tokenDueIn = limiter.tryAcquire();
                if (tokenDueIn > 0) {
                    syncThrottled = true;
                    break;
                }
                PollWaiter<?> waiter = takeWaiterLocked();
                if (waiter == null) {
                    limiter.recycle();
                    break;
                }
                heldMatches.add(new HeldMatch(heldAdds.removeFirst(), waiter));
            }
            if (hasWaitingLocked()) {
                read = backlog.startRead();
            }
        }
        if (tokenDueIn > 0) {
            pumpWhenTokenDue(tokenDueIn);
        }
        MatchingMetrics.Queue meters = metrics;
        if (bufferThrottled) {
            meters.bufferThrottle.increment();
        }
        if (syncThrottled) {
            meters.syncThrottle.increment();
        }
        if (!expired.isEmpty()) {
            log.debug("component=matching msg=\"dropping expired backlog tasks\" queue={} count={}", key, expired.size());
            meters.expired(expired.size());
            delete(expired);
        }
        // as Temporal's matcher: a query or a waiting add handed over counts as a sync poll success
        queryMatches.forEach(m -> {
            meters.pollSucceeded(true);
            dispatchQuery(m.task(), m.waiter());
        });
        matches.forEach(m -> {
            meters.pollSucceeded(false);
            dispatchBacklog(m.task(), m.waiter());
        });
        for (HeldMatch m : heldMatches) {
            var t = m.add().timeout;
            if (t != null) {
                t.cancel(false);
            }
            meters.pollSucceeded(true);
            forward(syncDispatch(m.waiter(), m.add().info, m.add().expiry, m.add().addedNanos), m.add().done);
        }
        if (read != null) {
            BacklogBuffer.ReadRange range = read;
            executor.execute(() -> read(range));
        }
    }

    private void dispatchBacklog(BacklogTask task, PollWaiter<?> waiter) {
        waiter.dispatch(task.info()).whenComplete((outcome, error) -> {
            DispatchOutcome.Kind kind = error == null ? outcome.kind() : DispatchOutcome.Kind.FAILED;
            synchronized (lock) {
                inFlight.remove(task.taskId());
                if (kind == DispatchOutcome.Kind.FAILED && !stopped) {
                    backlog.putBack(task); // still in the database; served again after the backoff
                }
            }
            switch (kind) {
                case STARTED -> {
                    dispatches.mark(clock.millis());
                    Duration waited = sinceCreated(task.info());
                    metrics.asyncMatched(waited);
                    metrics.started(waited);
                    delete(List.of(task.taskId()));
                }
                case STALE -> {
                    log.debug("component=matching msg=\"backlog task is stale, dropped\" queue={} task_id={}",
                            key, task.taskId());
                    limiter.recycle();
                    delete(List.of(task.taskId()));
                    rewait(waiter);
                }
                case FAILED -> {
                    log.warn("component=matching msg=\"history failed to start a backlog task, keeping it\" queue={} "
                            + "task_id={} status={}", key, task.taskId(),
                            error != null ? error.toString() : outcome.error().getCode());
                    pauseDispatch();
                }
            }
        });
    }

    private void pauseDispatch() {
        synchronized (lock) {
            dispatchPausedUntil = clock.instant().plus(DISPATCH_BACKOFF);
        }
        pumpLater(DISPATCH_BACKOFF);
    }

    private void pumpLater(Duration delay) {
        synchronized (lock) {
            if (retryScheduled || stopped) {
                return;
            }
            retryScheduled = true;
        }
        pumpAfter(delay.toNanos(), () -> retryScheduled = false, "retry");
    }

    /** Pumps after {@code nanos} on the executor, running {@code underLock} first (it clears the caller's flag). */
    private void pumpAfter(long nanos, Runnable underLock, String what) {
        try {
            timer.schedule(() -> executor.execute(() -> {
                synchronized (lock) {
                    underLock.run();
                }
                pump();
            }), nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("component=matching msg=\"no {}, shutting down\" queue={}", what, key);
        }
    }

    /**
     * Pumps again once a rate-limit token is due (never at a rate of zero: a new rate pumps itself). A pump already
     * scheduled earlier suffices; a later one does not (the rate may have gone up).
     */
    private void pumpWhenTokenDue(long nanos) {
        if (nanos == Long.MAX_VALUE) {
            return;
        }
        long at = System.nanoTime() + nanos;
        synchronized (lock) {
            if (stopped || (throttledPumpAt != 0 && throttledPumpAt - at <= 0)) {
                return;
            }
            throttledPumpAt = at;
        }
        pumpAfter(nanos, () -> {
            if (throttledPumpAt == at) {
                throttledPumpAt = 0;
            }
        }, "throttled pump");
    }

    // ---- configuration and rate limits -----------------------------------------------------------------------

    /** The rate limit the current poll asked for (null: none); the last poll wins, as in Temporal. */
    void workerRps(Double rps) {
        if (limiter.setWorkerRps(rps)) {
            pump();
        }
    }

    /**
     * UpdateTaskQueueConfig on the owner: stores {@code change} applied to the stored configuration, fenced by this
     * queue's lease, then applies it. Runs on the executor (a database call).
     *
     * @throws TaskQueueLeaseLostException when another host took the queue (this one unloads)
     */
    TaskQueueConfig updateConfig(UnaryOperator<TaskQueueConfig> change) {
        TaskWriter w = writer;
        if (w == null || stopped) {
            throw new TaskQueueUnloadedException(key);
        }
        TaskQueueConfig updated = null;
        for (int attempt = 0; updated == null; attempt++) {
            TaskQueueLease lease = w.lease();
            try {
                updated = store.updateConfig(lease, change);
            } catch (TaskQueueLeaseLostException e) {
                if (attempt > 0 || w.lease().rangeId() == lease.rangeId()) {
                    onLeaseLost(e);
                    throw e;
                } // else our own writer renewed the lease meanwhile: once more with the new one
            }
        }
        if (limiter.setConfig(updated)) {
            pump();
        }
        return updated;
    }

    TaskQueueRateLimiter limiter() {
        return limiter;
    }

    private void read(BacklogBuffer.ReadRange range) {
        List<BacklogTask> rows;
        try {
            rows = store.readTasks(key, range.afterTaskId(), range.maxTaskId(), range.limit());
        } catch (RuntimeException e) {
            log.warn("component=matching msg=\"cannot read backlog, will retry\" queue={} error=\"{}\"", key, e.getMessage());
            synchronized (lock) {
                backlog.onReadFailed();
            }
            pumpLater(DISPATCH_BACKOFF);
            return;
        }
        synchronized (lock) {
            backlog.onRead(range, rows);
            estimate.read(rows, backlog.allRead(), backlog.size() + inFlight.size());
        }
        pump();
    }

    /** Served, stale and expired tasks: deleted in batches by {@link BacklogDeleter}. */
    private void delete(List<Long> taskIds) {
        estimate.deleted(taskIds.size());
        deleter.delete(taskIds);
    }

    // ---- lifecycle and status --------------------------------------------------------------------------------

    /** Nothing waiting, in flight or being written, and untouched for {@code idleTimeout}. */
    boolean isIdle(Instant now, Duration idleTimeout) {
        TaskWriter w = writer;
        synchronized (lock) {
            return !hasWaitingLocked() && inFlight.isEmpty() && queries.isEmpty() && heldAdds.isEmpty()
                    && (w == null || w.isIdle())
                    && deleter.isEmpty()
                    && lastActivity.plus(idleTimeout).isBefore(now);
        }
    }

    /**
     * Unloads: waiting polls answer empty, pending writes fail (their adds are retried on a fresh load), waiting
     * queries fail.
     */
    void stop() {
        stop(null);
    }

    /**
     * Unloads as {@link #stop()}, but waiting polls fail with {@code pollError} instead of answering empty (the queue
     * moved to another host: the caller's routing channel re-polls the new owner within the same call).
     */
    void stop(RuntimeException pollError) {
        List<PollWaiter<?>> toFinish;
        List<MemoryTask<?>> queriesToFail;
        List<HeldAdd> heldToFail;
        unloading = true;
        MatchingMetrics.Queue m = metrics;
        if (m != null) {
            m.close(); // after unloading is set: a load finishing after this closes them itself
        }
        synchronized (lock) {
            if (stopped && waiters.isEmpty() && queries.isEmpty() && heldAdds.isEmpty()) {
                return;
            }
            stopped = true;
            toFinish = new ArrayList<>(waiters);
            waiters.clear();
            queriesToFail = new ArrayList<>(queries);
            queries.clear();
            heldToFail = new ArrayList<>(heldAdds);
            heldAdds.clear();
        }
        // history keeps these tasks in its outbox and adds them again to a fresh load
        heldToFail.forEach(h -> h.done.completeExceptionally(new TaskQueueUnloadedException(key)));
        TaskWriter w = writer;
        if (w != null) {
            w.stop(new TaskQueueUnloadedException(key));
        }
        if (pollError == null) {
            toFinish.forEach(PollWaiter::finishEmpty);
        } else {
            toFinish.forEach(p -> p.finishWithError(pollError));
        }
        // in memory only: the caller (history) sees UNAVAILABLE and the client retries the query
        queriesToFail.forEach(q -> q.fail(new TaskQueueUnloadedException(key)));
    }

    /** Buffered backlog tasks and held adds: what a poll response reports as backlog_count_hint. */
    int backlogHint() {
        synchronized (lock) {
            return (backlog == null ? 0 : backlog.size()) + heldAdds.size();
        }
    }

    /** Adds waiting for a poll in memory (not in the backlog table): part of the queue's backlog for describe. */
    int heldCount() {
        synchronized (lock) {
            return heldAdds.size();
        }
    }

    @Override
    public long approximateBacklogCount() {
        return estimate.count(heldCount());
    }

    @Override
    public double approximateBacklogAgeSeconds() {
        synchronized (lock) {
            return estimate.ageSeconds(backlog == null ? null : backlog.peek(),
                    heldAdds.isEmpty() ? null : heldAdds.getFirst().heldSince, clock.millis());
        }
    }

    /** Since the add that created the task (its created_time); zero when unknown. */
    private Duration sinceCreated(BacklogTaskInfo info) {
        long created = BacklogEstimate.createdMillis(info, -1);
        return created < 0 ? Duration.ZERO : Duration.ofMillis(clock.millis() - created);
    }

    /** Tasks added per second, recent window. */
    double addRate() {
        return adds.perSecond(clock.millis());
    }

    /** Tasks handed to pollers (and started) per second, recent window. */
    double dispatchRate() {
        return dispatches.perSecond(clock.millis());
    }

    /** When the oldest add still waiting in memory for a poll arrived; null when none waits. */
    Instant oldestHeldSince() {
        synchronized (lock) {
            return heldAdds.isEmpty() ? null : heldAdds.getFirst().heldSince;
        }
    }

    /** Legacy DescribeTaskQueue status; null until loaded. */
    TaskQueueStatus status(long backlogCountHint) {
        TaskWriter w = writer;
        if (w == null) {
            return null;
        }
        TaskQueueLease lease = w.lease();
        synchronized (lock) {
            long oldest = backlog.oldestTaskId();
            long firstInFlight = inFlight.keySet().stream().mapToLong(Long::longValue).min().orElse(-1);
            long lowest = oldest < 0 ? firstInFlight : firstInFlight < 0 ? oldest : Math.min(oldest, firstInFlight);
            return TaskQueueStatus.newBuilder()
                    .setBacklogCountHint(backlogCountHint)
                    .setReadLevel(backlog.readLevel())
                    .setAckLevel(lowest < 0 ? backlog.readLevel() : lowest - 1)
                    .setRatePerSecond(limiter.ratePerSecond())
                    .setTaskIdBlock(TaskIdBlock.newBuilder().setStartId(lease.firstTaskId())
                            .setEndId(lease.endTaskId() - 1))
                    .build();
        }
    }
}
