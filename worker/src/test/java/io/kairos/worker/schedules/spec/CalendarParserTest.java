package io.kairos.worker.schedules.spec;

import com.google.protobuf.Duration;
import io.kairos.worker.schedules.spec.CalendarParser.Cron;
import io.kairos.worker.schedules.spec.CalendarParser.Mode;
import io.temporal.api.schedule.v1.CalendarSpec;
import io.temporal.api.schedule.v1.IntervalSpec;
import io.temporal.api.schedule.v1.Range;
import io.temporal.api.schedule.v1.StructuredCalendarSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalendarParserTest {
    static Range r(int start) {
        return Range.newBuilder().setStart(start).build();
    }

    static Range r(int start, int end) {
        return Range.newBuilder().setStart(start).setEnd(end).build();
    }

    static Range r(int start, int end, int step) {
        return Range.newBuilder().setStart(start).setEnd(end).setStep(step).build();
    }

    private static List<Range> range(String s, int min, int max, Mode mode) {
        return CalendarParser.makeRange(s, "Test", "", min, max, mode);
    }

    private static String rangeError(String s, int min, int max, Mode mode) {
        return assertThrows(SpecError.class, () -> range(s, min, max, mode)).getMessage();
    }

    @Test
    void rangesAsTemporalParsesThem() {
        // the cases of Temporal's TestMakeRange
        assertEquals(List.of(r(13)), range("13", 0, 59, Mode.INT));
        assertEquals("Test is not in range [0-59]", rangeError("133", 0, 59, Mode.INT));
        assertEquals(List.of(r(9)), range("Sept", 1, 12, Mode.MONTH));
        assertEquals(List.of(r(13), r(18)), range("13,18", 0, 59, Mode.INT));
        assertEquals(List.of(r(13), r(18), r(44)), range("13,18,44", 0, 59, Mode.INT));
        assertEquals("Test is not in range [0-59]", rangeError("13,18,44,", 0, 59, Mode.INT));
        assertEquals(List.of(r(13, 18)), range("13-18", 0, 59, Mode.INT));
        assertEquals("Test End is before Start or not in range [0-59]", rangeError("18-13", 0, 59, Mode.INT));
        assertEquals("Test End is before Start or not in range [0-59]", rangeError("1,3,18-13", 0, 59, Mode.INT));
        assertEquals(List.of(r(2, 5), r(7, 9), r(11)), range("2-5,7-9,11", 0, 59, Mode.INT));
        assertEquals(List.of(r(5, 9)), range("*", 5, 9, Mode.INT));
        assertEquals(List.of(r(5, 9, 3)), range("*/3", 5, 9, Mode.INT));
        assertEquals(List.of(r(2, 10, 3)), range("2/3", 0, 10, Mode.INT));
        assertEquals("Test has too many slashes", rangeError("2/3/5", 0, 10, Mode.INT));
        assertEquals(List.of(r(2, 6, 3)), range("2-6/3", 0, 10, Mode.INT));
        assertEquals(List.of(r(2, 6, 4), r(7, 8)), range("2-6/4,7-8", 0, 10, Mode.INT));
        assertEquals(List.of(r(1, 5)), range("mon-Friday", 0, 7, Mode.DOW));
        assertEquals("Test End is before Start or not in range [0-7]", rangeError("Fri-Tues", 0, 7, Mode.DOW));
        assertEquals("Test has too many dashes", rangeError("1-5-7", 0, 7, Mode.DOW));
        assertEquals("Test End is before Start or not in range [0-7]", rangeError("monday-", 0, 7, Mode.DOW));
    }

    @Test
    void stepsAndCompaction() {
        assertEquals(List.of(r(0, 59)), range("*/1", 0, 59, Mode.INT));
        assertEquals(List.of(r(12, 0, 5)), range("12/5", 1, 12, Mode.INT), "x/y with x == max keeps the step");
        assertEquals(List.of(r(3)), range("3-3", 0, 59, Mode.INT));
        assertEquals(List.of(r(3)), range("3-3/1", 0, 59, Mode.INT));
        assertEquals(List.of(r(5)), range("  5 ", 0, 59, Mode.INT));
        assertEquals("Test missing step value", rangeError("5/", 0, 59, Mode.INT));
        assertEquals("Test has invalid Step", rangeError("5/0", 0, 59, Mode.INT));
        assertEquals("Test has invalid Step", rangeError("5/-2", 0, 59, Mode.INT));
        assertEquals("strconv.Atoi: parsing \"x\": invalid syntax", rangeError("5/x", 0, 59, Mode.INT));
        assertEquals("Test is not in range [0-59]", rangeError("1, 2", 0, 59, Mode.INT));
        assertEquals("Test is not in range [0-59]", rangeError("", 0, 59, Mode.INT));
        assertEquals("Test Start is not in range [0-59]", rangeError("-5", 0, 59, Mode.INT));
        // Temporal narrows the step to 32 bits unchecked
        assertEquals(List.of(r(0, 59, 1)), range("0/4294967297", 0, 59, Mode.INT));
    }

    @Test
    void namesNeedEnoughLetters() {
        assertEquals(List.of(r(1)), range("jan", 1, 12, Mode.MONTH));
        assertEquals(List.of(r(12)), range("DEC", 1, 12, Mode.MONTH));
        assertEquals(List.of(r(6)), range("jun", 1, 12, Mode.MONTH));
        assertEquals(List.of(r(3)), range("mar", 1, 12, Mode.MONTH));
        assertEquals(List.of(r(2, 12, 5)), range("February/5", 1, 12, Mode.MONTH));
        assertEquals("Test is not in range [1-12]", rangeError("ja", 1, 12, Mode.MONTH));
        assertEquals("Test is not in range [1-12]", rangeError("janu4ry", 1, 12, Mode.MONTH));
        assertEquals(List.of(r(0)), range("su", 0, 7, Mode.DOW));
        assertEquals(List.of(r(2)), range("tu", 0, 7, Mode.DOW));
        assertEquals(List.of(r(4)), range("th", 0, 7, Mode.DOW));
        assertEquals(List.of(r(3, 4)), range("wed-thurs", 0, 7, Mode.DOW));
        assertEquals("Test is not in range [0-7]", rangeError("s", 0, 7, Mode.DOW));
        assertEquals("Test is not in range [0-7]", rangeError("mon", 0, 7, Mode.INT));
        assertEquals(List.of(r(5)), range("5", 1, 12, Mode.MONTH), "numbers still work");
    }

    @Test
    void sundayAsSeven() {
        assertEquals(List.of(r(0)), range("7", 0, 7, Mode.DOW));
        assertEquals(List.of(r(0)), range("sun", 0, 7, Mode.DOW));
        assertEquals(List.of(r(0, 6)), range("*", 0, 7, Mode.DOW));
        assertEquals(List.of(r(0, 6)), range("0-7", 0, 7, Mode.DOW));
        // Temporal turns 1-7 into 1-6, so Sunday is lost; reproduced as is
        assertEquals(List.of(r(1, 6)), range("1-7", 0, 7, Mode.DOW));
        assertEquals(List.of(r(0), r(3, 6)), range("3-7", 0, 7, Mode.DOW));
        assertEquals(List.of(r(0), r(6)), range("6-7", 0, 7, Mode.DOW));
        assertEquals(List.of(r(0), r(5, 6, 2)), range("5-7/2", 0, 7, Mode.DOW));
        assertEquals(List.of(r(2, 6, 4)), range("2-7/4", 0, 7, Mode.DOW));
        assertEquals(List.of(r(0), r(2, 6, 5)), range("2-7/5", 0, 7, Mode.DOW));
        assertEquals(List.of(r(0), r(0, 6, 7)), range("0-7/7", 0, 7, Mode.DOW));
        assertEquals(List.of(r(0), r(0, 6, 7)), range("0/7", 0, 7, Mode.DOW));
        assertEquals(List.of(r(6), r(0)), range("6,7", 0, 7, Mode.DOW));
        assertEquals(List.of(r(0), r(1, 6, 2)), range("1-7/2", 0, 7, Mode.DOW));
    }

    @Test
    void years() {
        assertEquals(List.of(), CalendarParser.makeRange("*", "Year", "*", 2000, 2100, Mode.YEAR));
        assertEquals(List.of(), CalendarParser.makeRange("", "Year", "*", 2000, 2100, Mode.YEAR));
        assertEquals(List.of(r(2000, 2100, 4)),
                CalendarParser.makeRange("*/4", "Year", "*", 2000, 2100, Mode.YEAR));
        assertEquals(List.of(r(2020, 2022), r(2024), r(2026, 2100, 3)),
                CalendarParser.makeRange("2020-2022,2024,2026/3", "Year", "*", 2000, 2100, Mode.YEAR));
    }

    @Test
    void calendarDefaultsAndJoinedErrors() {
        StructuredCalendarSpec s = CalendarParser.parseCalendar(CalendarSpec.getDefaultInstance());
        assertEquals(StructuredCalendarSpec.newBuilder().addSecond(r(0)).addMinute(r(0)).addHour(r(0))
                .addDayOfMonth(r(1, 31)).addMonth(r(1, 12)).addDayOfWeek(r(0, 6)).build(), s);
        SpecError e = assertThrows(SpecError.class, () -> CalendarParser.parseCalendar(CalendarSpec.newBuilder()
                .setSecond("60").setHour("x").setDayOfWeek("8").setMonth("0").setYear("1999").build()));
        assertEquals("Second is not in range [0-59], Hour is not in range [0-23], "
                + "DayOfWeek is not in range [0-7], Month is not in range [1-12], Year is not in range [2000-2100]",
                e.getMessage());
    }

    @Test
    void cronStringsAsTemporalParsesThem() {
        // the cases of Temporal's TestParseCronString
        Cron c = CalendarParser.parseCron("5,9 */2 * * *");
        assertEquals(StructuredCalendarSpec.newBuilder().addSecond(r(0)).addMinute(r(5)).addMinute(r(9))
                .addHour(r(0, 23, 2)).addDayOfMonth(r(1, 31)).addMonth(r(1, 12)).addDayOfWeek(r(0, 6)).build(),
                c.calendar());
        assertNull(c.interval());
        assertEquals("", c.timezone());

        assertTrue(assertThrows(SpecError.class, () -> CalendarParser.parseCron("0 1 2 3 4 1999")).getMessage()
                .contains("Year is not in range"));

        c = CalendarParser.parseCron("CRON_TZ=US/Pacific 55 55,57 5 2/2 * wed-thurs *  # explanation");
        assertEquals(StructuredCalendarSpec.newBuilder().addSecond(r(55)).addMinute(r(55)).addMinute(r(57))
                .addHour(r(5)).addDayOfMonth(r(2, 31, 2)).addMonth(r(1, 12)).addDayOfWeek(r(3, 4))
                .setComment("explanation").build(), c.calendar());
        assertEquals("US/Pacific", c.timezone());

        c = CalendarParser.parseCron("@monthly");
        assertEquals(StructuredCalendarSpec.newBuilder().addSecond(r(0)).addMinute(r(0)).addHour(r(0))
                .addDayOfMonth(r(1)).addMonth(r(1, 12)).addDayOfWeek(r(0, 6)).build(), c.calendar());

        c = CalendarParser.parseCron("@every 5d");
        assertNull(c.calendar());
        assertEquals(IntervalSpec.newBuilder().setInterval(seconds(5 * 86400)).build(), c.interval());

        c = CalendarParser.parseCron("@every 5h/45m");
        assertEquals(IntervalSpec.newBuilder().setInterval(seconds(5 * 3600)).setPhase(seconds(45 * 60)).build(),
                c.interval());
    }

    @Test
    void cronShapes() {
        Cron c = CalendarParser.parseCron("0 12 * * MON");
        assertEquals(StructuredCalendarSpec.newBuilder().addSecond(r(0)).addMinute(r(0)).addHour(r(12))
                .addDayOfMonth(r(1, 31)).addMonth(r(1, 12)).addDayOfWeek(r(1)).build(), c.calendar());
        c = CalendarParser.parseCron("30 0 12 * * * 2030");
        assertEquals(StructuredCalendarSpec.newBuilder().addSecond(r(30)).addMinute(r(0)).addHour(r(12))
                .addDayOfMonth(r(1, 31)).addMonth(r(1, 12)).addDayOfWeek(r(0, 6)).addYear(r(2030)).build(),
                c.calendar());
        c = CalendarParser.parseCron("0 0 1 1 * 2025-2030/5");
        assertEquals(List.of(r(2025, 2030, 5)), c.calendar().getYearList());
        assertEquals(CalendarParser.parseCron("0 0 1 1 *"), CalendarParser.parseCron("@yearly"));
        assertEquals(CalendarParser.parseCron("0 0 1 1 *"), CalendarParser.parseCron("@annually"));
        assertEquals(CalendarParser.parseCron("0 0 * * 0"), CalendarParser.parseCron("@weekly"));
        assertEquals(CalendarParser.parseCron("0 0 * * *"), CalendarParser.parseCron("@daily"));
        assertEquals(CalendarParser.parseCron("0 0 * * *"), CalendarParser.parseCron("@midnight"));
        assertEquals(CalendarParser.parseCron("0 * * * *"), CalendarParser.parseCron("@hourly"));
        assertEquals("c", CalendarParser.parseCron("@daily #c").calendar().getComment());
        assertEquals("Europe/London", CalendarParser.parseCron("TZ=Europe/London 0 0 * * *").timezone());
        assertEquals("", CalendarParser.parseCron("CRON_TZ= 0 0 * * *").timezone());
        assertEquals(6, CalendarParser.parseCron("\t0  12\n* *\u00a0sat ").calendar().getDayOfWeek(0).getStart());
    }

    @Test
    void everyStrings() {
        assertEquals(seconds(90), CalendarParser.parseCron("@every 90s # comment").interval().getInterval());
        assertEquals(Duration.newBuilder().setNanos(500_000_000).build(),
                CalendarParser.parseCron("@every 500ms").interval().getInterval());
        assertEquals(seconds(5400), CalendarParser.parseCron("@every 1h30m").interval().getInterval());
        assertEquals(seconds(14 * 3600), CalendarParser.parseCron("@every 14h").interval().getInterval());
        IntervalSpec zeroPhase = CalendarParser.parseCron("@every 1h/0s").interval();
        assertTrue(zeroPhase.hasPhase(), "an explicit phase is kept even when zero");
        assertTrue(!CalendarParser.parseCron("@every 1h/").interval().hasPhase());
        // Temporal drops the zone (and comment) of an @every string
        Cron c = CalendarParser.parseCron("CRON_TZ=Asia/Tokyo @every 1h");
        assertEquals("", c.timezone());
        assertEquals(IntervalSpec.newBuilder().setInterval(seconds(-300)).build(),
                CalendarParser.parseCron("@every -5m").interval(), "negative intervals are rejected later");
    }

    @Test
    void cronErrors() {
        assertEquals("CronString does not have interval after @every", cronError("@every"));
        assertEquals("time: invalid duration \" 5m\"", cronError("@every  5m"));
        assertEquals("time: missing unit in duration \"5\"", cronError("@every 5"));
        assertEquals("time: unknown unit \"x\" in duration \"5x\"", cronError("@every 1h/5x"));
        assertEquals("CronString has time zone but missing fields", cronError("TZ=Europe/London"));
        assertEquals("CronString does not have 5-7 fields", cronError("* * * *"));
        assertEquals("CronString does not have 5-7 fields", cronError("* * * * * * * *"));
        assertEquals("CronString does not have 5-7 fields", cronError(""));
        assertEquals("CronString does not have 5-7 fields", cronError("@reboot"));
        assertEquals("Minute is not in range [0-59]", cronError("60 * * * *"));
        assertEquals("Minute is not in range [0-59], DayOfMonth is not in range [1-31]", cronError("60 * 0 * *"));
    }

    private static String cronError(String cron) {
        return assertThrows(SpecError.class, () -> CalendarParser.parseCron(cron)).getMessage();
    }

    static Duration seconds(long s) {
        return Duration.newBuilder().setSeconds(s).build();
    }
}
