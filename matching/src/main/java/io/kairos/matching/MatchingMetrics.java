package io.kairos.matching;

import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.matching.TaskQueueKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.enums.v1.TaskQueueType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

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

    /**
     * Meters of one queue being loaded; resolves the namespace name (possibly from the store).
     *
     * @param queueName its taskqueue tag: its name, or for a sticky queue its normal queue's
     */
    Queue queue(TaskQueueKey key, TaskQueueKind kind, String queueName) {
        return new Queue(key, kind, namespaceName(key.namespaceId()), queueName);
    }

    static String taskType(TaskQueueType type) {
        return switch (type) {
            case TASK_QUEUE_TYPE_WORKFLOW -> "Workflow";
            case TASK_QUEUE_TYPE_ACTIVITY -> "Activity";
            case TASK_QUEUE_TYPE_NEXUS -> "Nexus";
            default -> "Unspecified";
        };
    }

    /** The RPC tag of a queue's meters: its add, poll or start RPC for its task type. */
    private static String byType(TaskQueueType type, String workflow, String activity, String nexus) {
        return switch (type) {
            case TASK_QUEUE_TYPE_WORKFLOW -> workflow;
            case TASK_QUEUE_TYPE_NEXUS -> nexus;
            default -> activity;
        };
    }

    private static boolean sticky(TaskQueueKind kind) {
        return kind == TaskQueueKind.TASK_QUEUE_KIND_STICKY;
    }

    // ---- gauges shared by queues -----------------------------------------------------------------------------

    /*
     * The registry's tag limits may map several queues (or namespaces) to one gauge id (_tag_excluded_), and a queue
     * reloading may briefly have two managers. So a gauge is kept per id as the registry reports it back, and reads
     * every source registered under that id: sums of counts, the oldest age. Guarded by gaugeLock (loads and
     * unloads are rare).
     */
    private final Object gaugeLock = new Object();
    private final Map<Meter.Id, Sources> gauges = new HashMap<>();
    /** The gauge registered for a name and tags: later sources join it without registering again (Micrometer warns). */
    private final Map<List<Object>, Meter.Id> gaugeIds = new HashMap<>();

    /** The sources behind one gauge. */
    private static final class Sources {
        final Set<Object> members = ConcurrentHashMap.newKeySet();
        final ToDoubleFunction<Object> read;
        final boolean max;
        Gauge gauge;

        Sources(ToDoubleFunction<Object> read, boolean max) {
            this.read = read;
            this.max = max;
        }

        double value() {
            double v = 0;
            for (Object m : members) {
                double x = read.applyAsDouble(m);
                v = max ? Math.max(v, x) : v + x;
            }
            return v;
        }
    }

    @SuppressWarnings("unchecked")
    private <T> Meter.Id addGaugeSource(String name, Tags tags, T source, ToDoubleFunction<T> read, boolean max) {
        synchronized (gaugeLock) {
            List<Object> key = List.of(name, tags);
            Meter.Id known = gaugeIds.get(key);
            if (known != null && gauges.containsKey(known)) {
                gauges.get(known).members.add(source);
                return known;
            }
            Sources fresh = new Sources((ToDoubleFunction<Object>) read, max);
            Gauge g = Gauge.builder(name, fresh, Sources::value).tags(tags).strongReference(true).register(registry);
            Sources s = gauges.computeIfAbsent(g.getId(), id -> fresh); // an existing id keeps its first Sources
            s.gauge = g;
            s.members.add(source);
            gaugeIds.put(key, g.getId());
            return g.getId();
        }
    }

    private void removeGaugeSource(Meter.Id id, Object source) {
        synchronized (gaugeLock) {
            Sources s = gauges.get(id);
            if (s != null && s.members.remove(source) && s.members.isEmpty()) {
                gauges.remove(id);
                gaugeIds.values().removeIf(id::equals);
                registry.remove(s.gauge);
            }
        }
    }

    // ---- loaded queue gauges (Temporal's updateTaskQueuePartitionGauge) --------------------------------------

    /** Registers a loaded queue in loaded_task_queue_*_count; returns the gauge ids to leave at unload. */
    private List<Meter.Id> addLoaded(String namespace, TaskQueueKey key, TaskQueueKind kind, Object queue) {
        String type = taskType(key.type());
        ToDoubleFunction<Object> one = q -> 1;
        List<Meter.Id> ids = new ArrayList<>(3);
        ids.add(addGaugeSource(LOADED_TASK_QUEUE_PARTITION_COUNT, Tags.of("namespace", namespace, "task_type", type,
                "taskqueue", "__omitted__", "partition", sticky(kind) ? "__sticky__" : "__normal__"), queue, one, false));
        if (!sticky(kind)) { // a sticky queue is a partition of its normal queue, never a root
            ids.add(addGaugeSource(LOADED_TASK_QUEUE_COUNT, Tags.of("namespace", namespace, "task_type", type),
                    queue, one, false));
            if (key.type() == TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW) {
                ids.add(addGaugeSource(LOADED_TASK_QUEUE_FAMILY_COUNT, Tags.of("namespace", namespace), queue, one,
                        false));
            }
        }
        return ids;
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
        private final List<Meter.Id> gaugeIds = new ArrayList<>();
        private boolean opened;
        private boolean closed;

        private Queue(TaskQueueKey key, TaskQueueKind kind, String namespace, String queueName) {
            this.key = key;
            this.kind = kind;
            this.namespace = namespace;
            Tags queue = Tags.of("namespace", namespace, "taskqueue", queueName, "task_type", taskType(key.type()),
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
            syncMatchLatency = registry.timer(SYNCMATCH_LATENCY, queue.and("operation",
                    byType(key.type(), "AddWorkflowTask", "AddActivityTask", "DispatchNexusTask")));
            asyncMatchLatency = registry.timer(ASYNCMATCH_LATENCY, queue.and("operation",
                    byType(key.type(), "PollWorkflowTaskQueue", "PollActivityTaskQueue", "PollNexusTaskQueue")));
            // Temporal records this in history's Record*TaskStarted, from the task's schedule to its start
            scheduleToStart = registry.timer(TASK_SCHEDULE_TO_START_LATENCY, Tags.of("namespace", namespace,
                    "taskqueue", queueName, "task_type", taskType(key.type()),
                    "partition", sticky(kind) ? "__sticky__" : "__normal__",
                    "operation", byType(key.type(), "RecordWorkflowTaskStarted", "RecordActivityTaskStarted",
                            "DispatchNexusTask")));
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
            gaugeIds.add(addGaugeSource(APPROXIMATE_BACKLOG_COUNT, tags, backlog,
                    BacklogSource::approximateBacklogCount, false));
            gaugeIds.add(addGaugeSource(APPROXIMATE_BACKLOG_AGE_SECONDS, tags, backlog,
                    BacklogSource::approximateBacklogAgeSeconds, true));
            gaugeIds.addAll(addLoaded(namespace, key, kind, backlog));
        }

        /** The queue unloaded: its gauges go, so unloaded queues do not linger. Idempotent. */
        synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            gaugeIds.forEach(id -> removeGaugeSource(id, source));
            gaugeIds.clear();
        }
    }
}
