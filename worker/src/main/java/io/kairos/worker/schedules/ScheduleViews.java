package io.kairos.worker.schedules;

import com.google.gson.JsonPrimitive;
import com.google.protobuf.Timestamp;
import io.kairos.proto.persistence.v1.ScheduleRecord;
import io.kairos.worker.schedules.spec.CompiledSpec;
import io.kairos.worker.schedules.spec.NextTime;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.schedule.v1.ScheduleListInfo;
import io.temporal.api.schedule.v1.SchedulePolicies;
import io.temporal.api.schedule.v1.ScheduleSpec;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Read-side views of a schedule and the policy defaults every step and answer shares. */
final class ScheduleViews {
    static final Duration DEFAULT_CATCHUP_WINDOW = Duration.ofDays(365);
    static final Duration MIN_CATCHUP_WINDOW = Duration.ofSeconds(10);
    static final int FUTURE_ACTIONS = 10;
    static final int FUTURE_ACTIONS_FOR_LIST = 5;
    static final int RECENT_ACTIONS_FOR_LIST = 5;
    /** Temporal keeps at most this many entries per spec field in the list memo. */
    static final int SPEC_FIELD_LIMIT_FOR_LIST = 10;

    private ScheduleViews() {
    }

    /**
     * The compiled spec of a stored (already canonical) schedule, or null when it no longer compiles (a time zone the
     * JDK's data dropped): the schedule then takes no scheduled actions, as Temporal's does with an invalid spec.
     */
    static CompiledSpec compiled(io.temporal.api.schedule.v1.ScheduleSpec spec) {
        try {
            return CompiledSpec.compile(spec);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Temporal's getCatchupWindow: unset is a year, and nothing shorter than ten seconds. */
    static Duration catchupWindow(SchedulePolicies p) {
        if (!p.hasCatchupWindow()) {
            return DEFAULT_CATCHUP_WINDOW;
        }
        Duration d = Duration.ofSeconds(p.getCatchupWindow().getSeconds(), p.getCatchupWindow().getNanos());
        return d.compareTo(MIN_CATCHUP_WINDOW) < 0 ? MIN_CATCHUP_WINDOW : d;
    }

    /** An unspecified policy is the schedule's, and an unspecified schedule policy is SKIP. */
    static ScheduleOverlapPolicy resolve(ScheduleOverlapPolicy p, SchedulePolicies policies) {
        if (p == ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED || p == ScheduleOverlapPolicy.UNRECOGNIZED) {
            p = policies.getOverlapPolicy();
        }
        if (p == ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED || p == ScheduleOverlapPolicy.UNRECOGNIZED) {
            p = ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP;
        }
        return p;
    }

    /** The last thing that happened to the schedule: created, updated, or an action taken. */
    static Instant lastEvent(ScheduleRecord.Builder r) {
        Instant last = Times.instant(r.getInfo().getCreateTime());
        if (r.getInfo().hasUpdateTime()) {
            last = max(last, Times.instant(r.getInfo().getUpdateTime()));
        }
        int n = r.getInfo().getRecentActionsCount();
        if (n > 0) {
            last = max(last, Times.instant(r.getInfo().getRecentActions(n - 1).getActualTime()));
        }
        return last;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /**
     * The next {@code n} action times after the last processed time (Temporal's getFutureActionTimes): none before the
     * last update, and no more than the remaining actions of a limited schedule.
     */
    static List<Timestamp> futureActionTimes(ScheduleRecord r, CompiledSpec spec, String jitterSeed, int n) {
        if (spec == null) {
            return List.of();
        }
        var state = r.getSchedule().getState();
        if (state.getLimitedActions()) {
            n = (int) Math.max(0, Math.min(n, state.getRemainingActions()));
        }
        Instant updated = r.getInfo().hasUpdateTime() ? Times.instant(r.getInfo().getUpdateTime()) : null;
        List<Timestamp> out = new ArrayList<>();
        Instant t = Times.instant(r.getLastProcessedTime());
        for (int guard = 0; out.size() < n && guard < 100_000; guard++) {
            Optional<NextTime> next = spec.next(t, jitterSeed);
            if (next.isEmpty()) {
                break;
            }
            t = next.get().actual();
            if (updated != null && updated.isAfter(t)) {
                continue;
            }
            out.add(Times.proto(t));
        }
        return out;
    }

    /** What ListSchedules shows of a schedule (Temporal's ScheduleInfo memo). */
    static ScheduleListInfo listInfo(ScheduleRecord r, CompiledSpec spec, String jitterSeed) {
        ScheduleSpec s = r.getSchedule().getSpec();
        ScheduleSpec.Builder trimmed = s.toBuilder().clearTimezoneData()
                .clearStructuredCalendar().addAllStructuredCalendar(head(s.getStructuredCalendarList()))
                .clearInterval().addAllInterval(head(s.getIntervalList()))
                .clearExcludeStructuredCalendar().addAllExcludeStructuredCalendar(head(s.getExcludeStructuredCalendarList()));
        int recent = r.getInfo().getRecentActionsCount();
        return ScheduleListInfo.newBuilder()
                .setSpec(trimmed)
                .setWorkflowType(r.getSchedule().getAction().getStartWorkflow().getWorkflowType())
                .setNotes(r.getSchedule().getState().getNotes())
                .setPaused(r.getSchedule().getState().getPaused())
                .addAllRecentActions(r.getInfo().getRecentActionsList()
                        .subList(Math.max(0, recent - RECENT_ACTIONS_FOR_LIST), recent))
                .addAllFutureActionTimes(futureActionTimes(r, spec, jitterSeed, FUTURE_ACTIONS_FOR_LIST))
                .build();
    }

    private static <T> List<T> head(List<T> l) {
        return l.size() <= SPEC_FIELD_LIMIT_FOR_LIST ? l : l.subList(0, SPEC_FIELD_LIMIT_FOR_LIST);
    }

    /** A string as a JSON literal (search attribute payloads are json/plain). */
    static String jsonString(String s) {
        return new JsonPrimitive(s).toString();
    }
}
