package io.kairos.history.engine.activities;

import io.kairos.history.engine.Times;
import com.google.protobuf.Duration;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes;

/**
 * Temporal's activity timeout rules: start-to-close or schedule-to-close is required; the others default from
 * them; all are capped by the workflow run timeout; heartbeat is capped by start-to-close.
 */
record ActivityTimeouts(Duration scheduleToClose, Duration scheduleToStart, Duration startToClose, Duration heartbeat) {
    static ActivityTimeouts normalize(ScheduleActivityTaskCommandAttributes a, Duration runTimeout) {
        for (Duration d : new Duration[] {a.getScheduleToCloseTimeout(), a.getScheduleToStartTimeout(),
                a.getStartToCloseTimeout(), a.getHeartbeatTimeout()}) {
            if (d.getSeconds() < 0 || d.getNanos() < 0) {
                throw new InvalidArgumentException("A valid timeout may not be negative.");
            }
        }
        java.time.Duration run = Times.duration(runTimeout);
        java.time.Duration s2c = Times.duration(a.getScheduleToCloseTimeout());
        java.time.Duration s2s = Times.duration(a.getScheduleToStartTimeout());
        java.time.Duration st2c = Times.duration(a.getStartToCloseTimeout());
        java.time.Duration hb = Times.duration(a.getHeartbeatTimeout());
        if (s2c.isZero() && st2c.isZero()) {
            throw new InvalidArgumentException("A valid StartToClose or ScheduleToCloseTimeout is not set on command.");
        }
        if (s2c.isZero()) {
            s2c = run; // zero stays "no limit" when the run has none
        }
        s2c = cap(s2c, run);
        if (st2c.isZero()) {
            st2c = s2c;
        }
        st2c = cap(st2c, s2c);
        s2s = s2s.isZero() ? s2c : cap(s2s, s2c);
        hb = hb.isZero() ? hb : cap(hb, st2c);
        return new ActivityTimeouts(Times.proto(s2c), Times.proto(s2s), Times.proto(st2c), Times.proto(hb));
    }

    /** min(d, limit) where a zero limit means no limit. */
    private static java.time.Duration cap(java.time.Duration d, java.time.Duration limit) {
        if (limit.isZero()) {
            return d;
        }
        if (d.isZero()) {
            return limit;
        }
        return d.compareTo(limit) > 0 ? limit : d;
    }
}
