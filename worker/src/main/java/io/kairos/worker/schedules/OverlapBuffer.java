package io.kairos.worker.schedules;

import io.kairos.proto.persistence.v1.BufferedStart;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The overlap policies applied to the buffered starts (Temporal's ProcessBuffer): which start may go now, which wait,
 * which are dropped, and whether the running workflow must be cancelled or terminated first.
 */
final class OverlapBuffer {
    private OverlapBuffer() {
    }

    /**
     * @param overlapping    ALLOW_ALL starts: all go now, each a workflow of its own
     * @param nonOverlapping the one start that goes now because nothing runs (or null)
     * @param remaining      what stays buffered
     * @param skippedByPolicy the dropped starts by the policy that dropped them (Temporal's OverlapSkippedByPolicy)
     */
    record Decision(List<BufferedStart> overlapping, BufferedStart nonOverlapping, List<BufferedStart> remaining,
                    boolean cancelRunning, boolean terminateRunning, long skipped,
                    Map<ScheduleOverlapPolicy, Long> skippedByPolicy) {
    }

    /**
     * @param resolve the schedule's policy for starts that name none, resolved now so an update of the policy
     *                applies to what is already buffered
     */
    static Decision decide(List<BufferedStart> buffer, boolean running, UnaryOperator<ScheduleOverlapPolicy> resolve) {
        List<BufferedStart> overlapping = new ArrayList<>();
        List<BufferedStart> remaining = new ArrayList<>();
        BufferedStart now = null;
        boolean cancel = false;
        boolean terminate = false;
        long skipped = 0;
        Map<ScheduleOverlapPolicy, Long> byPolicy = new EnumMap<>(ScheduleOverlapPolicy.class);
        for (BufferedStart start : buffer) {
            ScheduleOverlapPolicy policy = resolve.apply(start.getOverlapPolicy());
            if (policy == ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL) {
                overlapping.add(start);
                continue;
            }
            if (!running && now == null) {
                now = start;
                continue;
            }
            switch (policy) {
                case SCHEDULE_OVERLAP_POLICY_BUFFER_ONE -> {
                    if (remaining.isEmpty()) {
                        remaining.add(start);
                    } else {
                        skipped++;
                        byPolicy.merge(policy, 1L, Long::sum);
                    }
                }
                case SCHEDULE_OVERLAP_POLICY_BUFFER_ALL -> remaining.add(start);
                case SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER -> {
                    if (running) {
                        cancel = true;
                        remaining.add(start);
                    } else {
                        now = start; // what was about to start is replaced by the newer one
                    }
                }
                case SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER -> {
                    if (running) {
                        terminate = true;
                        remaining.add(start);
                    } else {
                        now = start;
                    }
                }
                default -> { // SKIP
                    skipped++;
                    byPolicy.merge(policy, 1L, Long::sum);
                }
            }
        }
        if (cancel || terminate) {
            // Whatever would start next to them is cancelled or terminated right after: don't start it.
            overlapping = List.of();
        }
        return new Decision(overlapping, now, remaining, cancel, terminate, skipped, byPolicy);
    }
}
