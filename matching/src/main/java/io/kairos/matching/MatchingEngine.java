package io.kairos.matching;

import io.kairos.common.errors.OwnershipMovedException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.persistence.matching.TaskQueueLeaseLostException;
import io.kairos.persistence.matching.TaskQueueStore;
import io.kairos.proto.persistence.v1.BacklogTaskInfo;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueueStatus;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The task queues this host has loaded, loaded on first use and unloaded when idle or when their lease is
 * lost; routes adds, polls and describes to them, and keeps per-queue poller history.
 */
final class MatchingEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MatchingEngine.class);
    /** DescribeTaskQueue's rate_limiting_active: a dispatch waited for a rate-limit token this recently. */
    private static final java.time.Duration RATE_LIMITING_WINDOW = java.time.Duration.ofSeconds(RateMeter.WINDOW_SECONDS);
    /** An add or poll that finds its queue unloaded under it tries once more on a fresh load. */
    private static final int ATTEMPTS = 2;

    private final TaskQueueStore store;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final MatchingConfig config;
    private final Function<TaskQueueKey, String> ownerElsewhere;
    private final ConcurrentHashMap<TaskQueueKey, TaskQueueManager> queues = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<TaskQueueKey, PollerHistory> pollers = new ConcurrentHashMap<>();
    private final MatchingMetrics metrics;
    private volatile boolean closed;

    /** @param ownerElsewhere the address of the host owning a queue when that is not this host, else null */
    MatchingEngine(TaskQueueStore store, Executor executor, ScheduledExecutorService timer, Clock clock,
                   MatchingConfig config, Function<TaskQueueKey, String> ownerElsewhere, MatchingMetrics metrics) {
        this.metrics = metrics;
        this.ownerElsewhere = ownerElsewhere;
        this.store = store;
        this.executor = executor;
        this.timer = timer;
        this.clock = clock;
        this.config = config;
    }

    /** A poll's namespace name (polls carry it; adds only the id): the queues' metrics tag it. */
    void learnNamespace(NamespaceId id, String name) {
        metrics.learnNamespace(id, name);
    }

    int loadedQueues() {
        return queues.size();
    }

    /**
     * Sync-matches or persists a task. A sticky queue with no poll seen within the sticky poller timeout fails
     * fast with {@link StickyWorkerUnavailableException}, without loading the queue.
     */
    CompletableFuture<Void> addTask(TaskQueueKey key, TaskQueueKind kind, BacklogTaskInfo info, Instant expiry) {
        if (kind == TaskQueueKind.TASK_QUEUE_KIND_STICKY && !stickyWorkerAvailable(key)) {
            return CompletableFuture.failedFuture(new StickyWorkerUnavailableException(key));
        }
        return addTask(key, kind, info, expiry, ATTEMPTS);
    }

    private CompletableFuture<Void> addTask(TaskQueueKey key, TaskQueueKind kind, BacklogTaskInfo info, Instant expiry,
                                            int attempts) {
        return manager(key, kind)
                .thenCompose(m -> m.addTask(info, expiry))
                .exceptionallyCompose(e -> attempts > 1 && isUnloaded(e)
                        ? addTask(key, kind, info, expiry, attempts - 1)
                        : CompletableFuture.failedFuture(e));
    }

    /**
     * Offers a query or Nexus task to the queue's polls (it waits there for one). A sticky queue with no recent poll
     * fails fast, as for adds; such a task is never persisted.
     */
    CompletableFuture<Void> addMemoryTask(TaskQueueKey key, TaskQueueKind kind, MemoryTask<?> task) {
        if (kind == TaskQueueKind.TASK_QUEUE_KIND_STICKY && !stickyWorkerAvailable(key)) {
            return CompletableFuture.failedFuture(new StickyWorkerUnavailableException(key));
        }
        return addMemoryTask(key, kind, task, ATTEMPTS);
    }

    private CompletableFuture<Void> addMemoryTask(TaskQueueKey key, TaskQueueKind kind, MemoryTask<?> task,
                                                  int attempts) {
        return manager(key, kind).thenCompose(m -> {
            if (m.addMemoryTask(task)) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            return attempts > 1 ? addMemoryTask(key, kind, task, attempts - 1)
                    : CompletableFuture.<Void>failedFuture(new TaskQueueUnloadedException(key));
        });
    }

    private boolean stickyWorkerAvailable(TaskQueueKey key) {
        PollerHistory h = pollers.get(key);
        if (h != null && h.lastPoll().isAfter(clock.instant().minus(config.stickyPollerTimeout()))) {
            return true;
        }
        TaskQueueManager m = queues.get(key);
        return m != null && m.hasWaitingPoller();
    }

    /** Records the poller and registers the poll; its result future answers it. */
    void poll(TaskQueueKey key, TaskQueueKind kind, PollWaiter<?> waiter) {
        poll(key, kind, waiter, null);
    }

    /**
     * @param workerRps the poll's {@code task_queue_metadata.max_tasks_per_second} (null: none), the queue's rate
     *                  limit unless one was set through the API
     */
    void poll(TaskQueueKey key, TaskQueueKind kind, PollWaiter<?> waiter, Double workerRps) {
        poll(key, kind, waiter, workerRps, null);
    }

    /**
     * @param normalName for a sticky queue, its normal queue's name as the poll names it (null: unknown): Temporal
     *                   tags a sticky queue's metrics with it (and partition {@code __sticky__})
     */
    void poll(TaskQueueKey key, TaskQueueKind kind, PollWaiter<?> waiter, Double workerRps, String normalName) {
        if (closed) {
            waiter.finishWithError(new TaskQueueUnloadedException(key));
            return;
        }
        pollers.computeIfAbsent(key, k -> new PollerHistory()).record(waiter.identity(), clock.instant(), workerRps);
        waiter.armTimeout(timer, executor);
        register(key, kind, waiter, workerRps, normalName, ATTEMPTS);
    }

    /** Polls waiting on the queue right now (tests use it to know a poll is registered). */
    int waitingPolls(TaskQueueKey key) {
        TaskQueueManager m = queues.get(key);
        return m == null ? 0 : m.waitingPolls();
    }

    private void register(TaskQueueKey key, TaskQueueKind kind, PollWaiter<?> waiter, Double workerRps,
                          String normalName, int attempts) {
        if (waiter.isDone()) {
            return;
        }
        manager(key, kind, normalName).whenComplete((m, error) -> {
            if (error != null) {
                waiter.finishWithError(unwrap(error));
                return;
            }
            m.workerRps(workerRps);
            if (!m.poll(waiter)) {
                if (attempts > 1) {
                    register(key, kind, waiter, workerRps, normalName, attempts - 1);
                } else {
                    waiter.finishEmpty();
                }
            }
        });
    }

    /**
     * The poll responses' backlog_count_hint: tasks this host has for the queue in memory (its backlog window and
     * held adds) once the answered task is taken, for workflow polls. The SDKs' sticky-queue balancers read it.
     */
    long backlogHint(TaskQueueKey key) {
        TaskQueueManager m = queues.get(key);
        return m == null ? 0 : m.backlogHint();
    }

    DescribeTaskQueueResponse describe(TaskQueueKey key, boolean includeStatus) {
        return describe(key, includeStatus, false, false);
    }

    /**
     * UpdateTaskQueueConfig: the queue's owner (this host) stores {@code change} applied to the stored configuration
     * and applies it. UNSPECIFIED is stored as Temporal does, but no queue serves it, so nothing is fenced or applied.
     */
    CompletableFuture<io.temporal.api.taskqueue.v1.TaskQueueConfig> updateConfig(
            NamespaceId namespaceId, String name, TaskQueueType type,
            UnaryOperator<io.temporal.api.taskqueue.v1.TaskQueueConfig> change) {
        if (type == TaskQueueType.TASK_QUEUE_TYPE_UNSPECIFIED) {
            return CompletableFuture.supplyAsync(() -> store.updateConfig(namespaceId, name, type, change), executor);
        }
        return updateConfig(new TaskQueueKey(namespaceId, name, type), change, ATTEMPTS);
    }

    private CompletableFuture<io.temporal.api.taskqueue.v1.TaskQueueConfig> updateConfig(
            TaskQueueKey key, UnaryOperator<io.temporal.api.taskqueue.v1.TaskQueueConfig> change, int attempts) {
        return manager(key, TaskQueueKind.TASK_QUEUE_KIND_NORMAL)
                .thenApplyAsync(m -> m.updateConfig(change), executor)
                .exceptionallyCompose(e -> attempts > 1 && isUnloaded(e)
                        ? updateConfig(key, change, attempts - 1)
                        : CompletableFuture.failedFuture(e));
    }

    /**
     * @param reportStats fill {@code stats}: the backlog (persisted tasks plus adds waiting in memory for a poll, so
     *                    unlike Temporal's count it includes tasks not yet written), the age of its oldest task, and
     *                    the add and dispatch rates of the last 30 s (zero while the queue is not loaded here)
     */
    DescribeTaskQueueResponse describe(TaskQueueKey key, boolean includeStatus, boolean reportStats,
                                       boolean reportConfig) {
        DescribeTaskQueueResponse.Builder b = DescribeTaskQueueResponse.newBuilder();
        if (reportStats) {
            b.setStats(stats(key));
        }
        // As Temporal: the effective rate limit always, the stored configuration when asked (absent if never set).
        TaskQueueManager loaded = queues.get(key);
        var config = reportConfig || loaded == null
                ? store.readConfig(key.namespaceId(), key.name(), key.type()) : null;
        if (reportConfig && config != null) {
            b.setConfig(config);
        }
        PollerHistory h = pollers.get(key);
        var effective = loaded != null ? loaded.limiter().effective() : TaskQueueRateLimiter.effective(
                TaskQueueRateLimiter.apiRps(config), h == null ? null : h.workerRps());
        b.setEffectiveRateLimit(effective);
        if (h != null) {
            b.addAllPollers(h.recent(clock.instant()));
        }
        if (includeStatus) {
            TaskQueueManager m = queues.get(key);
            long backlog = store.countTasks(key) + (m == null ? 0 : m.heldCount());
            TaskQueueStatus status = m == null ? null : m.status(backlog);
            b.setTaskQueueStatus(status != null ? status : TaskQueueStatus.newBuilder()
                    .setBacklogCountHint(backlog).setRatePerSecond(effective.getRequestsPerSecond()).build());
        }
        return b.build();
    }

    private io.temporal.api.taskqueue.v1.TaskQueueStats stats(TaskQueueKey key) {
        TaskQueueManager m = queues.get(key);
        Instant now = clock.instant();
        Instant oldest = store.oldestTaskCreatedAt(key);
        Instant held = m == null ? null : m.oldestHeldSince();
        if (oldest == null || (held != null && held.isBefore(oldest))) {
            oldest = held;
        }
        var s = io.temporal.api.taskqueue.v1.TaskQueueStats.newBuilder()
                .setApproximateBacklogCount(store.countTasks(key) + (m == null ? 0 : m.heldCount()))
                .setApproximateBacklogAge(com.google.protobuf.util.Durations.fromMillis(
                        oldest == null ? 0 : Math.max(0, java.time.Duration.between(oldest, now).toMillis())));
        if (m != null) {
            s.setTasksAddRate((float) m.addRate()).setTasksDispatchRate((float) m.dispatchRate())
                    .setRateLimitingActive(m.limiter().limitedWithin(RATE_LIMITING_WINDOW));
        }
        return s.build();
    }

    private CompletableFuture<TaskQueueManager> manager(TaskQueueKey key, TaskQueueKind kind) {
        return manager(key, kind, null);
    }

    private CompletableFuture<TaskQueueManager> manager(TaskQueueKey key, TaskQueueKind kind, String normalName) {
        if (closed) {
            return CompletableFuture.failedFuture(new TaskQueueUnloadedException(key));
        }
        String owner = ownerElsewhere.apply(key);
        if (owner != null) {
            return CompletableFuture.failedFuture(moved(key, owner));
        }
        TaskQueueKind k = kind == TaskQueueKind.TASK_QUEUE_KIND_STICKY ? kind : TaskQueueKind.TASK_QUEUE_KIND_NORMAL;
        return queues.computeIfAbsent(key, q -> new TaskQueueManager(q, k, store, executor, timer, clock,
                config.syncMatchWait(), this::forget, metrics, normalName)).load();
    }

    private void forget(TaskQueueManager m) {
        queues.remove(m.key(), m);
    }

    /**
     * ShutdownWorker: forgets the sticky queue's pollers and unloads it (its waiting polls answer empty), so the
     * next task for it fails fast as StickyWorkerUnavailable. A backlogged sticky task still moves to the normal
     * queue at its schedule-to-start timeout, as in Temporal.
     */
    void shutdownStickyQueue(TaskQueueKey key) {
        pollers.remove(key);
        TaskQueueManager m = queues.get(key);
        if (m != null && queues.remove(key, m)) {
            m.stop();
        }
    }

    static OwnershipMovedException moved(TaskQueueKey key, String owner) {
        return new OwnershipMovedException(OwnershipMovedException.MATCHING, "task queue " + key, owner);
    }

    /**
     * Membership changed: unloads the queues another host owns now. Their waiting polls and held adds fail as
     * "moved", so callers go to the new owner; the backlog stays in the database for the new owner's lease.
     */
    int rebalance() {
        int moved = 0;
        for (TaskQueueManager m : new ArrayList<>(queues.values())) {
            String owner = ownerElsewhere.apply(m.key());
            if (owner != null && queues.remove(m.key(), m)) {
                log.info("component=matching msg=\"task queue moved to another host\" queue={} owner={}", m.key(), owner);
                m.stop(moved(m.key(), owner));
                moved++;
            }
        }
        return moved;
    }

    /** Unloads idle queues and forgets pollers older than the reporting window. */
    void sweep() {
        Instant now = clock.instant();
        for (TaskQueueManager m : new ArrayList<>(queues.values())) {
            if (m.isIdle(now, config.idleQueueTimeout()) && queues.remove(m.key(), m)) {
                log.debug("component=matching msg=\"unloading idle task queue\" queue={}", m.key());
                m.stop();
            }
        }
        pollers.entrySet().removeIf(e -> e.getValue().prune(now));
    }

    /** Unloads everything: waiting polls answer empty; the backlog stays in the database. */
    @Override
    public void close() {
        closed = true;
        List<TaskQueueManager> all = new ArrayList<>(queues.values());
        queues.clear();
        all.forEach(TaskQueueManager::stop);
    }

    private static boolean isUnloaded(Throwable t) {
        Throwable e = unwrap(t);
        return e instanceof TaskQueueUnloadedException || e instanceof TaskQueueLeaseLostException;
    }

    static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
