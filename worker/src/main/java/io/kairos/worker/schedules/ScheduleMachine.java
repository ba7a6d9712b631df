package io.kairos.worker.schedules;

import com.google.protobuf.ByteString;
import io.kairos.proto.persistence.v1.BufferedStart;
import io.kairos.proto.persistence.v1.OngoingBackfill;
import io.kairos.proto.persistence.v1.ScheduleRecord;
import io.kairos.worker.schedules.spec.CompiledSpec;
import io.kairos.worker.schedules.spec.NextTime;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.SearchAttributes;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.schedule.v1.ScheduleActionResult;
import io.temporal.api.schedule.v1.ScheduleInfo;
import io.temporal.api.workflow.v1.NewWorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One step of a schedule (one iteration of Temporal's scheduler loop): take the times that came due since the last
 * step (skipping those past the catchup window), feed backfills, apply the overlap policy to what is buffered, start,
 * cancel or terminate workflows, and say when to look again. The record is changed in place; the caller commits it
 * with a compare-and-swap. A step repeated after a crash sends the same request ids, so history starts nothing twice.
 */
final class ScheduleMachine {
    private static final Logger log = LoggerFactory.getLogger(ScheduleMachine.class);

    static final int MAX_BUFFER = 1000;
    static final int BACKFILLS_PER_STEP = 10;
    static final int RECENT_ACTIONS = 10;
    static final Duration RETENTION = Duration.ofDays(7);
    static final Duration MANUAL_START_DEADLINE = Duration.ofSeconds(60);
    static final Duration MAX_START_DEADLINE = Duration.ofHours(1);
    private static final Duration BACKFILL_STEP = Duration.ofSeconds(1);

    /** What the step decided beyond the record itself. */
    record Result(Instant nextWakeup, WorkflowExecution watch, boolean expired) {
    }

    /**
     * What the step dropped, for the metrics: counted by the caller only once the step is committed, since a step
     * raced by an API call is thrown away and run again.
     */
    static final class Events {
        long missedNotBuffered;
        long missedBufferExpired;
        long bufferOverruns;
        final Map<ScheduleOverlapPolicy, Long> overlapSkipped = new EnumMap<>(ScheduleOverlapPolicy.class);
    }

    private final ScheduleRecord.Builder r;
    private final CompiledSpec spec;
    private final ScheduleKey key;
    private final Instant now;
    private final ScheduleEffects fx;
    private final Events events = new Events();
    private Instant retryAt;

    /** @param spec the compiled spec, or null when it no longer compiles (a time zone removed from the JDK's data) */
    ScheduleMachine(ScheduleRecord.Builder record, CompiledSpec spec, ScheduleKey key, Instant now, ScheduleEffects fx) {
        this.r = record;
        this.spec = spec;
        this.key = key;
        this.now = now;
        this.fx = fx;
    }

    Events events() {
        return events;
    }

    Result step() {
        Instant t1 = Times.instant(r.getLastProcessedTime());
        Instant t2 = now.isBefore(t1) ? t1 : now; // the clock went back (another worker's): nothing is redone
        Range range = processTimeRange(t1, t2, ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, false, null, "s");
        r.setLastProcessedTime(Times.proto(range.lastAction()));
        processBackfills();
        for (int i = 0; i < MAX_BUFFER && processBuffer(); i++) {
            // drain what can start now
        }
        Instant expiry = retentionExpiry(range.next());
        if (expiry != null && !expiry.isAfter(now)) {
            return new Result(null, null, true);
        }
        Instant wake;
        if (hasMoreAllowAllBackfills()) {
            wake = now.plus(BACKFILL_STEP);
        } else if (!canTakeScheduledAction(false, false)) {
            wake = null; // paused or out of actions: nothing until a change
        } else {
            wake = range.next();
        }
        if (expiry != null) {
            wake = expiry;
        }
        if (r.getOngoingBackfillsCount() > 0 && r.getBufferedStartsCount() < MAX_BUFFER / 2) {
            wake = Times.min(wake, now.plus(BACKFILL_STEP));
        }
        wake = Times.min(wake, retryAt);
        WorkflowExecution watch = r.getBufferedStartsCount() > 0 && r.getInfo().getRunningWorkflowsCount() > 0
                ? r.getInfo().getRunningWorkflows(0) : null;
        return new Result(wake, watch, false);
    }

    private record Range(Instant next, Instant lastAction) {
    }

    /**
     * Buffers the times in (start, end]. Returns the first time after the range (or the last taken when the limit
     * stopped it) and the last time taken (start when none).
     */
    private Range processTimeRange(Instant start, Instant end, ScheduleOverlapPolicy policy, boolean manual, int[] limit,
                                   String requestKind) {
        if (spec == null) {
            return new Range(null, end);
        }
        if (!canTakeScheduledAction(manual, false)) {
            // Paused or out of actions: the whole range passes without buffering or counting anything.
            return new Range(next(end).map(NextTime::actual).orElse(null), end);
        }
        Duration catchup = ScheduleViews.catchupWindow(r.getSchedule().getPolicies());
        Instant updated = r.getInfo().hasUpdateTime() ? Times.instant(r.getInfo().getUpdateTime()) : null;
        Instant lastAction = start;
        Optional<NextTime> next = next(start);
        while (next.isPresent() && !next.get().actual().isAfter(end)) {
            NextTime n = next.get();
            if (!manual && updated != null && updated.isAfter(n.actual())) {
                next = next(n.actual()); // due before the last update: the update replaced it
                continue;
            }
            if (!manual && Duration.between(n.actual(), end).compareTo(catchup) > 0) {
                r.setInfo(r.getInfo().toBuilder().setMissedCatchupWindow(r.getInfo().getMissedCatchupWindow() + 1));
                events.missedNotBuffered++;
                next = next(n.actual());
                continue;
            }
            addStart(n.nominal(), n.actual(), policy, manual,
                    key.requestId(requestKind, Long.toString(n.nominal().toEpochMilli())));
            lastAction = n.actual();
            if (limit != null && --limit[0] <= 0) {
                return new Range(n.actual(), lastAction);
            }
            next = next(n.actual());
        }
        return new Range(next.map(NextTime::actual).orElse(null), lastAction);
    }

    private Optional<NextTime> next(Instant after) {
        return spec.next(after, key.jitterSeed());
    }

    private void processBackfills() {
        int[] limit = {BACKFILLS_PER_STEP};
        while (r.getOngoingBackfillsCount() > 0 && limit[0] > 0 && r.getBufferedStartsCount() < MAX_BUFFER / 2) {
            OngoingBackfill b = r.getOngoingBackfills(0);
            Instant end = Times.instant(b.getEndTime());
            Range range = processTimeRange(Times.instant(b.getStartTime()), end, b.getOverlapPolicy(), true, limit,
                    "b:" + b.getId());
            if (range.next() == null || range.next().isAfter(end)) {
                r.removeOngoingBackfills(0);
            } else {
                r.setOngoingBackfills(0, b.toBuilder().setStartTime(Times.proto(range.next())));
            }
        }
    }

    private boolean hasMoreAllowAllBackfills() {
        return r.getOngoingBackfillsCount() > 0
                && resolve(r.getOngoingBackfills(0).getOverlapPolicy()) == ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL;
    }

    private void addStart(Instant nominal, Instant actual, ScheduleOverlapPolicy policy, boolean manual, String requestId) {
        if (r.getBufferedStartsCount() >= MAX_BUFFER) {
            log.warn("component=worker schedule={} msg=\"schedule buffer full; start dropped\" nominal_time={}",
                    key.scheduleId(), nominal);
            r.setInfo(r.getInfo().toBuilder().setBufferDropped(r.getInfo().getBufferDropped() + 1));
            events.bufferOverruns++;
            return;
        }
        r.addBufferedStarts(BufferedStart.newBuilder().setNominalTime(Times.proto(nominal))
                .setActualTime(Times.proto(actual)).setOverlapPolicy(policy).setManual(manual).setRequestId(requestId));
        r.setNeedRefresh(true);
    }

    /** Returns true when there may be more to start right now (Temporal's ProcessBuffer). */
    private boolean processBuffer() {
        if (r.getNeedRefresh()) {
            refresh();
            r.setNeedRefresh(false);
        }
        NewWorkflowExecutionInfo action = r.getSchedule().getAction().hasStartWorkflow()
                ? r.getSchedule().getAction().getStartWorkflow() : null;
        if (action == null || r.getBufferedStartsCount() == 0) {
            r.clearBufferedStarts();
            return false;
        }
        boolean running = r.getInfo().getRunningWorkflowsCount() > 0;
        OverlapBuffer.Decision d = OverlapBuffer.decide(List.copyOf(r.getBufferedStartsList()), running, this::resolve);
        r.clearBufferedStarts().addAllBufferedStarts(d.remaining());
        if (d.skipped() > 0) {
            r.setInfo(r.getInfo().toBuilder().setOverlapSkipped(r.getInfo().getOverlapSkipped() + d.skipped()));
            d.skippedByPolicy().forEach((p, n) -> events.overlapSkipped.merge(p, n, Long::sum));
        }
        List<BufferedStart> starts = new ArrayList<>(d.overlapping());
        if (d.nonOverlapping() != null) {
            starts.add(d.nonOverlapping());
        }
        boolean again = false;
        List<BufferedStart> retries = new ArrayList<>();
        for (BufferedStart start : starts) {
            if (!canTakeScheduledAction(start.getManual(), false)) {
                again = true; // paused or out of actions meanwhile: the start is dropped
                continue;
            }
            ScheduleEffects.StartOutcome outcome = fx.start(startRequest(start, action));
            switch (outcome) {
                case ScheduleEffects.Started s -> {
                    canTakeScheduledAction(start.getManual(), true);
                    recordAction(start, s, start == d.nonOverlapping());
                }
                case ScheduleEffects.Retry x -> {
                    Instant deadline = startDeadline(start);
                    if (now.isAfter(deadline)) {
                        log.warn("component=worker schedule={} msg=\"start given up after its deadline\" error=\"{}\"",
                                key.scheduleId(), x.message());
                        if (!start.getManual()) {
                            events.missedBufferExpired++; // buffered in time, but history let its window pass
                        }
                        again = true;
                    } else {
                        retries.add(start.toBuilder().setAttempts(start.getAttempts() + 1).build());
                        long backoff = Math.min(60_000L, 1000L << Math.min(6, start.getAttempts()));
                        retryAt = Times.min(retryAt, now.plusMillis(backoff));
                    }
                }
                case ScheduleEffects.Rejected x -> {
                    log.warn("component=worker schedule={} msg=\"start rejected\" error=\"{}\"", key.scheduleId(), x.message());
                    canTakeScheduledAction(start.getManual(), true);
                    again = true;
                }
            }
        }
        if (!retries.isEmpty()) {
            List<BufferedStart> rest = List.copyOf(r.getBufferedStartsList());
            r.clearBufferedStarts().addAllBufferedStarts(retries).addAllBufferedStarts(rest);
            return false; // history is not answering: the retry timer brings us back
        }
        String identity = ScheduleKey.identity(r.getNamespace(), key.scheduleId());
        if (d.terminateRunning()) {
            boolean terminated = true;
            for (WorkflowExecution ex : r.getInfo().getRunningWorkflowsList()) {
                terminated &= fx.terminate(ex, identity);
            }
            r.setNeedRefresh(true); // terminate is synchronous: the buffered start may go at once
            // Refused: the next step (or the watch) tries again, rather than this loop asking history a thousand times.
            again = again || terminated;
        } else if (d.cancelRunning()) {
            r.getInfo().getRunningWorkflowsList().forEach(ex -> fx.cancel(ex, key.requestId("cancel", ex.getRunId()), identity));
        }
        return again;
    }

    /** The latest a start may still happen: its catchup window (at most an hour), or 60 s for manual starts. */
    private Instant startDeadline(BufferedStart start) {
        Instant actual = Times.instant(start.getActualTime());
        if (start.getManual()) {
            return actual.plus(MANUAL_START_DEADLINE);
        }
        Duration window = ScheduleViews.catchupWindow(r.getSchedule().getPolicies());
        return actual.plus(window.compareTo(MAX_START_DEADLINE) > 0 ? MAX_START_DEADLINE : window);
    }

    private void recordAction(BufferedStart start, ScheduleEffects.Started s, boolean nonOverlapping) {
        WorkflowExecution ex = WorkflowExecution.newBuilder().setWorkflowId(workflowId(start, action()))
                .setRunId(s.runId()).build();
        ScheduleInfo.Builder info = r.getInfo().toBuilder().setActionCount(r.getInfo().getActionCount() + 1);
        info.addRecentActions(ScheduleActionResult.newBuilder().setScheduleTime(start.getActualTime())
                .setActualTime(Times.proto(s.realStartTime())).setStartWorkflowResult(ex)
                .setStartWorkflowStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING));
        while (info.getRecentActionsCount() > RECENT_ACTIONS) {
            info.removeRecentActions(0);
        }
        if (nonOverlapping) {
            // ALLOW_ALL runs are not tracked: they never hold another start back.
            info.addRunningWorkflows(ex);
        }
        r.setInfo(info);
    }

    /** Asks history about every running workflow and records those that closed. */
    private void refresh() {
        for (WorkflowExecution ex : List.copyOf(r.getInfo().getRunningWorkflowsList())) {
            ScheduleEffects.Outcome o = fx.check(ex);
            if (!o.running()) {
                recordClosed(ex, o);
            }
        }
    }

    /** A started workflow closed: Temporal's processWatcherResult. */
    void recordClosed(WorkflowExecution ex, ScheduleEffects.Outcome o) {
        ScheduleInfo.Builder info = r.getInfo().toBuilder();
        for (int i = 0; i < info.getRunningWorkflowsCount(); i++) {
            if (info.getRunningWorkflows(i).getWorkflowId().equals(ex.getWorkflowId())) {
                info.removeRunningWorkflows(i);
                break;
            }
        }
        for (int i = 0; i < info.getRecentActionsCount(); i++) {
            ScheduleActionResult a = info.getRecentActions(i);
            if (a.getStartWorkflowResult().getWorkflowId().equals(ex.getWorkflowId())) {
                info.setRecentActions(i, a.toBuilder().setStartWorkflowStatus(o.status()));
            }
        }
        r.setInfo(info);
        boolean failed = o.status() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED
                || o.status() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
        var state = r.getSchedule().getState();
        if (r.getSchedule().getPolicies().getPauseOnFailure() && failed && !state.getPaused()) {
            String notes = o.status() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED
                    ? "paused due to workflow failure: " + ex.getWorkflowId() + ": "
                    + (o.failure() == null ? "" : o.failure().getMessage())
                    : "paused due to workflow timeout: " + ex.getWorkflowId();
            r.setSchedule(r.getSchedule().toBuilder().setState(state.toBuilder().setPaused(true).setNotes(notes)));
            r.setConflictToken(r.getConflictToken() + 1);
        }
        if (o.status() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
            r.setLastCompletionResult(o.result() == null ? io.temporal.api.common.v1.Payloads.getDefaultInstance() : o.result());
            r.clearContinuedFailure();
        } else if (o.failure() != null) {
            r.setContinuedFailure(o.failure()); // the last completion result stays
        }
    }

    private NewWorkflowExecutionInfo action() {
        return r.getSchedule().getAction().getStartWorkflow();
    }

    private String workflowId(BufferedStart start, NewWorkflowExecutionInfo action) {
        if (r.getSchedule().getPolicies().getKeepOriginalWorkflowId()) {
            return action.getWorkflowId();
        }
        Instant nominal = Times.instant(start.getNominalTime()).truncatedTo(ChronoUnit.SECONDS);
        return action.getWorkflowId() + "-" + DateTimeFormatter.ISO_INSTANT.format(nominal);
    }

    private StartWorkflowExecutionRequest startRequest(BufferedStart start, NewWorkflowExecutionInfo action) {
        Instant nominal = Times.instant(start.getNominalTime()).truncatedTo(ChronoUnit.SECONDS);
        // Scheduled starts reject a duplicate id (a repeated step must not start a second run); manual ones may reuse it.
        boolean reuse = start.getManual() || r.getSchedule().getPolicies().getKeepOriginalWorkflowId();
        SearchAttributes.Builder sa = action.getSearchAttributes().toBuilder()
                .putIndexedFields("TemporalScheduledStartTime", json("\"" + DateTimeFormatter.ISO_INSTANT.format(nominal) + "\""))
                .putIndexedFields("TemporalScheduledById", json(ScheduleViews.jsonString(key.scheduleId())));
        StartWorkflowExecutionRequest.Builder b = StartWorkflowExecutionRequest.newBuilder()
                .setNamespace(r.getNamespace())
                .setWorkflowId(workflowId(start, action))
                .setWorkflowType(action.getWorkflowType())
                .setTaskQueue(action.getTaskQueue())
                .setInput(action.getInput())
                .setWorkflowExecutionTimeout(action.getWorkflowExecutionTimeout())
                .setWorkflowRunTimeout(action.getWorkflowRunTimeout())
                .setWorkflowTaskTimeout(action.getWorkflowTaskTimeout())
                .setIdentity(ScheduleKey.identity(r.getNamespace(), key.scheduleId()))
                .setRequestId(start.getRequestId())
                .setWorkflowIdReusePolicy(reuse ? WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
                        : WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                .setMemo(action.getMemo())
                .setSearchAttributes(sa)
                .setHeader(action.getHeader())
                .setUserMetadata(action.getUserMetadata())
                .setPriority(action.getPriority());
        if (action.hasRetryPolicy()) {
            b.setRetryPolicy(action.getRetryPolicy());
        }
        // ALLOW_ALL runs overlap each other, so none of them inherits another's result.
        if (resolve(start.getOverlapPolicy()) != ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL) {
            if (r.hasLastCompletionResult()) {
                b.setLastCompletionResult(r.getLastCompletionResult());
            }
            if (r.hasContinuedFailure()) {
                b.setContinuedFailure(r.getContinuedFailure());
            }
        }
        return b.build();
    }

    private static Payload json(String text) {
        return Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                .setData(ByteString.copyFrom(text, StandardCharsets.UTF_8)).build();
    }

    /** Temporal's canTakeScheduledAction: manual starts always may; otherwise not paused and actions left. */
    private boolean canTakeScheduledAction(boolean manual, boolean decrement) {
        if (manual) {
            return true;
        }
        var state = r.getSchedule().getState();
        if (state.getPaused()) {
            return false;
        }
        if (!state.getLimitedActions()) {
            return true;
        }
        if (state.getRemainingActions() > 0) {
            if (decrement) {
                r.setSchedule(r.getSchedule().toBuilder().setState(state.toBuilder()
                        .setRemainingActions(state.getRemainingActions() - 1)));
                r.setConflictToken(r.getConflictToken() + 1);
            }
            return true;
        }
        return false;
    }

    private ScheduleOverlapPolicy resolve(ScheduleOverlapPolicy p) {
        return ScheduleViews.resolve(p, r.getSchedule().getPolicies());
    }

    /**
     * A schedule with nothing left to do (not paused, no more times or actions, no allow-all backfills) is deleted
     * seven days after its last event, as Temporal's scheduler ends its workflow.
     */
    private Instant retentionExpiry(Instant next) {
        if (r.getSchedule().getState().getPaused() || (next != null && canTakeScheduledAction(false, false))
                || hasMoreAllowAllBackfills() || r.getBufferedStartsCount() > 0 || r.getOngoingBackfillsCount() > 0) {
            return null;
        }
        return ScheduleViews.lastEvent(r).plus(RETENTION);
    }
}
