package io.kairos.worker;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The worker service's metrics, named and tagged as Temporal's system workers emit them (common/metrics/metric_defs.go):
 * the scheduler's {@code schedule_*} counters, the batcher's {@code batcher_*} counters and the task queue scavenger's
 * {@code task_deleted} / {@code taskqueue_deleted} gauges. {@code namespace} is the namespace name. Schedules are not
 * tagged by schedule id, as in Temporal (cardinality). {@code service_name} comes from the registry.
 */
public final class WorkerMetrics {
    static final String UNKNOWN = "_unknown_";
    /** Temporal's ScheduleActionTypeTag value: the only action a schedule has. */
    private static final Tags START_WORKFLOW = Tags.of("schedule_action", "start_workflow");
    /** Temporal's BatcherScope: the batcher's metrics carry operation=Batcher. */
    private static final Tags BATCHER = Tags.of("operation", "Batcher");
    private static final Tags TASK_QUEUE_SCAVENGER = Tags.of("operation", "TaskQueueScavenger");

    /** Temporal's ScheduleMissedReasonTag values. */
    public enum MissedReason {
        /** Already past the catchup window when the scheduler woke: never buffered. */
        NOT_BUFFERED("not_buffered"),
        /** Buffered, but could not be started before its deadline. */
        BUFFER_EXPIRED("buffer_expired");

        final String tag;

        MissedReason(String tag) {
            this.tag = tag;
        }
    }

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    private static String ns(String namespace) {
        return namespace == null || namespace.isEmpty() ? UNKNOWN : namespace;
    }

    private void count(String name, Tags tags, String namespace, long n) {
        if (n > 0) {
            registry.counter(name, tags.and("namespace", ns(namespace))).increment(n);
        }
    }

    // Schedules: Temporal's service/worker/scheduler.

    /** A StartWorkflow issued by a schedule succeeded. */
    public void scheduleActionSuccess(String namespace) {
        count("schedule_action_success", START_WORKFLOW, namespace, 1);
    }

    /** A StartWorkflow issued by a schedule failed (an "already started" is the user's doing and not counted). */
    public void scheduleActionError(String namespace) {
        count("schedule_action_errors", START_WORKFLOW, namespace, 1);
    }

    public void scheduleMissedCatchupWindow(String namespace, MissedReason reason, long n) {
        count("schedule_missed_catchup_window", Tags.of("reason", reason.tag), namespace, n);
    }

    /** Starts dropped because the schedule's buffer was full. */
    public void scheduleBufferOverruns(String namespace, long n) {
        count("schedule_buffer_overruns", Tags.empty(), namespace, n);
    }

    /** Starts dropped by the overlap policy ({@code SCHEDULE_OVERLAP_POLICY_SKIP} or _BUFFER_ONE), by policy name. */
    public void scheduleOverlapSkipped(String namespace, String overlapPolicy, long n) {
        count("schedule_overlap_skipped", Tags.of("schedule_overlap_policy", overlapPolicy), namespace, n);
    }

    public void scheduleCancelWorkflowError(String namespace) {
        count("schedule_cancel_workflow_errors", Tags.empty(), namespace, 1);
    }

    public void scheduleTerminateWorkflowError(String namespace) {
        count("schedule_terminate_workflow_errors", Tags.empty(), namespace, 1);
    }

    // Batch operations: Temporal's service/worker/batcher.

    /** One workflow a batch job acted on successfully. */
    public void batcherProcessorRequest(String namespace) {
        count("batcher_processor_requests", BATCHER, namespace, 1);
    }

    /** One failed attempt on one workflow (as Temporal, every failed attempt counts, retried or not). */
    public void batcherProcessorError(String namespace) {
        count("batcher_processor_errors", BATCHER, namespace, 1);
    }

    /** The job itself could not go on: its targets could not be read. */
    public void batcherOperationError(String namespace) {
        count("batcher_operation_errors", BATCHER, namespace, 1);
    }

    // Scavengers: Temporal's task queue scavenger reports its last run's totals as gauges.

    public void taskQueueScavengerRun(long tasksDeleted, long taskQueuesDeleted) {
        gauge("task_deleted", TASK_QUEUE_SCAVENGER).set(tasksDeleted);
        gauge("taskqueue_deleted", TASK_QUEUE_SCAVENGER).set(taskQueuesDeleted);
    }

    /** Membership rows of processes long gone, deleted by the membership reaper (Temporal has no such job). */
    public void membershipRowsDeleted(long n) {
        if (n > 0) {
            registry.counter("membership_reaper_deleted", Tags.of("operation", "MembershipReaper")).increment(n);
        }
    }

    private AtomicLong gauge(String name, Tags tags) {
        return gauges.computeIfAbsent(name, k -> {
            AtomicLong v = new AtomicLong();
            Gauge.builder(name, v, AtomicLong::get).tags(tags).register(registry);
            return v;
        });
    }
}
