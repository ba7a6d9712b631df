package io.kairos.history.engine.activities;

import com.google.protobuf.Duration;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ActivityTimeoutsTest {
    private static Duration s(long seconds) {
        return Duration.newBuilder().setSeconds(seconds).build();
    }

    @Test
    void startToCloseOrScheduleToCloseIsRequired() {
        assertThrows(InvalidArgumentException.class, () -> ActivityTimeouts.normalize(
                ScheduleActivityTaskCommandAttributes.getDefaultInstance(), s(0)));
    }

    @Test
    void scheduleToCloseFillsTheOthers() {
        ActivityTimeouts t = ActivityTimeouts.normalize(ScheduleActivityTaskCommandAttributes.newBuilder()
                .setScheduleToCloseTimeout(s(60)).build(), s(0));
        assertEquals(s(60), t.scheduleToClose());
        assertEquals(s(60), t.scheduleToStart());
        assertEquals(s(60), t.startToClose());
        assertEquals(s(0), t.heartbeat());
    }

    @Test
    void startToCloseOnlyLeavesScheduleToCloseUnlimitedWithoutRunTimeout() {
        ActivityTimeouts t = ActivityTimeouts.normalize(ScheduleActivityTaskCommandAttributes.newBuilder()
                .setStartToCloseTimeout(s(10)).setHeartbeatTimeout(s(30)).build(), s(0));
        assertEquals(s(0), t.scheduleToClose());
        assertEquals(s(10), t.startToClose());
        assertEquals(s(10), t.heartbeat(), "heartbeat is capped by start-to-close");
    }

    @Test
    void everythingIsCappedByTheRunTimeout() {
        ActivityTimeouts t = ActivityTimeouts.normalize(ScheduleActivityTaskCommandAttributes.newBuilder()
                .setStartToCloseTimeout(s(600)).build(), s(120));
        assertEquals(s(120), t.scheduleToClose());
        assertEquals(s(120), t.startToClose());
        assertEquals(s(120), t.scheduleToStart());
    }
}
