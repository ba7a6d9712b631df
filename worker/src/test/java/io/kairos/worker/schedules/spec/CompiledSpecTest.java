package io.kairos.worker.schedules.spec;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.schedule.v1.CalendarSpec;
import io.temporal.api.schedule.v1.IntervalSpec;
import io.temporal.api.schedule.v1.ScheduleSpec;
import io.temporal.api.schedule.v1.StructuredCalendarSpec;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Next-time computation; the cases marked "Temporal:" carry the expected values of Temporal's own tests. */
class CompiledSpecTest {
    static final ZoneId PACIFIC = ZoneId.of("US/Pacific");
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    static Instant utc(int y, int mo, int d, int h, int mi, int s) {
        return LocalDateTime.of(y, mo, d, h, mi, s).toInstant(ZoneOffset.UTC);
    }

    static Instant utcMillis(int y, int mo, int d, int h, int mi, int s, int ms) {
        return utc(y, mo, d, h, mi, s).plusMillis(ms);
    }

    /** A wall time in a zone; the earlier instant when it occurs twice. */
    static Instant local(ZoneId zone, int y, int mo, int d, int h, int mi, int s) {
        return ZonedDateTime.of(y, mo, d, h, mi, s, 0, zone).toInstant();
    }

    static Duration dur(long seconds) {
        return Duration.newBuilder().setSeconds(seconds).build();
    }

    static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    static IntervalSpec every(long seconds, long phase) {
        return IntervalSpec.newBuilder().setInterval(dur(seconds)).setPhase(dur(phase)).build();
    }

    static CompiledSpec compile(ScheduleSpec.Builder spec) {
        return CompiledSpec.compile(ScheduleSpecs.canonicalize(spec.build()));
    }

    static CompiledSpec cron(String... cron) {
        return compile(ScheduleSpec.newBuilder().addAllCronString(List.of(cron)));
    }

    /** Nominal times, each search starting at the previous result. */
    static List<Instant> nominals(CompiledSpec cs, Instant start, int count) {
        List<Instant> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Optional<NextTime> next = cs.next(start, "");
            if (next.isEmpty()) {
                break;
            }
            out.add(next.get().nominal());
            start = next.get().nominal();
        }
        return out;
    }

    /** Jittered times, each search starting at the previous jittered time (as Temporal's tests do). */
    static List<Instant> actuals(CompiledSpec cs, String seed, Instant start, int count) {
        List<Instant> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Optional<NextTime> next = cs.next(start, seed);
            if (next.isEmpty()) {
                break;
            }
            out.add(next.get().actual());
            start = next.get().actual();
        }
        return out;
    }

    /** Like Temporal's checkSequence: also every second between two results must lead to the later one. */
    static void checkSequence(CompiledSpec cs, Instant start, Instant... expected) {
        for (Instant exp : expected) {
            Instant next = cs.next(start, "").orElseThrow().nominal();
            assertEquals(exp, next);
            for (long t = start.getEpochSecond(); t < next.getEpochSecond(); t++) {
                assertEquals(exp, cs.next(Instant.ofEpochSecond(t), "").orElseThrow().nominal(), "from " + t);
            }
            start = next;
        }
    }

    @Test
    void temporalIntervalBasic() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().addInterval(every(90 * 60, 0)));
        assertEquals(List.of(utc(2022, 3, 23, 13, 30, 0), utc(2022, 3, 23, 15, 0, 0), utc(2022, 3, 23, 16, 30, 0),
                utc(2022, 3, 23, 18, 0, 0)), nominals(cs, utc(2022, 3, 23, 12, 53, 2).plusNanos(9), 4));
    }

    @Test
    void temporalIntervalPhase() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().addInterval(every(90 * 60, 5 * 60 + 44)));
        assertEquals(List.of(utc(2022, 3, 23, 13, 35, 44), utc(2022, 3, 23, 15, 5, 44), utc(2022, 3, 23, 16, 35, 44),
                utc(2022, 3, 23, 18, 5, 44)), nominals(cs, utc(2022, 3, 23, 12, 53, 2).plusNanos(9), 4));
    }

    @Test
    void temporalIntervalMultiple() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().addInterval(every(90 * 60, 5 * 60 + 44))
                .addInterval(every(157 * 60, 22 * 60 + 11)));
        assertEquals(List.of(utc(2022, 3, 23, 13, 35, 44), utc(2022, 3, 23, 15, 5, 44), utc(2022, 3, 23, 15, 26, 11),
                utc(2022, 3, 23, 16, 35, 44), utc(2022, 3, 23, 18, 3, 11), utc(2022, 3, 23, 18, 5, 44),
                utc(2022, 3, 23, 19, 35, 44)), nominals(cs, utc(2022, 3, 23, 12, 53, 2), 7));
    }

    @Test
    void temporalCalendarsAndCron() {
        List<Instant> expected = List.of(utc(2022, 3, 23, 5, 23, 0), utc(2022, 3, 23, 7, 23, 0),
                utc(2022, 3, 23, 11, 55, 0), utc(2022, 3, 23, 13, 55, 0), utc(2022, 3, 24, 5, 23, 0),
                utc(2022, 3, 24, 7, 23, 0), utc(2022, 3, 24, 11, 55, 0), utc(2022, 3, 24, 13, 55, 0));
        CompiledSpec two = compile(ScheduleSpec.newBuilder()
                .addCalendar(CalendarSpec.newBuilder().setHour("5,7").setMinute("23"))
                .addCalendar(CalendarSpec.newBuilder().setHour("11,13").setMinute("55")));
        assertEquals(expected, nominals(two, utc(2022, 3, 23, 3, 0, 0), 8));
        CompiledSpec mixed = compile(ScheduleSpec.newBuilder()
                .addCalendar(CalendarSpec.newBuilder().setHour("5,7").setMinute("23"))
                .addCronString("55 11,13 * * *"));
        assertEquals(expected, nominals(mixed, utc(2022, 3, 23, 3, 0, 0), 8));
    }

    @Test
    void temporalCalendarAndInterval() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder()
                .addCalendar(CalendarSpec.newBuilder().setHour("11,13").setMinute("55"))
                .addInterval(every(90 * 60, 7 * 60)));
        assertEquals(List.of(utc(2022, 3, 23, 10, 37, 0), utc(2022, 3, 23, 11, 55, 0), utc(2022, 3, 23, 12, 7, 0),
                utc(2022, 3, 23, 13, 37, 0), utc(2022, 3, 23, 13, 55, 0), utc(2022, 3, 23, 15, 7, 0)),
                nominals(cs, utc(2022, 3, 23, 10, 0, 0), 6));
    }

    @Test
    void temporalExcludeWithJitter() {
        // Temporal: same jitter to the millisecond, which checks the hash input and the hash
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().addInterval(every(90 * 60, 0))
                .addExcludeCalendar(CalendarSpec.newBuilder().setHour("12-14").setMinute("*").setSecond("*"))
                .setJitter(dur(1)));
        assertEquals(List.of(utcMillis(2022, 3, 23, 9, 0, 0, 235), utcMillis(2022, 3, 23, 10, 30, 0, 139),
                utcMillis(2022, 3, 23, 15, 0, 0, 89), utcMillis(2022, 3, 23, 16, 30, 0, 687)),
                actuals(cs, "", utc(2022, 3, 23, 8, 0, 0), 4));
    }

    @Test
    void temporalExcludeAll() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().addInterval(every(7 * 86400, 0))
                .addExcludeCalendar(CalendarSpec.newBuilder().setSecond("*").setMinute("*").setHour("*")));
        assertEquals(Optional.empty(), cs.next(utc(2022, 3, 23, 12, 53, 2), ""));
    }

    @Test
    void temporalStartTime() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().addInterval(every(90 * 60, 0))
                .setStartTime(ts(utc(2022, 3, 23, 12, 0, 0))).setJitter(dur(1)));
        assertEquals(List.of(utcMillis(2022, 3, 23, 12, 0, 0, 162), utcMillis(2022, 3, 23, 13, 30, 0, 587),
                utcMillis(2022, 3, 23, 15, 0, 0, 89)), actuals(cs, "", utc(2022, 3, 23, 8, 0, 0), 3));
    }

    @Test
    void temporalStartTimeWithFraction() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().addInterval(every(3600, 0))
                .setStartTime(ts(utcMillis(2022, 3, 23, 12, 0, 0, 456))));
        assertEquals(List.of(utc(2022, 3, 23, 13, 0, 0)),
                actuals(cs, "", utcMillis(2022, 3, 23, 12, 0, 0, 123), 1));
        // from further back the search starts a second before start_time, at whole-second resolution
        assertEquals(utc(2022, 3, 23, 12, 0, 0), cs.next(utc(2022, 3, 23, 8, 0, 0), "").orElseThrow().nominal());
    }

    @Test
    void temporalEndTime() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().addInterval(every(90 * 60, 0))
                .setEndTime(ts(utc(2022, 3, 23, 14, 0, 0))).setJitter(dur(1)));
        assertEquals(List.of(utcMillis(2022, 3, 23, 12, 0, 0, 162), utcMillis(2022, 3, 23, 13, 30, 0, 587)),
                actuals(cs, "", utc(2022, 3, 23, 11, 0, 0), 5));
    }

    @Test
    void temporalBoundedJitter() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().addInterval(every(90 * 60, 0)).setJitter(dur(86400)));
        assertEquals(List.of(utcMillis(2022, 3, 23, 12, 14, 36, 524), utcMillis(2022, 3, 23, 14, 22, 54, 562),
                utcMillis(2022, 3, 23, 15, 8, 3, 724)), actuals(cs, "", utc(2022, 3, 23, 11, 0, 0), 3));
    }

    @Test
    void temporalJitterSingleRun() {
        CalendarSpec once = CalendarSpec.newBuilder().setHour("13").setMinute("55").setDayOfMonth("7")
                .setMonth("4").setYear("2022").build();
        CompiledSpec plain = compile(ScheduleSpec.newBuilder().addCalendar(once));
        assertEquals(List.of(utc(2022, 4, 7, 13, 55, 0)), actuals(plain, "", utc(2022, 3, 23, 11, 0, 0), 5));
        // no following time: the whole jitter applies
        CompiledSpec jittered = compile(ScheduleSpec.newBuilder().addCalendar(once).setJitter(dur(3600)));
        assertEquals(List.of(utcMillis(2022, 4, 7, 13, 57, 26, 927)),
                actuals(jittered, "", utc(2022, 3, 23, 11, 0, 0), 1));
    }

    @Test
    void temporalJitterSeed() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().addInterval(every(86400, 0)).setJitter(dur(3600)));
        Instant start = utc(2022, 3, 23, 11, 0, 0);
        assertEquals(utcMillis(2022, 3, 24, 0, 35, 24, 276), cs.next(start, "").orElseThrow().actual());
        assertEquals(utcMillis(2022, 3, 24, 0, 6, 12, 519), cs.next(start, "seed-1").orElseThrow().actual());
        assertEquals(utcMillis(2022, 3, 24, 0, 39, 16, 922), cs.next(start, "seed-2").orElseThrow().actual());
    }

    @Test
    void jitterIsDeterministicAndBounded() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().addCronString("* * * * *").setJitter(dur(3600)));
        Instant t = utc(2025, 1, 1, 0, 0, 0);
        String seed = "ns-id-my-schedule-with-a-long-id";
        int distinct = 0;
        Instant previousActual = null;
        for (int i = 0; i < 500; i++) {
            NextTime next = cs.next(t, seed).orElseThrow();
            assertEquals(next, cs.next(t, seed).orElseThrow());
            assertEquals(next, compile(ScheduleSpec.newBuilder().addCronString("* * * * *").setJitter(dur(3600)))
                    .next(t, seed).orElseThrow());
            long jitter = java.time.Duration.between(next.nominal(), next.actual()).toMillis();
            assertTrue(jitter >= 0 && jitter < 60_000, "jitter stays below the gap to the next minute: " + jitter);
            if (previousActual != null && !previousActual.equals(next.actual())) {
                distinct++;
            }
            previousActual = next.actual();
            t = next.nominal();
        }
        assertTrue(distinct > 400);
        Instant start = utc(2025, 1, 1, 0, 0, 0);
        assertNotEquals(cs.next(start, "a").orElseThrow().actual(), cs.next(start, "b").orElseThrow().actual());
        // no jitter configured: actual is nominal
        NextTime plain = cron("* * * * *").next(start, seed).orElseThrow();
        assertEquals(plain.nominal(), plain.actual());
    }

    @Test
    void jitterHashInput() {
        // 32 bits of hash scale the millisecond range; zero range gives zero jitter
        assertEquals(0, CompiledSpec.jitterMillis(1_700_000_000L, "x", 0));
        assertEquals(0, CompiledSpec.jitterMillis(1_700_000_000L, "x", -5));
        long big = CompiledSpec.jitterMillis(1_700_000_000L, "x", Long.MAX_VALUE);
        assertTrue(big >= 0 && big < 0xFFFFFFFFL);
    }

    static CompiledSpec matcher(String zone, CalendarSpec.Builder cal) {
        return compile(ScheduleSpec.newBuilder().setTimezoneName(zone).addExcludeCalendar(cal));
    }

    @Test
    void temporalCalendarMatch() {
        // Temporal's TestCalendarMatch, through excluded()
        CompiledSpec midnight = matcher("UTC", CalendarSpec.newBuilder());
        assertTrue(midnight.excluded(utc(2022, 3, 17, 0, 0, 0)));
        assertTrue(midnight.excluded(utc(2022, 3, 18, 0, 0, 0)));
        assertFalse(midnight.excluded(utc(2022, 3, 18, 5, 15, 0)));
        assertFalse(midnight.excluded(local(PACIFIC, 2022, 3, 17, 0, 0, 0)));
        assertTrue(midnight.excluded(local(PACIFIC, 2022, 3, 17, 17, 0, 0)));

        CompiledSpec everyOther = matcher("UTC", CalendarSpec.newBuilder().setMinute("5,9").setHour("*/2"));
        assertTrue(everyOther.excluded(utc(2022, 3, 17, 14, 5, 0)));
        assertFalse(everyOther.excluded(utc(2022, 3, 17, 14, 5, 33)));
        assertFalse(everyOther.excluded(utc(2022, 3, 17, 14, 15, 0)));
        assertTrue(everyOther.excluded(local(PACIFIC, 2022, 3, 18, 3, 9, 0)));
        assertFalse(everyOther.excluded(utc(2022, 3, 18, 3, 9, 0)));

        CompiledSpec pacific = matcher("US/Pacific", CalendarSpec.newBuilder().setSecond("55").setMinute("55")
                .setHour("5").setDayOfWeek("wed-thurs").setDayOfMonth("2/2"));
        assertFalse(pacific.excluded(local(PACIFIC, 2022, 3, 9, 5, 55, 55)));
        assertTrue(pacific.excluded(local(PACIFIC, 2022, 3, 10, 5, 55, 55)));
        assertFalse(pacific.excluded(local(PACIFIC, 2022, 3, 14, 5, 55, 55)));
        assertTrue(pacific.excluded(local(PACIFIC, 2022, 3, 16, 5, 55, 55)));
        assertFalse(pacific.excluded(local(PACIFIC, 2022, 2, 9, 5, 55, 55)));
        assertTrue(pacific.excluded(local(PACIFIC, 2022, 2, 10, 5, 55, 55)));
        assertFalse(pacific.excluded(local(PACIFIC, 2022, 2, 10, 1, 55, 55)));
        assertTrue(pacific.excluded(utc(2022, 3, 10, 13, 55, 55)));
        assertFalse(pacific.excluded(utc(2022, 3, 16, 13, 55, 55))); // the offset changed on March 13
        assertTrue(pacific.excluded(utc(2022, 3, 16, 12, 55, 55)));

        for (String dow : List.of("0", "7", "sun", "*", "0-3", "5-7", "5-7/2", "6-7", "2-7/5", "0-7/7", "0/7")) {
            assertTrue(matcher("UTC", CalendarSpec.newBuilder().setDayOfWeek(dow))
                    .excluded(utc(2022, 3, 6, 0, 0, 0)), dow + " matches Sunday");
        }
        for (String dow : List.of("*", "5-7", "6-7", "2/4", "2-7/4")) {
            assertTrue(matcher("UTC", CalendarSpec.newBuilder().setDayOfWeek(dow))
                    .excluded(utc(2022, 3, 5, 0, 0, 0)), dow + " matches Saturday");
        }
        for (String dow : List.of("0", "7", "sun", "5-7", "5-7/2", "6-7", "2-7/5", "0-7/7", "0/7")) {
            assertFalse(matcher("UTC", CalendarSpec.newBuilder().setDayOfWeek(dow))
                    .excluded(utc(2022, 3, 7, 0, 0, 0)), dow + " does not match Monday");
        }
        // Temporal's "1-7" becomes 1-6: Sunday does not match
        assertFalse(matcher("UTC", CalendarSpec.newBuilder().setDayOfWeek("1-7")).excluded(utc(2022, 3, 6, 0, 0, 0)));
    }

    @Test
    void temporalCalendarNextBasic() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().setTimezoneName("US/Pacific")
                .addCalendar(CalendarSpec.newBuilder().setSecond("55").setMinute("55").setHour("5")
                        .setDayOfWeek("wed-thurs").setDayOfMonth("2/2")));
        Instant target = local(PACIFIC, 2022, 3, 2, 5, 55, 55);
        assertEquals(target, next(cs, local(PACIFIC, 2022, 3, 2, 5, 55, 33)));
        assertEquals(target, next(cs, local(PACIFIC, 2022, 3, 2, 5, 33, 33)));
        assertEquals(target, next(cs, local(PACIFIC, 2022, 3, 2, 3, 33, 33)));
        assertEquals(target, next(cs, local(PACIFIC, 2022, 3, 1, 1, 11, 11)));
        assertEquals(local(PACIFIC, 2022, 3, 10, 5, 55, 55), next(cs, target));
        assertEquals(local(PACIFIC, 2022, 3, 16, 5, 55, 55), next(cs, local(PACIFIC, 2022, 3, 10, 5, 55, 55)));
    }

    static Instant next(CompiledSpec cs, Instant after) {
        return cs.next(after, "").orElseThrow().nominal();
    }

    @Test
    void temporalDstPacific() {
        checkSequence(cron("CRON_TZ=US/Pacific 33 33 2 * * * *"), local(PACIFIC, 2022, 3, 11, 20, 0, 0),
                local(PACIFIC, 2022, 3, 12, 2, 33, 33),
                local(PACIFIC, 2022, 3, 14, 2, 33, 33)); // March 13 has no 2:33:33
        checkSequence(cron("CRON_TZ=US/Pacific 33 33,44 1 * * * *"), local(PACIFIC, 2021, 11, 7, 0, 15, 15),
                local(PACIFIC, 2021, 11, 7, 1, 33, 33),
                local(PACIFIC, 2021, 11, 7, 1, 44, 33),
                local(PACIFIC, 2021, 11, 7, 1, 33, 33).plusSeconds(3600), // the repeated hour, second time
                local(PACIFIC, 2021, 11, 7, 1, 44, 33).plusSeconds(3600),
                local(PACIFIC, 2021, 11, 8, 1, 33, 33));
    }

    @Test
    void temporalDstLondonSundayInJanuary() {
        ZoneId london = ZoneId.of("Europe/London");
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().setTimezoneName("Europe/London")
                .addCalendar(CalendarSpec.newBuilder().setSecond("0").setMinute("1").setHour("0")
                        .setDayOfMonth("2").setMonth("Jan").setDayOfWeek("Sun")));
        assertEquals(local(london, 2005, 1, 2, 0, 1, 0), next(cs, local(london, 2004, 1, 1, 0, 0, 5)));
        assertEquals(local(london, 2005, 1, 2, 0, 1, 0), next(cs, local(london, 2004, 10, 31, 1, 7, 3)));
        assertEquals(local(london, 2005, 1, 2, 0, 1, 0),
                next(cs, local(london, 2004, 10, 31, 1, 7, 3).plusSeconds(3600)));
    }

    @Test
    void newYorkSpringForward2025() {
        // 02:00 EST on March 9 becomes 03:00 EDT: 02:30 does not exist that day
        checkSequence(cron("CRON_TZ=America/New_York 30 2 * * *"), utc(2025, 3, 7, 0, 0, 0),
                utc(2025, 3, 7, 7, 30, 0), utc(2025, 3, 8, 7, 30, 0), utc(2025, 3, 10, 6, 30, 0));
        assertEquals(List.of(utc(2025, 3, 9, 5, 0, 0), utc(2025, 3, 9, 6, 0, 0), utc(2025, 3, 9, 7, 0, 0),
                utc(2025, 3, 9, 8, 0, 0)),
                nominals(cron("CRON_TZ=America/New_York 0 * * * *"), utc(2025, 3, 9, 4, 30, 0), 4));
        assertEquals(List.of(local(NEW_YORK, 2025, 3, 9, 1, 59, 0), local(NEW_YORK, 2025, 3, 9, 3, 0, 0)),
                nominals(cron("CRON_TZ=America/New_York * * * * *"), local(NEW_YORK, 2025, 3, 9, 1, 58, 30), 2));
        assertEquals(java.time.Duration.ofMinutes(1), java.time.Duration.between(
                local(NEW_YORK, 2025, 3, 9, 1, 59, 0), local(NEW_YORK, 2025, 3, 9, 3, 0, 0)));
    }

    @Test
    void newYorkFallBack2025() {
        // 02:00 EDT on November 2 becomes 01:00 EST: 01:30 happens twice and fires twice
        checkSequence(cron("CRON_TZ=America/New_York 30 1 * * *"), utc(2025, 11, 1, 0, 0, 0),
                utc(2025, 11, 1, 5, 30, 0), utc(2025, 11, 2, 5, 30, 0), utc(2025, 11, 2, 6, 30, 0),
                utc(2025, 11, 3, 6, 30, 0));
        assertEquals(List.of(utc(2025, 11, 2, 4, 0, 0), utc(2025, 11, 2, 5, 0, 0), utc(2025, 11, 2, 6, 0, 0),
                utc(2025, 11, 2, 7, 0, 0)),
                nominals(cron("CRON_TZ=America/New_York 0 * * * *"), utc(2025, 11, 2, 3, 30, 0), 4));
        assertEquals(List.of(utc(2025, 11, 2, 5, 45, 0), utc(2025, 11, 2, 6, 0, 0), utc(2025, 11, 2, 6, 15, 0)),
                nominals(cron("CRON_TZ=America/New_York */15 * * * *"), utc(2025, 11, 2, 5, 30, 0), 3));
        // a time zone name on the spec rather than the cron string works the same
        CompiledSpec named = compile(ScheduleSpec.newBuilder().setTimezoneName("America/New_York")
                .addCronString("30 1 * * *"));
        assertEquals(utc(2025, 11, 2, 6, 30, 0), next(named, utc(2025, 11, 2, 5, 30, 0)));
        assertEquals(NEW_YORK, named.zone());
    }

    @Test
    void intervalsIgnoreTimeZones() {
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().setTimezoneName("America/New_York")
                .addInterval(every(3600, 0)));
        assertEquals(List.of(utc(2025, 11, 2, 5, 0, 0), utc(2025, 11, 2, 6, 0, 0), utc(2025, 11, 2, 7, 0, 0)),
                nominals(cs, utc(2025, 11, 2, 4, 0, 0), 3));
    }

    @Test
    void leapDays() {
        CompiledSpec cs = cron("0 0 29 2 *");
        assertEquals(List.of(utc(2028, 2, 29, 0, 0, 0), utc(2032, 2, 29, 0, 0, 0), utc(2036, 2, 29, 0, 0, 0)),
                nominals(cs, utc(2025, 1, 1, 0, 0, 0), 3));
        // 2100 is not a leap year, and nothing is scheduled after 2100
        assertEquals(List.of(utc(2096, 2, 29, 0, 0, 0)), nominals(cs, utc(2095, 1, 1, 0, 0, 0), 3));
        assertEquals(List.of(utc(2024, 2, 29, 12, 0, 0), utc(2024, 3, 1, 12, 0, 0)),
                nominals(cron("0 12 * 2-3 *"), utc(2024, 2, 29, 0, 0, 0), 2));
        assertEquals(List.of(utc(2025, 3, 31, 0, 0, 0), utc(2025, 5, 31, 0, 0, 0)),
                nominals(cron("0 0 31 * *"), utc(2025, 2, 1, 0, 0, 0), 2));
    }

    @Test
    void dayOfMonthAndDayOfWeekMustBothMatch() {
        assertEquals(List.of(utc(2025, 6, 13, 0, 0, 0), utc(2026, 2, 13, 0, 0, 0), utc(2026, 3, 13, 0, 0, 0)),
                nominals(cron("0 0 13 * FRI"), utc(2025, 1, 1, 0, 0, 0), 3));
        // Monday noon, the shape of "0 12 * * MON"
        assertEquals(List.of(utc(2025, 1, 6, 12, 0, 0), utc(2025, 1, 13, 12, 0, 0)),
                nominals(cron("0 12 * * MON"), utc(2025, 1, 1, 0, 0, 0), 2));
    }

    @Test
    void yearsAndTheEndOf2100() {
        assertEquals(List.of(utc(2030, 1, 1, 0, 0, 0), utc(2031, 1, 1, 0, 0, 0), utc(2040, 1, 1, 0, 0, 0)),
                nominals(cron("0 0 1 1 * 2030,2031,2040"), utc(2025, 1, 1, 0, 0, 0), 5));
        assertEquals(List.of(utc(2100, 1, 1, 0, 0, 0)), nominals(cron("@yearly"), utc(2099, 6, 1, 0, 0, 0), 5));
        CompiledSpec hourly = compile(ScheduleSpec.newBuilder().addInterval(every(3600, 0)));
        assertEquals(List.of(utc(2100, 12, 31, 23, 0, 0)), nominals(hourly, utc(2100, 12, 31, 22, 30, 0), 5));
        // a year list that has already passed
        assertEquals(Optional.empty(), cron("0 0 1 1 * 2020").next(utc(2025, 1, 1, 0, 0, 0), ""));
    }

    @Test
    void startAndEndBounds() {
        Instant start = utc(2022, 3, 23, 12, 0, 0);
        Instant end = utc(2022, 3, 23, 14, 0, 0);
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().addInterval(every(3600, 0))
                .setStartTime(ts(start)).setEndTime(ts(end)));
        // both ends of the range can match
        assertEquals(List.of(start, utc(2022, 3, 23, 13, 0, 0), end), nominals(cs, utc(2022, 1, 1, 0, 0, 0), 5));
        assertEquals(Optional.empty(), cs.next(end, ""));
        // a spec without start_time still never looks before 1970
        CompiledSpec daily = cron("0 0 * * *");
        assertEquals(utc(1970, 1, 1, 0, 0, 0), next(daily, Instant.parse("1960-05-05T00:00:00Z")));
    }

    @Test
    void excludes() {
        // weekdays at 09:00 except on the first of the month, in Berlin
        CompiledSpec cs = compile(ScheduleSpec.newBuilder().setTimezoneName("Europe/Berlin")
                .addCronString("0 9 * * 1-5").addExcludeCalendar(CalendarSpec.newBuilder().setDayOfMonth("1")
                        .setHour("*").setMinute("*").setSecond("*")));
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        assertEquals(List.of(local(berlin, 2025, 8, 29, 9, 0, 0), local(berlin, 2025, 9, 2, 9, 0, 0)),
                nominals(cs, local(berlin, 2025, 8, 29, 0, 0, 0), 2));
        assertTrue(cs.excluded(local(berlin, 2025, 9, 1, 9, 0, 0)));
        assertTrue(cs.excluded(local(berlin, 2025, 9, 1, 0, 0, 0)));
        assertFalse(cs.excluded(local(berlin, 2025, 8, 31, 23, 59, 59)));
        assertFalse(cs.excluded(local(berlin, 2025, 9, 2, 0, 0, 0)));
        // structured excludes, multiple excludes
        CompiledSpec hourly = compile(ScheduleSpec.newBuilder().addCronString("0 * * * *")
                .addExcludeStructuredCalendar(StructuredCalendarSpec.newBuilder()
                        .addHour(CalendarParserTest.r(1, 3)).addSecond(CalendarParserTest.r(0, 59))
                        .addMinute(CalendarParserTest.r(0, 59)).addDayOfMonth(CalendarParserTest.r(1, 31))
                        .addMonth(CalendarParserTest.r(1, 12)).addDayOfWeek(CalendarParserTest.r(0, 6)))
                .addExcludeCalendar(CalendarSpec.newBuilder().setHour("5").setMinute("*")));
        assertEquals(List.of(utc(2025, 1, 1, 0, 0, 0), utc(2025, 1, 1, 4, 0, 0), utc(2025, 1, 1, 6, 0, 0)),
                nominals(hourly, utc(2024, 12, 31, 23, 30, 0), 3));
    }

    @Test
    void emptyFieldListsMatchNothingExceptYear() {
        StructuredCalendarSpec noSeconds = StructuredCalendarSpec.newBuilder()
                .addMinute(CalendarParserTest.r(0)).addHour(CalendarParserTest.r(0))
                .addDayOfMonth(CalendarParserTest.r(1, 31)).addMonth(CalendarParserTest.r(1, 12))
                .addDayOfWeek(CalendarParserTest.r(0, 6)).build();
        assertEquals(Optional.empty(), compile(ScheduleSpec.newBuilder().addStructuredCalendar(noSeconds))
                .next(utc(2025, 1, 1, 0, 0, 0), ""));
        StructuredCalendarSpec daily = noSeconds.toBuilder().addSecond(CalendarParserTest.r(0)).build();
        assertEquals(utc(2025, 1, 2, 0, 0, 0), next(compile(ScheduleSpec.newBuilder().addStructuredCalendar(daily)),
                utc(2025, 1, 1, 0, 0, 0)));
        assertEquals(Optional.empty(), compile(ScheduleSpec.newBuilder()).next(utc(2025, 1, 1, 0, 0, 0), ""));
    }

    @Test
    void cleanAndUncleanRangesMatchAlike() {
        // end before start means just start, step 0 means 1 (also in unvalidated excludes)
        StructuredCalendarSpec compact = CalendarParser.parseCron("*/20 9-17 * * *").calendar();
        StructuredCalendarSpec cleaned = ScheduleSpecs.clean(ScheduleSpec.newBuilder()
                .addStructuredCalendar(compact).build()).getStructuredCalendar(0);
        Instant start = utc(2025, 1, 1, 0, 0, 0);
        assertEquals(nominals(compile(ScheduleSpec.newBuilder().addStructuredCalendar(compact)), start, 30),
                nominals(compile(ScheduleSpec.newBuilder().addStructuredCalendar(cleaned)), start, 30));
    }

    @Test
    void iterationBound() {
        ScheduleSpec.Builder everything = ScheduleSpec.newBuilder()
                .addCalendar(CalendarSpec.newBuilder().setSecond("*").setMinute("*").setHour("*"))
                .addExcludeCalendar(CalendarSpec.newBuilder().setSecond("*").setMinute("*").setHour("*"));
        CompiledSpec bounded = CompiledSpec.compile(everything.build(), 10_000);
        assertEquals(Optional.empty(), bounded.next(utc(2022, 3, 23, 12, 0, 0), ""));
        // all but :59 excluded resolves within the bound
        CompiledSpec almost = CompiledSpec.compile(ScheduleSpec.newBuilder()
                .addCalendar(CalendarSpec.newBuilder().setSecond("*").setMinute("*").setHour("*"))
                .addExcludeCalendar(CalendarSpec.newBuilder().setSecond("0-58").setMinute("*").setHour("*"))
                .build(), 10_000);
        assertEquals(utc(2022, 3, 23, 12, 0, 59), next(almost, utc(2022, 3, 23, 12, 0, 0)));
        // the default bound ends too, in reasonable time
        long begin = System.nanoTime();
        assertEquals(Optional.empty(), CompiledSpec.compile(everything.build()).next(utc(2022, 3, 23, 12, 0, 0), ""));
        long seconds = (System.nanoTime() - begin) / 1_000_000_000L;
        assertTrue(seconds < 30, "took " + seconds + " s");
    }

    @Test
    void yearlyCalendarsDoNotScan() {
        // a calendar that never matches walks months and years, not seconds
        CompiledSpec never = compile(ScheduleSpec.newBuilder().setTimezoneName("America/New_York")
                .addCalendar(CalendarSpec.newBuilder().setDayOfMonth("30").setMonth("2")));
        long begin = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            assertEquals(Optional.empty(), never.next(utc(2025, 1, 1, 0, 0, 0), ""));
        }
        assertTrue(System.nanoTime() - begin < 5_000_000_000L);
        // a wall time that only ever exists inside a DST gap never fires
        CompiledSpec inGap = cron("CRON_TZ=America/New_York 30 2 8-14 3 SUN");
        assertEquals(Optional.empty(), inGap.next(utc(2025, 1, 1, 0, 0, 0), ""));
    }

    @Test
    void compileRejects() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> CompiledSpec.compile(ScheduleSpec.newBuilder().setTimezoneName("Mars/Olympus").build()));
        assertEquals("Invalid schedule spec: unknown time zone Mars/Olympus", e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> CompiledSpec.compile(ScheduleSpec.newBuilder()
                .setTimezoneData(com.google.protobuf.ByteString.copyFromUtf8("nonsense")).build()));
        assertEquals("Invalid schedule spec: malformed time zone information", e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> CompiledSpec.compile(ScheduleSpec.newBuilder()
                .addCronString("61 * * * *").build()));
        assertEquals("Invalid schedule spec: Minute is not in range [0-59]", e.getMessage());
        assertEquals(ZoneOffset.UTC, CompiledSpec.compile(ScheduleSpec.getDefaultInstance()).zone());
    }

    @Test
    void compileAcceptsNonCanonicalInput() {
        CompiledSpec direct = CompiledSpec.compile(ScheduleSpec.newBuilder().addCronString("0 12 * * MON").build());
        assertEquals(utc(2025, 1, 6, 12, 0, 0), next(direct, utc(2025, 1, 1, 0, 0, 0)));
    }
}
