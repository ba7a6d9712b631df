package io.kairos.matching;

import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.matching.TaskQueueKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.enums.v1.TaskQueueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Temporal's matching-service metrics (names, types and tags of {@code common/metrics/metric_defs.go} and
 * {@code service/matching}). Per-queue meters are resolved once per loaded queue ({@link Queue}), so the hot paths
 * only increment. Tags as Temporal's per-partition scope: {@code namespace} (name), {@code taskqueue},
 * {@code task_type} ({@code Workflow}/{@code Activity}) and {@code partition} ({@code 0}: Kairos queues have one
 * partition; {@code __sticky__} for sticky queues), plus {@code operation}: {@code TaskQueueMgr} for the queue's own
 * meters, the poll RPC for {@code asyncmatch_latency}, the add RPC for {@code syncmatch_latency}.
 */
final class MatchingMetrics {
    private static final Logger log = LoggerFactory.getLogger(MatchingMetrics.class);
    static final String UNKNOWN = "_unknown_";
    /** Temporal's operation tag on a physical queue's own meters (MatchingTaskQueueMgrScope). */
    static final String TASK_QUEUE_MGR = "TaskQueueMgr";

    static final String POLL_SUCCESS = "poll_success";
    static final String POLL_SUCCESS_SYNC = "poll_success_sync";
    static final String POLL_TIMEOUTS = "poll_timeouts";
    static final String SYNCMATCH_LATENCY = "syncmatch_latency";
    static final String ASYNCMATCH_LATENCY = "asyncmatch_latency";
    static final String TASK_SCHEDULE_TO_START_LATENCY = "task_schedule_to_start_latency";
    static final String LEASE_REQUESTS = "lease_requests";
    static final String LEASE_FAILURES = "lease_failures";
    static final String CONDITION_FAILED_ERRORS = "condition_failed_errors";
    /** The stock matching dashboard's name; Temporal today counts these as tasks_dropped{reason=expired_memory}. */
    static final String TASKS_EXPIRED = "tasks_expired";
    static final String TASKS_DROPPED = "tasks_dropped";
    static final String SYNC_THROTTLE_COUNT = "sync_throttle_count";
    static final String BUFFER_THROTTLE_COUNT = "buffer_throttle_count";
    static final String APPROXIMATE_BACKLOG_COUNT = "approximate_backlog_count";
    static final String APPROXIMATE_BACKLOG_AGE_SECONDS = "approximate_backlog_age_seconds";
    static final String LOADED_TASK_QUEUE_FAMILY_COUNT = "loaded_task_queue_family_count";
    static final String LOADED_TASK_QUEUE_COUNT = "loaded_task_queue_count";
    static final String LOADED_TASK_QUEUE_PARTITION_COUNT = "loaded_task_queue_partition_count";

    /** What a loaded queue knows of its backlog in memory; read at scrape time, so it must be cheap. */
    interface BacklogSource {
        long approximateBacklogCount();

        /** Seconds since the oldest task known to wait was created; 0 when none. */
        double approximateBacklogAgeSeconds();
    }

    private final MeterRegistry registry;
    private final Function<NamespaceId, Optional<String>> lookup;
    private final ConcurrentHashMap<NamespaceId, String> names = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Tags, AtomicInteger> loaded = new ConcurrentHashMap<>();
    /** Backlog gauges of the queues loaded now, by queue; guarded by itself (loads and unloads are rare). */
    private final Map<TaskQueueKey, BacklogGauges> backlogGauges = new HashMap<>();

    /** @param lookup a namespace's name by id from the store (may block: called only while a queue loads) */
    MatchingMetrics(MeterRegistry registry, Function<NamespaceId, Optional<String>> lookup) {
        this.registry = registry;
        this.lookup = lookup;
    }

    /** Polls carry the namespace name (matching's other requests only the id): remembered for free. */
    void learnNamespace(NamespaceId id, String name) {
        if (name != null && !name.isEmpty() && !name.equals(names.get(id))) {
            names.put(id, name);
        }
    }

    /** The namespace's name, from polls seen or the store; {@value #UNKNOWN} when neither knows it. */
    String namespaceName(NamespaceId id) {
        String n = names.get(id);
        if (n != null) {
            return n;
        }
        try {
            Optional<String> found = lookup.apply(id);
            found.ifPresent(name -> names.putIfAbsent(id, name));
            return found.orElse(UNKNOWN);
        } catch (RuntimeException e) {
            log.debug("component=matching msg=\"cannot resolve namespace name for metrics\" namespace_id={} error=\"{}\"",
                    id, e.toString());
            return UNKNOWN;
        }
    }

    /** Meters of one queue being loaded; resolves the namespace name (possibly from the store). */
    Queue queue(TaskQueueKey key, TaskQueueKind kind) {
        return new Queue(key, kind, namespaceName(key.namespaceId()));
    }

    static String taskType(TaskQueueType type) {
        return switch (type) {
            case TASK_QUEUE_TYPE_WORKFLOW -> "Workflow";
            case TASK_QUEUE_TYPE_ACTIVITY -> "Activity";
            case TASK_QUEUE_TYPE_NEXUS -> "Nexus";
            default -> "Unspecified";
        };
    }

    private static boolean sticky(TaskQueueKind kind) {
        return kind == TaskQueueKind.TASK_QUEUE_KIND_STICKY;
    }

    // ---- loaded queue gauges (Temporal's updateTaskQueuePartitionGauge) --------------------------------------

    private void loadedDelta(String namespace, TaskQueueKey key, TaskQueueKind kind, int delta) {
        String type = taskType(key.type());
        boolean root = !sticky(kind); // a sticky queue is a partition of its normal queue, never a root
        loadedGauge(LOADED_TASK_QUEUE_PARTITION_COUNT, Tags.of("namespace", namespace, "task_type", type,
                "taskqueue", "__omitted__", "partition", sticky(kind) ? "__sticky__" : "__normal__"), delta);
        if (root) {
            loadedGauge(LOADED_TASK_QUEUE_COUNT, Tags.of("namespace", namespace, "task_type", type), delta);
            if (key.type() == TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW) {
                loadedGauge(LOADED_TASK_QUEUE_FAMILY_COUNT, Tags.of("namespace", namespace), delta);
            }
        }
    }

    /** One gauge per namespace and type, kept when it drops to zero (bounded by the namespaces). */
    private void loadedGauge(String name, Tags tags, int delta) {
        loaded.computeIfAbsent(tags.and("__name", name), t -> {
            AtomicInteger n = new AtomicInteger();
            Gauge.builder(name, n, AtomicInteger::get).tags(tags).strongReference(true).register(registry);
            return n;
        }).addAndGet(delta);
    }

    // ---- backlog gauges ----------------------------------------------------------------------------------------

    /**
     * A queue's two backlog gauges, read through {@link #source}: a reload rebinds them to the new manager, and only
     * the manager currently bound removes them, so an old manager unloading late cannot remove its successor's.
     */
    private static final class BacklogGauges {
        volatile BacklogSource source;
        Gauge count;
        Gauge age;
    }

    private void openBacklogGauges(TaskQueueKey key, Tags tags, BacklogSource source) {
        synchronized (backlogGauges) {
            BacklogGauges g = backlogGauges.get(key);
            if (g != null) {
                g.source = source;
                return;
            }
            BacklogGauges n = new BacklogGauges();
            n.source = source;
            n.count = Gauge.builder(APPROXIMATE_BACKLOG_COUNT, n, x -> x.source.approximateBacklogCount())
                    .tags(tags).strongReference(true).register(registry);
            n.age = Gauge.builder(APPROXIMATE_BACKLOG_AGE_SECONDS, n, x -> x.source.approximateBacklogAgeSeconds())
                    .tags(tags).strongReference(true).register(registry);
            backlogGauges.put(key, n);
        }
    }

    private void closeBacklogGauges(TaskQueueKey key, BacklogSource source) {
        synchronized (backlogGauges) {
            BacklogGauges g = backlogGauges.get(key);
            if (g != null && g.source == source) {
                backlogGauges.remove(key);
                registry.remove(g.count);
                registry.remove(g.age);
            }
        }
    }

    /** The meters of one loaded queue, resolved once. */
    final class Queue {
        private final TaskQueueKey key;
        private final TaskQueueKind kind;
        private final String namespace;
        private final Tags tags;
        final Counter pollSuccess;
        final Counter pollSuccessSync;
        final Counter pollTimeouts;
        final Counter leaseRequests;
        final Counter leaseFailures;
        final Counter conditionFailed;
        final Counter tasksExpired;
        final Counter tasksDroppedExpired;
        final Counter syncThrottle;
        final Counter bufferThrottle;
        private final Timer syncMatchLatency;
        private final Timer asyncMatchLatency;
        private final Timer scheduleToStart;
        private BacklogSource source;
        private boolean opened;
        private boolean closed;

        private Queue(TaskQueueKey key, TaskQueueKind kind, String namespace) {
            this.key = key;
            this.kind = kind;
            this.namespace = namespace;
            boolean workflow = key.type() == TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW;
            Tags queue = Tags.of("namespace", namespace, "taskqueue", key.name(), "task_type", taskType(key.type()),
                    "partition", sticky(kind) ? "__sticky__" : "0");
            this.tags = queue.and("operation", TASK_QUEUE_MGR);
            pollSuccess = registry.counter(POLL_SUCCESS, tags);
            pollSuccessSync = registry.counter(POLL_SUCCESS_SYNC, tags);
            pollTimeouts = registry.counter(POLL_TIMEOUTS, tags);
            leaseRequests = registry.counter(LEASE_REQUESTS, tags);
            leaseFailures = registry.counter(LEASE_FAILURES, tags);
            conditionFailed = registry.counter(CONDITION_FAILED_ERRORS, tags);
            tasksExpired = registry.counter(TASKS_EXPIRED, tags);
            tasksDroppedExpired = registry.counter(TASKS_DROPPED, tags.and("reason", "expired_memory"));
            syncThrottle = registry.counter(SYNC_THROTTLE_COUNT, tags);
            bufferThrottle = registry.counter(BUFFER_THROTTLE_COUNT, tags);
            // as Temporal's handler: tagged with the add / poll RPC that saw the match
            syncMatchLatency = registry.timer(SYNCMATCH_LATENCY,
                    queue.and("operation", workflow ? "AddWorkflowTask" : "AddActivityTask"));
            asyncMatchLatency = registry.timer(ASYNCMATCH_LATENCY,
                    queue.and("operation", workflow ? "PollWorkflowTaskQueue" : "PollActivityTaskQueue"));
            // Temporal records this in history's Record*TaskStarted, from the task's schedule to its start
            scheduleToStart = registry.timer(TASK_SCHEDULE_TO_START_LATENCY, Tags.of("namespace", namespace,
                    "taskqueue", key.name(), "task_type", taskType(key.type()),
                    "partition", sticky(kind) ? "__sticky__" : "__normal__",
                    "operation", workflow ? "RecordWorkflowTaskStarted" : "RecordActivityTaskStarted"));
        }

        String namespace() {
            return namespace;
        }

        /** A poll received a task: sync (handed over by a waiting add, or a query) or from the backlog. */
        void pollSucceeded(boolean sync) {
            pollSuccess.increment();
            if (sync) {
                pollSuccessSync.increment();
            }
        }

        void syncMatched(long addStartNanos) {
            syncMatchLatency.record(System.nanoTime() - addStartNanos, TimeUnit.NANOSECONDS);
        }

        /** A backlog task was started: how long it waited since it was created. */
        void asyncMatched(Duration sinceCreated) {
            asyncMatchLatency.record(nonNegative(sinceCreated));
        }

        void started(Duration sinceScheduled) {
            scheduleToStart.record(nonNegative(sinceScheduled));
        }

        void expired(int n) {
            tasksExpired.increment(n);
            tasksDroppedExpired.increment(n);
        }

        private static Duration nonNegative(Duration d) {
            return d.isNegative() ? Duration.ZERO : d;
        }

        /** The queue serves now: its backlog gauges and the loaded-queue counts include it. Once only. */
        synchronized void open(BacklogSource backlog) {
            if (opened || closed) {
                return;
            }
            opened = true;
            source = backlog;
            openBacklogGauges(key, tags, backlog);
            loadedDelta(namespace, key, kind, 1);
        }

        /** The queue unloaded: its gauges go, so unloaded queues do not linger. Idempotent. */
        synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (opened) {
                closeBacklogGauges(key, source);
                loadedDelta(namespace, key, kind, -1);
            }
        }
    }
}
