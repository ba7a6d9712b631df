package io.kairos.worker.schedules;

import io.kairos.proto.persistence.v1.BufferedStart;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.temporal.api.enums.v1.ScheduleOverlapPolicy.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Temporal's overlap rules, start by start. */
class OverlapBufferTest {
    private static BufferedStart start(String id, ScheduleOverlapPolicy p) {
        return BufferedStart.newBuilder().setRequestId(id).setOverlapPolicy(p).build();
    }

    private static OverlapBuffer.Decision decide(boolean running, BufferedStart... buffer) {
        return OverlapBuffer.decide(List.of(buffer), running, p -> p == SCHEDULE_OVERLAP_POLICY_UNSPECIFIED
                ? SCHEDULE_OVERLAP_POLICY_SKIP : p);
    }

    @Test
    void nothingRunningStartsTheFirstWhateverThePolicy() {
        for (ScheduleOverlapPolicy p : List.of(SCHEDULE_OVERLAP_POLICY_SKIP, SCHEDULE_OVERLAP_POLICY_BUFFER_ONE,
                SCHEDULE_OVERLAP_POLICY_BUFFER_ALL, SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER, SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER)) {
            BufferedStart a = start("a", p);
            var d = decide(false, a);
            assertSame(a, d.nonOverlapping(), p.name());
            assertTrue(d.remaining().isEmpty());
            assertFalse(d.cancelRunning() || d.terminateRunning());
        }
    }

    @Test
    void skipDropsEverythingThatOverlaps() {
        var d = decide(true, start("a", SCHEDULE_OVERLAP_POLICY_SKIP), start("b", SCHEDULE_OVERLAP_POLICY_UNSPECIFIED));
        assertNull(d.nonOverlapping());
        assertEquals(2, d.skipped());
        assertTrue(d.remaining().isEmpty());
    }

    @Test
    void bufferOneKeepsTheFirstAndSkipsTheRest() {
        var d = decide(true, start("a", SCHEDULE_OVERLAP_POLICY_BUFFER_ONE), start("b", SCHEDULE_OVERLAP_POLICY_BUFFER_ONE),
                start("c", SCHEDULE_OVERLAP_POLICY_BUFFER_ONE));
        assertEquals(List.of("a"), d.remaining().stream().map(BufferedStart::getRequestId).toList());
        assertEquals(2, d.skipped());
        // Nothing running: the first goes, the second waits, the third is skipped.
        d = decide(false, start("a", SCHEDULE_OVERLAP_POLICY_BUFFER_ONE), start("b", SCHEDULE_OVERLAP_POLICY_BUFFER_ONE),
                start("c", SCHEDULE_OVERLAP_POLICY_BUFFER_ONE));
        assertEquals("a", d.nonOverlapping().getRequestId());
        assertEquals(List.of("b"), d.remaining().stream().map(BufferedStart::getRequestId).toList());
        assertEquals(1, d.skipped());
    }

    @Test
    void bufferAllKeepsEverything() {
        var d = decide(true, start("a", SCHEDULE_OVERLAP_POLICY_BUFFER_ALL), start("b", SCHEDULE_OVERLAP_POLICY_BUFFER_ALL));
        assertEquals(2, d.remaining().size());
        assertEquals(0, d.skipped());
    }

    @Test
    void cancelAndTerminateOtherAskForTheRunningOneAndReplaceWhatWouldStart() {
        var d = decide(true, start("a", SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER));
        assertTrue(d.cancelRunning());
        assertEquals(1, d.remaining().size());
        d = decide(true, start("a", SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER));
        assertTrue(d.terminateRunning());
        // Nothing running: the later start replaces the earlier one.
        d = decide(false, start("a", SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER), start("b", SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER));
        assertEquals("b", d.nonOverlapping().getRequestId());
        assertFalse(d.cancelRunning());
    }

    @Test
    void allowAllStartsAllButNotNextToACancel() {
        var d = decide(true, start("a", SCHEDULE_OVERLAP_POLICY_ALLOW_ALL), start("b", SCHEDULE_OVERLAP_POLICY_ALLOW_ALL));
        assertEquals(2, d.overlapping().size());
        d = decide(true, start("a", SCHEDULE_OVERLAP_POLICY_ALLOW_ALL), start("b", SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER));
        assertTrue(d.overlapping().isEmpty(), "they would be terminated right after");
        assertTrue(d.terminateRunning());
    }
}
