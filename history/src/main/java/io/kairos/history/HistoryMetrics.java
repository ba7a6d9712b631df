package io.kairos.history;

import io.kairos.common.ids.NamespaceId;
import io.kairos.common.metrics.MetricNames;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.temporal.api.command.v1.Command;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.history.v1.HistoryEvent;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The history service's own meters, named and tagged as Temporal's history service names them (see Temporal's
 * common/metrics/metric_defs.go) so its stock dashboards work. Every emission in history goes through here.
 */
public final class HistoryMetrics {
    /** Meters that go nowhere: for tests and embedded use without a registry. */
    public static final HistoryMetrics NOOP = new HistoryMetrics(null, null);

    static final String UNKNOWN = "_unknown_";
    // Temporal's tag names.
    static final String OPERATION = "operation";
    static final String NAMESPACE = "namespace";
    static final String TASK_TYPE = "task_type";

    private final MeterRegistry registry;
    private final Function<NamespaceId, String> names;
    /** Meter lookups by tag set are not free; the hot paths reuse them. */
    private final Map<Key, Counter> counters = new ConcurrentHashMap<>();
    private final Map<Key, Timer> timers = new ConcurrentHashMap<>();
    private final Map<Key, DistributionSummary> summaries = new ConcurrentHashMap<>();

    private record Key(String name, Tags tags) {
    }

    /**
     * @param registry the history service's registry (null: nothing is recorded)
     * @param names    namespace id to name; null, or one that throws or returns the id, yields "_unknown_"
     */
    public HistoryMetrics(MeterRegistry registry, Function<NamespaceId, String> names) {
        this.registry = registry == null ? new CompositeMeterRegistry() : registry;
        this.names = names;
    }

    /** The namespace tag value of an id: its name, else "_unknown_". */
    public String namespace(NamespaceId id) {
        if (names == null || id == null) {
            return UNKNOWN;
        }
        try {
            String name = names.apply(id);
            return name == null || name.isEmpty() || name.equals(id.toString()) ? UNKNOWN : name;
        } catch (RuntimeException e) {
            return UNKNOWN;
        }
    }

    public String namespace(String namespaceId) {
        try {
            return namespace(NamespaceId.parse(namespaceId));
        } catch (RuntimeException e) {
            return UNKNOWN;
        }
    }

    private Counter counter(String name, Tags tags) {
        return counters.computeIfAbsent(new Key(name, tags), k -> registry.counter(k.name, k.tags));
    }

    private Timer timer(String name, Tags tags) {
        return timers.computeIfAbsent(new Key(name, tags), k -> registry.timer(k.name, k.tags));
    }

    private DistributionSummary summary(String name, Tags tags) {
        return summaries.computeIfAbsent(new Key(name, tags), k -> registry.summary(k.name, k.tags));
    }

    // ---- History tasks (Temporal's queues/executable.go) ----

    /** Temporal's task type name of a transfer or timer task; operation and task_type tag values. */
    public static String taskOperation(HistoryTask t) {
        return switch (t.getTaskCase()) {
            case WORKFLOW_TASK -> "TransferActiveTaskWorkflowTask";
            case ACTIVITY_TASK -> "TransferActiveTaskActivity";
            case START_CHILD -> "TransferActiveTaskStartChildExecution";
            case CLOSE_EXECUTION -> "TransferActiveTaskCloseExecution";
            case SIGNAL_EXTERNAL -> "TransferActiveTaskSignalExecution";
            case CANCEL_EXTERNAL -> "TransferActiveTaskCancelExecution";
            case UPSERT_VISIBILITY -> switch (t.getUpsertVisibility().getKind()) {
                case KIND_START -> "VisibilityTaskStartExecution";
                case KIND_CLOSE -> "VisibilityTaskCloseExecution";
                default -> "VisibilityTaskUpsertExecution";
            };
            case WORKFLOW_TASK_TIMEOUT -> "TimerActiveTaskWorkflowTaskTimeout";
            case ACTIVITY_TIMEOUT -> "TimerActiveTaskActivityTimeout";
            case USER_TIMER -> "TimerActiveTaskUserTimer";
            case WORKFLOW_RUN_TIMEOUT -> "TimerActiveTaskWorkflowRunTimeout";
            case ACTIVITY_RETRY -> "TimerActiveTaskActivityRetryTimer";
            case WORKFLOW_BACKOFF -> "TimerActiveTaskWorkflowBackoffTimer";
            case DELETE_HISTORY -> "TimerActiveTaskDeleteHistoryEvent";
            // Temporal runs Nexus operations and callbacks as state machine tasks of its outbound and timer queues.
            case NEXUS_INVOCATION, NEXUS_CANCEL, NEXUS_CALLBACK -> "OutboundActiveTaskStateMachineOutbound";
            case NEXUS_BACKOFF, NEXUS_TIMEOUT, NEXUS_CANCEL_BACKOFF, NEXUS_CALLBACK_BACKOFF -> "TimerActiveTaskStateMachineTimer";
            case ARCHIVE_EXECUTION -> "ArchivalTaskArchiveExecution";
            case TASK_NOT_SET -> UNKNOWN;
        };
    }

    /** The tags of one task's meters. */
    public Tags taskTags(HistoryTask t) {
        String op = taskOperation(t);
        return Tags.of(OPERATION, op, TASK_TYPE, op, NAMESPACE, namespace(t.getNamespaceId()));
    }

    /** One attempt ran (task_requests, task_latency_processing); failed attempts also count task_errors. */
    public void taskAttempted(Tags tags, Duration processing, boolean failed) {
        counter("task_requests", tags).increment();
        timer("task_latency_processing", tags).record(processing);
        if (failed) {
            counter("task_errors", tags).increment();
        }
    }

    /** The task needed nothing done (its workflow or target is gone): Temporal's task_errors_discarded. */
    public void taskDiscarded(Tags tags) {
        counter("task_errors_discarded", tags).increment();
    }

    /**
     * The task is done. {@code inMemory}: waiting for a worker slot plus running, over all attempts, without the
     * backoffs (Temporal's task_latency); {@code sinceVisible}: from when it became runnable to now
     * (task_latency_queue, end to end as in Temporal).
     */
    public void taskCompleted(Tags tags, int attempts, Duration inMemory, Duration sinceVisible) {
        summary("task_attempt", tags).record(attempts);
        timer("task_latency", tags).record(inMemory);
        timer("task_latency_queue", tags).record(sinceVisible.isNegative() ? Duration.ZERO : sinceVisible);
    }

    // ---- Workflow runs (Temporal's workflow/metrics.go, workflow/context.go) ----

    /**
     * A committed write's events: a close event counts the run's completion once (Temporal's
     * emitWorkflowCompletionStats, operation CompletionStats).
     */
    public void runWritten(NamespaceId ns, String workflowType, String taskQueue, java.time.Instant startTime,
                           List<HistoryEvent> events) {
        for (int i = events.size() - 1; i >= 0; i--) {
            String name = completionMeter(events.get(i).getEventType());
            if (name == null) {
                continue;
            }
            Tags tags = Tags.of(OPERATION, "CompletionStats", NAMESPACE, namespace(ns), "namespace_state", "active",
                    "workflowType", workflowType.isEmpty() ? UNKNOWN : workflowType,
                    "taskqueue", taskQueue.isEmpty() ? UNKNOWN : taskQueue);
            counter(name, tags).increment();
            var t = events.get(i).getEventTime();
            java.time.Instant closed = java.time.Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
            if (startTime != null && closed.isAfter(startTime)) {
                timer("workflow_schedule_to_close_latency", tags).record(Duration.between(startTime, closed));
            }
            return;
        }
    }

    static String completionMeter(EventType type) {
        return switch (type) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> "workflow_success";
            case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> "workflow_failed";
            case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> "workflow_timeout";
            case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> "workflow_terminate";
            case EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED -> "workflow_cancel";
            case EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW -> "workflow_continued_as_new";
            default -> null;
        };
    }

    /** A run's state was persisted: its state transition count so far, as Temporal records it on every write. */
    public void stateTransitions(NamespaceId ns, long count) {
        summary("state_transition_count", Tags.of(NAMESPACE, namespace(ns), "namespace_state", "active"))
                .record(count);
    }

    // ---- Timeouts (Temporal's timer_queue_active_task_executor.go) ----

    /** A workflow task or activity timed out; operation is the timer task's Temporal name. */
    public void timedOut(String operation, NamespaceId ns, TimeoutType type) {
        String name = switch (type) {
            case TIMEOUT_TYPE_SCHEDULE_TO_START -> "schedule_to_start_timeout";
            case TIMEOUT_TYPE_SCHEDULE_TO_CLOSE -> "schedule_to_close_timeout";
            case TIMEOUT_TYPE_START_TO_CLOSE -> "start_to_close_timeout";
            case TIMEOUT_TYPE_HEARTBEAT -> "heartbeat_timeout";
            default -> null;
        };
        if (name != null) {
            counter(name, Tags.of(OPERATION, operation, NAMESPACE, namespace(ns))).increment();
        }
    }

    // ---- RespondWorkflowTaskCompleted (Temporal's respondworkflowtaskcompleted) ----

    private static final String RESPOND_COMPLETED = "RespondWorkflowTaskCompleted";

    /** A completion was committed: its commands and whether the worker kept the workflow sticky. */
    public void workflowTaskCompleted(NamespaceId ns, List<Command> commands, boolean sticky) {
        Tags tags = Tags.of(OPERATION, RESPOND_COMPLETED, NAMESPACE, namespace(ns));
        counter(sticky ? "complete_workflow_task_sticky_enabled_count" : "complete_workflow_task_sticky_disabled_count",
                Tags.of(OPERATION, RESPOND_COMPLETED)).increment();
        if (commands.isEmpty()) {
            counter("empty_completion_commands", tags).increment();
            return;
        }
        int closing = 0;
        for (Command c : commands) {
            counter("command", tags.and("commandType", MetricNames.commandType(c.getCommandType()))).increment();
            if (closes(c.getCommandType())) {
                closing++;
            }
        }
        if (closing > 1) {
            // Temporal counts each close command that finds the run already closed.
            counter("multiple_completion_commands", tags).increment(closing - 1);
        }
    }

    /** A workflow task failed: the worker said so, or its completion had a bad command. */
    public void workflowTaskFailed(NamespaceId ns, String operation) {
        counter("failed_workflow_tasks", Tags.of(OPERATION, operation, NAMESPACE, namespace(ns))).increment();
    }

    private static boolean closes(CommandType t) {
        return switch (t) {
            case COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
                 COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION, COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION -> true;
            default -> false;
        };
    }

    // ---- Caches (Temporal's workflow/cache and events/cache) ----

    /**
     * One cache lookup: cache_requests, cache_latency and, on a miss, cache_miss. cacheType "mutablestate" or
     * "events"; operation Temporal's scope name of the lookup.
     */
    public void cacheLookup(String cacheType, String operation, boolean hit, long nanos) {
        Tags tags = Tags.of("cache_type", cacheType, OPERATION, operation);
        counter("cache_requests", tags).increment();
        timer("cache_latency", tags).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (!hit) {
            counter("cache_miss", tags).increment();
        }
    }

    /** A cache operation that is no lookup (a put, a read behind a miss): cache_requests and cache_latency. */
    public void cacheRequest(String cacheType, String operation, long nanos) {
        Tags tags = Tags.of("cache_type", cacheType, OPERATION, operation);
        counter("cache_requests", tags).increment();
        timer("cache_latency", tags).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** A value could not be obtained through the cache (e.g. the store read behind it failed). */
    public void cacheError(String cacheType, String operation) {
        counter("cache_errors", Tags.of("cache_type", cacheType, OPERATION, operation)).increment();
    }
}
