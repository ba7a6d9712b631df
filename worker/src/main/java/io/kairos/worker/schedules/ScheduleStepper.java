package io.kairos.worker.schedules;

import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkerBucket;
import io.kairos.persistence.schedule.ScheduleStore;
import io.kairos.persistence.schedule.ScheduleStore.ScheduleRow;
import io.kairos.proto.persistence.v1.ScheduleRecord;
import io.kairos.worker.WorkerMetrics;
import io.kairos.worker.schedules.spec.CompiledSpec;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.schedule.v1.ScheduleActionResult;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one step of one schedule: read it, let {@link ScheduleMachine} decide and act, commit with a compare-and-swap,
 * then write its visibility row. When an API call changed the schedule meanwhile the step runs again on the new
 * version; starts it already made are remembered by request id and recorded even if the new version would not have
 * made them (a pause that raced the start), because the workflows exist.
 */
final class ScheduleStepper {
    private static final Logger log = LoggerFactory.getLogger(ScheduleStepper.class);
    private static final int ATTEMPTS = 5;

    /** What the scheduler must do next for this schedule; {@code gone} when it no longer exists. */
    record StepResult(boolean gone, int bucket, Instant nextWakeup, WorkflowExecution watch) {
        static final StepResult GONE = new StepResult(true, -1, null, null);
    }

    private final ScheduleStore store;
    private final ScheduleVisibility visibility;
    private final ScheduleEffects.Factory effects;
    private final Clock clock;
    private final WorkerMetrics metrics;

    ScheduleStepper(ScheduleStore store, ScheduleVisibility visibility, ScheduleEffects.Factory effects, Clock clock,
                    WorkerMetrics metrics) {
        this.store = store;
        this.visibility = visibility;
        this.effects = effects;
        this.clock = clock;
        this.metrics = metrics;
    }

    ScheduleEffects effects(NamespaceId ns, String namespace) {
        return effects.forNamespace(ns, namespace);
    }

    StepResult step(NamespaceId ns, String scheduleId) {
        return step(ns, scheduleId, false);
    }

    /** @param refresh re-read the status of the started workflows first (a watched one closed) */
    StepResult step(NamespaceId ns, String scheduleId, boolean refresh) {
        Map<String, Made> made = new LinkedHashMap<>();
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Optional<ScheduleRow> read = store.get(ns, scheduleId);
            if (read.isEmpty()) {
                return StepResult.GONE;
            }
            ScheduleRow row = read.get();
            ScheduleKey key = new ScheduleKey(ns, scheduleId, row.generation());
            CompiledSpec spec = ScheduleViews.compiled(row.record().getSchedule().getSpec());
            ScheduleRecord.Builder b = row.record().toBuilder();
            if (refresh) {
                b.setNeedRefresh(true);
            }
            Remembering fx = new Remembering(effects(ns, b.getNamespace()), made, metrics, b.getNamespace());
            ScheduleMachine machine = new ScheduleMachine(b, spec, key, clock.instant(), fx);
            ScheduleMachine.Result res = machine.step();
            recordOrphans(b, made, fx);
            if (res.expired()) {
                if (store.deleteAt(ns, scheduleId, row.version())) {
                    log.info("component=worker schedule={} msg=\"schedule deleted after its retention: nothing left to do\"",
                            scheduleId);
                    visibility.delete(row);
                    return StepResult.GONE;
                }
                continue;
            }
            ScheduleRow next = row.withRecord(b.build(), res.nextWakeup(), res.watch() != null);
            if (store.update(next)) {
                count(b.getNamespace(), machine.events());
                visibility.write(next.withVersion(row.version() + 1), spec);
                return new StepResult(false, row.bucket(), res.nextWakeup(), res.watch());
            }
            log.debug("component=worker schedule={} msg=\"schedule changed during its step; stepping again\"", scheduleId);
        }
        // Changed under us five times in a row: leave it due, the next poll steps it again.
        return new StepResult(false, WorkerBucket.of(ns.toString(), scheduleId), clock.instant().plusSeconds(1), null);
    }

    private void count(String namespace, ScheduleMachine.Events e) {
        metrics.scheduleMissedCatchupWindow(namespace, WorkerMetrics.MissedReason.NOT_BUFFERED, e.missedNotBuffered);
        metrics.scheduleMissedCatchupWindow(namespace, WorkerMetrics.MissedReason.BUFFER_EXPIRED, e.missedBufferExpired);
        metrics.scheduleBufferOverruns(namespace, e.bufferOverruns);
        e.overlapSkipped.forEach((policy, n) -> metrics.scheduleOverlapSkipped(namespace, policy.name(), n));
    }

    /** A start this step made: the request and what history answered. */
    private record Made(StartWorkflowExecutionRequest request, ScheduleEffects.Started started) {
    }

    /**
     * Effects that answer a start made by an earlier attempt of the same step from memory. Every call it passes on
     * reaches history, so the calls are counted here (Temporal's schedule_action_* and *_workflow_errors).
     */
    private static final class Remembering implements ScheduleEffects {
        private final ScheduleEffects inner;
        private final Map<String, Made> made;
        private final WorkerMetrics metrics;
        private final String namespace;
        final java.util.Set<String> asked = new java.util.HashSet<>();

        Remembering(ScheduleEffects inner, Map<String, Made> made, WorkerMetrics metrics, String namespace) {
            this.inner = inner;
            this.made = made;
            this.metrics = metrics;
            this.namespace = namespace;
        }

        @Override
        public StartOutcome start(StartWorkflowExecutionRequest request) {
            asked.add(request.getRequestId());
            Made m = made.get(request.getRequestId());
            if (m != null) {
                return m.started();
            }
            StartOutcome o = inner.start(request);
            switch (o) {
                case Started s -> {
                    made.put(request.getRequestId(), new Made(request, s));
                    metrics.scheduleActionSuccess(namespace);
                }
                case Rejected x when x.alreadyStarted() -> {
                    // As Temporal: a taken workflow id is the schedule's configuration, not an error of the scheduler.
                }
                default -> metrics.scheduleActionError(namespace);
            }
            return o;
        }

        @Override
        public Outcome check(WorkflowExecution execution) {
            return inner.check(execution);
        }

        @Override
        public boolean cancel(WorkflowExecution execution, String requestId, String identity) {
            boolean ok = inner.cancel(execution, requestId, identity);
            if (!ok) {
                metrics.scheduleCancelWorkflowError(namespace);
            }
            return ok;
        }

        @Override
        public boolean terminate(WorkflowExecution execution, String identity) {
            boolean ok = inner.terminate(execution, identity);
            if (!ok) {
                metrics.scheduleTerminateWorkflowError(namespace);
            }
            return ok;
        }

        @Override
        public Outcome awaitClose(WorkflowExecution execution, java.time.Duration wait) {
            return inner.awaitClose(execution, wait);
        }
    }

    /** Starts an earlier attempt made that this attempt did not: they happened, so they are counted and watched. */
    private static void recordOrphans(ScheduleRecord.Builder b, Map<String, Made> made, Remembering fx) {
        for (var e : made.entrySet()) {
            if (fx.asked.contains(e.getKey())) {
                continue;
            }
            StartWorkflowExecutionRequest req = e.getValue().request();
            WorkflowExecution ex = WorkflowExecution.newBuilder().setWorkflowId(req.getWorkflowId())
                    .setRunId(e.getValue().started().runId()).build();
            var info = b.getInfo().toBuilder().setActionCount(b.getInfo().getActionCount() + 1)
                    .addRecentActions(ScheduleActionResult.newBuilder()
                            .setScheduleTime(Times.proto(e.getValue().started().realStartTime()))
                            .setActualTime(Times.proto(e.getValue().started().realStartTime()))
                            .setStartWorkflowResult(ex)
                            .setStartWorkflowStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING))
                    .addRunningWorkflows(ex);
            while (info.getRecentActionsCount() > ScheduleMachine.RECENT_ACTIONS) {
                info.removeRecentActions(0);
            }
            b.setInfo(info);
            for (int i = 0; i < b.getBufferedStartsCount(); i++) {
                if (b.getBufferedStarts(i).getRequestId().equals(e.getKey())) {
                    b.removeBufferedStarts(i);
                    break;
                }
            }
        }
    }
}
