package io.kairos.worker.schedules;

import com.google.protobuf.ByteString;
import io.kairos.common.errors.FailedPreconditionException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.errors.WorkflowAlreadyStartedException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkerBucket;
import io.kairos.persistence.schedule.ScheduleStore;
import io.kairos.persistence.schedule.ScheduleStore.ScheduleRow;
import io.kairos.persistence.sql.DuplicateKeyException;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.SearchAttributeValues;
import io.kairos.persistence.visibility.VisibilityPage;
import io.kairos.persistence.visibility.VisibilityRecord;
import io.kairos.persistence.visibility.query.CompiledQuery;
import io.kairos.proto.persistence.v1.BufferedStart;
import io.kairos.proto.persistence.v1.OngoingBackfill;
import io.kairos.proto.persistence.v1.ScheduleRecord;
import io.kairos.proto.worker.v1.NamespaceRef;
import io.kairos.worker.schedules.spec.CompiledSpec;
import io.kairos.worker.schedules.spec.NextTime;
import io.kairos.worker.schedules.spec.ScheduleSpecs;
import io.temporal.api.common.v1.Memo;
import io.temporal.api.common.v1.SearchAttributes;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.schedule.v1.Schedule;
import io.temporal.api.schedule.v1.ScheduleInfo;
import io.temporal.api.schedule.v1.ScheduleListEntry;
import io.temporal.api.schedule.v1.SchedulePatch;
import io.temporal.api.workflowservice.v1.*;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Temporal's schedule RPCs, answered from the schedules table: every change is a compare-and-swap of the schedule's
 * row (read again and redone when the scheduler or another call got there first), then its visibility row, then a
 * wake of the scheduler. Reads never wait for the scheduler, so DescribeSchedule answers even while no worker runs
 * the schedule's bucket.
 */
public final class ScheduleOperations {
    /** Temporal's frontend.visibilityMaxPageSize: the page size when none or too many is asked for. */
    static final int MAX_PAGE_SIZE = 1000;
    static final int MAX_MATCHING_TIMES = 1000;
    private static final int ATTEMPTS = 10;

    private final ScheduleStore store;
    private final ScheduleVisibility visibility;
    private final PostgresVisibilityStore visibilityStore;
    private final ScheduleStepper stepper;
    private final Scheduler scheduler;
    private final Clock clock;

    ScheduleOperations(ScheduleStore store, PostgresVisibilityStore visibilityStore, ScheduleStepper stepper,
                       Scheduler scheduler, Clock clock) {
        this.store = store;
        this.visibility = new ScheduleVisibility(visibilityStore);
        this.visibilityStore = visibilityStore;
        this.stepper = stepper;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    private static NamespaceId id(NamespaceRef ns) {
        return NamespaceId.parse(ns.getId());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    public CreateScheduleResponse create(NamespaceRef nsRef, CreateScheduleRequest req) {
        NamespaceId ns = id(nsRef);
        ScheduleRequests.requireScheduleId(req.getScheduleId());
        ScheduleRequests.requireRequestId(req.getRequestId(), true);
        SearchAttributeCatalog catalog = visibility.catalog(ns);
        Schedule schedule = ScheduleRequests.canonical(req.getSchedule(), catalog);
        ScheduleRequests.requireScheduleSearchAttributes(req.getSearchAttributes(), catalog);
        io.kairos.common.validation.RequestValidation.requireBlobSize(req.getMemo());
        ScheduleRequests.requirePatch(req.getInitialPatch());
        Optional<ScheduleRow> existing = store.get(ns, req.getScheduleId());
        if (existing.isPresent()) {
            return alreadyExists(existing.get(), req);
        }
        Instant now = now();
        ScheduleRecord.Builder r = ScheduleRecord.newBuilder()
                .setNamespace(nsRef.getName())
                .setSchedule(schedule)
                .setInfo(ScheduleInfo.newBuilder().setCreateTime(Times.proto(now)))
                .setConflictToken(1)
                .setLastProcessedTime(Times.proto(now))
                .setMemo(req.getMemo())
                .setSearchAttributes(req.getSearchAttributes());
        UUID generation = UUID.randomUUID();
        ScheduleKey key = new ScheduleKey(ns, req.getScheduleId(), generation);
        applyPatch(r, key, req.getInitialPatch(), now);
        ScheduleRow row = new ScheduleRow(ns, req.getScheduleId(), generation, WorkerBucket.of(ns.toString(), req.getScheduleId()),
                1, req.getRequestId(), now, false, r.build());
        try {
            store.create(row);
        } catch (DuplicateKeyException raced) {
            return alreadyExists(store.get(ns, req.getScheduleId()).orElseThrow(() -> raced), req);
        }
        visibility.write(row, ScheduleViews.compiled(schedule.getSpec()));
        scheduler.wake(ns, req.getScheduleId());
        return CreateScheduleResponse.newBuilder().setConflictToken(token(1)).build();
    }

    /** A retried create (same request id) succeeds again; any other create of a taken id fails as Temporal's does. */
    private static CreateScheduleResponse alreadyExists(ScheduleRow existing, CreateScheduleRequest req) {
        if (existing.createRequestId().equals(req.getRequestId())) {
            return CreateScheduleResponse.newBuilder().setConflictToken(token(existing.record().getConflictToken())).build();
        }
        throw new WorkflowAlreadyStartedException("schedule \"" + req.getScheduleId() + "\" is already registered",
                existing.createRequestId(), existing.generation().toString());
    }

    public DescribeScheduleResponse describe(NamespaceRef nsRef, DescribeScheduleRequest req) {
        NamespaceId ns = id(nsRef);
        ScheduleRequests.requireScheduleId(req.getScheduleId());
        ScheduleRow row = get(ns, req.getScheduleId());
        ScheduleRecord r = row.record();
        ScheduleKey key = new ScheduleKey(ns, req.getScheduleId(), row.generation());
        CompiledSpec spec = ScheduleViews.compiled(r.getSchedule().getSpec());
        ScheduleInfo.Builder info = r.getInfo().toBuilder()
                .clearFutureActionTimes()
                .addAllFutureActionTimes(ScheduleViews.futureActionTimes(r, spec, key.jitterSeed(), ScheduleViews.FUTURE_ACTIONS))
                .setBufferSize(r.getBufferedStartsCount());
        // As Temporal's frontend: show only the started workflows that really still run, and have the scheduler
        // notice the others.
        List<WorkflowExecution> running = r.getInfo().getRunningWorkflowsList();
        if (!running.isEmpty()) {
            ScheduleEffects fx = stepper.effects(ns, nsRef.getName());
            List<WorkflowExecution> still = running.stream().filter(ex -> fx.check(ex).running()).toList();
            if (still.size() < running.size()) {
                info.clearRunningWorkflows().addAllRunningWorkflows(still);
                refreshSoon(row);
            }
        }
        SearchAttributeCatalog catalog = visibility.catalog(ns);
        Schedule.Builder schedule = r.getSchedule().toBuilder().setSpec(ScheduleSpecs.clean(r.getSchedule().getSpec()));
        var start = schedule.getAction().getStartWorkflow();
        if (start.getSearchAttributes().getIndexedFieldsCount() > 0) {
            schedule.getActionBuilder().setStartWorkflow(start.toBuilder().setSearchAttributes(typed(start.getSearchAttributes(), catalog)));
        }
        DescribeScheduleResponse.Builder b = DescribeScheduleResponse.newBuilder()
                .setSchedule(schedule)
                .setInfo(info)
                .setConflictToken(token(r.getConflictToken()));
        if (r.getMemo().getFieldsCount() > 0) {
            b.setMemo(r.getMemo());
        }
        if (r.getSearchAttributes().getIndexedFieldsCount() > 0) {
            b.setSearchAttributes(typed(r.getSearchAttributes(), catalog));
        }
        return b.build();
    }

    /** Search attributes with their types in the payload metadata (the SDKs' typed search attributes need them). */
    private static SearchAttributes typed(SearchAttributes sa, SearchAttributeCatalog catalog) {
        return SearchAttributeValues.fromJson(SearchAttributeValues.toJson(sa, catalog), catalog);
    }

    /** Best effort: the scheduler re-reads the status of its started workflows at its next step, which is now. */
    private void refreshSoon(ScheduleRow row) {
        ScheduleRecord r = row.record().toBuilder().setNeedRefresh(true).build();
        if (store.update(row.withRecord(r, now(), row.watching()))) {
            scheduler.wake(row.namespaceId(), row.scheduleId());
        }
    }

    public UpdateScheduleResponse update(NamespaceRef nsRef, UpdateScheduleRequest req) {
        NamespaceId ns = id(nsRef);
        ScheduleRequests.requireScheduleId(req.getScheduleId());
        ScheduleRequests.requireRequestId(req.getRequestId(), false);
        SearchAttributeCatalog catalog = visibility.catalog(ns);
        Schedule schedule = ScheduleRequests.canonical(req.getSchedule(), catalog);
        if (req.hasSearchAttributes()) {
            ScheduleRequests.requireScheduleSearchAttributes(req.getSearchAttributes(), catalog);
        }
        io.kairos.common.validation.RequestValidation.requireBlobSize(req.getMemo());
        change(ns, req.getScheduleId(), (row, r) -> {
            if (!req.getConflictToken().isEmpty() && !req.getConflictToken().equals(token(r.getConflictToken()))) {
                throw new FailedPreconditionException("mismatched conflict token");
            }
            r.setSchedule(schedule);
            if (req.hasSearchAttributes()) {
                // Set means replace (an empty set clears them all); unset leaves them.
                r.setSearchAttributes(req.getSearchAttributes());
            }
            if (req.hasMemo()) {
                r.setMemo(req.getMemo());
            }
            r.setInfo(r.getInfo().toBuilder().setUpdateTime(Times.proto(now())));
            r.setConflictToken(r.getConflictToken() + 1);
        });
        return UpdateScheduleResponse.getDefaultInstance();
    }

    public PatchScheduleResponse patch(NamespaceRef nsRef, PatchScheduleRequest req) {
        NamespaceId ns = id(nsRef);
        ScheduleRequests.requireScheduleId(req.getScheduleId());
        if (!req.hasPatch()) {
            throw new InvalidArgumentException("Patch is not set on request.");
        }
        ScheduleRequests.requireRequestId(req.getRequestId(), false);
        ScheduleRequests.requirePatch(req.getPatch());
        Instant now = now();
        change(ns, req.getScheduleId(), (row, r) ->
                applyPatch(r, new ScheduleKey(ns, req.getScheduleId(), row.generation()), req.getPatch(), now));
        return PatchScheduleResponse.getDefaultInstance();
    }

    /**
     * Temporal's processPatch: a trigger buffers a manual start at its scheduled time (now by default), each backfill
     * becomes an ongoing backfill (its start inclusive), pause and unpause set the notes.
     */
    private static void applyPatch(ScheduleRecord.Builder r, ScheduleKey key, SchedulePatch patch, Instant now) {
        if (patch.hasTriggerImmediately()) {
            var t = patch.getTriggerImmediately();
            Instant at = t.hasScheduledTime() ? Times.instant(t.getScheduledTime()) : now;
            long seq = r.getManualSequence() + 1;
            r.setManualSequence(seq);
            if (r.getBufferedStartsCount() >= ScheduleMachine.MAX_BUFFER) {
                r.setInfo(r.getInfo().toBuilder().setBufferDropped(r.getInfo().getBufferDropped() + 1));
            } else {
                r.addBufferedStarts(BufferedStart.newBuilder().setNominalTime(Times.proto(at)).setActualTime(Times.proto(at))
                        .setOverlapPolicy(t.getOverlapPolicy()).setManual(true)
                        .setRequestId(key.requestId("t", Long.toString(seq))));
                r.setNeedRefresh(true);
            }
        }
        for (var b : patch.getBackfillRequestList()) {
            long seq = r.getManualSequence() + 1;
            r.setManualSequence(seq);
            if (r.getOngoingBackfillsCount() >= ScheduleMachine.MAX_BUFFER) {
                r.setInfo(r.getInfo().toBuilder().setBufferDropped(r.getInfo().getBufferDropped() + 1));
                continue;
            }
            r.addOngoingBackfills(OngoingBackfill.newBuilder().setId(Long.toString(seq))
                    .setStartTime(Times.proto(Times.instant(b.getStartTime()).minusMillis(1)))
                    .setEndTime(b.getEndTime()).setOverlapPolicy(b.getOverlapPolicy()));
        }
        var state = r.getSchedule().getState();
        if (!patch.getPause().isEmpty()) {
            r.setSchedule(r.getSchedule().toBuilder().setState(state.toBuilder().setPaused(true).setNotes(patch.getPause())));
            r.setConflictToken(r.getConflictToken() + 1);
        }
        if (!patch.getUnpause().isEmpty()) {
            r.setSchedule(r.getSchedule().toBuilder().setState(r.getSchedule().getState().toBuilder()
                    .setPaused(false).setNotes(patch.getUnpause())));
            r.setConflictToken(r.getConflictToken() + 1);
        }
    }

    public DeleteScheduleResponse delete(NamespaceRef nsRef, DeleteScheduleRequest req) {
        NamespaceId ns = id(nsRef);
        ScheduleRequests.requireScheduleId(req.getScheduleId());
        ScheduleRow row = get(ns, req.getScheduleId());
        if (!store.delete(ns, req.getScheduleId())) {
            throw notFound();
        }
        visibility.delete(row);
        scheduler.wake(ns, req.getScheduleId()); // its next step finds it gone and stops watching
        return DeleteScheduleResponse.getDefaultInstance();
    }

    public ListScheduleMatchingTimesResponse matchingTimes(NamespaceRef nsRef, ListScheduleMatchingTimesRequest req) {
        NamespaceId ns = id(nsRef);
        ScheduleRequests.requireScheduleId(req.getScheduleId());
        if (!req.hasStartTime() || !req.hasEndTime()) {
            throw new InvalidArgumentException("missing or invalid query");
        }
        ScheduleRow row = get(ns, req.getScheduleId());
        CompiledSpec spec = ScheduleViews.compiled(row.record().getSchedule().getSpec());
        if (spec == null) {
            throw new InvalidArgumentException("invalid schedule: its spec no longer compiles");
        }
        String seed = new ScheduleKey(ns, req.getScheduleId(), row.generation()).jitterSeed();
        ListScheduleMatchingTimesResponse.Builder b = ListScheduleMatchingTimesResponse.newBuilder();
        Instant end = Times.instant(req.getEndTime());
        Instant t = Times.instant(req.getStartTime());
        for (int i = 0; i < MAX_MATCHING_TIMES; i++) {
            Optional<NextTime> next = spec.next(t, seed);
            if (next.isEmpty() || next.get().actual().isAfter(end)) {
                break;
            }
            t = next.get().actual();
            b.addStartTime(Times.proto(t));
        }
        return b.build();
    }

    public ListSchedulesResponse list(NamespaceRef nsRef, ListSchedulesRequest req) {
        NamespaceId ns = id(nsRef);
        SearchAttributeCatalog catalog = visibility.catalog(ns);
        CompiledQuery q = ScheduleQueries.compile(req.getQuery(), catalog);
        int size = req.getMaximumPageSize() <= 0 || req.getMaximumPageSize() > MAX_PAGE_SIZE ? MAX_PAGE_SIZE
                : req.getMaximumPageSize();
        VisibilityPage page = visibilityStore.list(ns, q, size, req.getNextPageToken().toByteArray());
        ListSchedulesResponse.Builder b = ListSchedulesResponse.newBuilder()
                .setNextPageToken(ByteString.copyFrom(page.nextPageToken()));
        for (VisibilityRecord v : page.records()) {
            b.addSchedules(entry(v, catalog));
        }
        return b.build();
    }

    private static ScheduleListEntry entry(VisibilityRecord v, SearchAttributeCatalog catalog) {
        ScheduleListEntry.Builder e = ScheduleListEntry.newBuilder()
                .setScheduleId(v.workflowId().startsWith(ScheduleKey.WORKFLOW_ID_PREFIX)
                        ? v.workflowId().substring(ScheduleKey.WORKFLOW_ID_PREFIX.length()) : v.workflowId());
        Memo memo = Memo.getDefaultInstance();
        if (v.memo() != null) {
            try {
                memo = Memo.parseFrom(v.memo());
            } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
                // an unreadable memo lists without it
            }
        }
        var info = ScheduleVisibility.listInfo(memo);
        if (info != null) {
            e.setInfo(info.toBuilder().setSpec(ScheduleSpecs.clean(info.getSpec())));
        }
        Memo userMemo = memo.toBuilder().removeFields(ScheduleVisibility.MEMO_INFO).build();
        if (userMemo.getFieldsCount() > 0) {
            e.setMemo(userMemo);
        }
        SearchAttributes sa = SearchAttributeValues.fromJson(v.searchAttributes(), catalog).toBuilder()
                .removeIndexedFields(ScheduleVisibility.PAUSED).build();
        if (sa.getIndexedFieldsCount() > 0) {
            e.setSearchAttributes(sa);
        }
        return e.build();
    }

    public CountSchedulesResponse count(NamespaceRef nsRef, CountSchedulesRequest req) {
        NamespaceId ns = id(nsRef);
        CompiledQuery q = ScheduleQueries.compile(req.getQuery(), visibility.catalog(ns));
        return CountSchedulesResponse.newBuilder().setCount(visibilityStore.count(ns, q)).build();
    }

    private ScheduleRow get(NamespaceId ns, String scheduleId) {
        return store.get(ns, scheduleId).orElseThrow(ScheduleOperations::notFound);
    }

    private static NotFoundException notFound() {
        return new NotFoundException("schedule not found");
    }

    /** A change by an API call: compare-and-swap, redone on a fresh read when the row moved on meanwhile. */
    private void change(NamespaceId ns, String scheduleId, Change change) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            ScheduleRow row = get(ns, scheduleId);
            ScheduleRecord.Builder r = row.record().toBuilder();
            change.apply(row, r);
            // The scheduler looks at it now: it may have buffered starts, a new spec or a new pause state.
            ScheduleRow next = row.withRecord(r.build(), now(), row.watching());
            if (store.update(next)) {
                ScheduleRow committed = next.withVersion(row.version() + 1);
                visibility.write(committed, ScheduleViews.compiled(committed.record().getSchedule().getSpec()));
                scheduler.wake(ns, scheduleId);
                return;
            }
        }
        throw new io.kairos.common.errors.UnavailableException("schedule " + scheduleId
                + " kept changing while it was being updated; retry", null);
    }

    @FunctionalInterface
    private interface Change {
        void apply(ScheduleRow row, ScheduleRecord.Builder record);
    }

    /** Temporal's conflict token: the counter as 8 big-endian bytes. */
    static ByteString token(long conflictToken) {
        return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(conflictToken).array());
    }
}
