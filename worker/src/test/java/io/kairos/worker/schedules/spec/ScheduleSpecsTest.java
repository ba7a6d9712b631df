package io.kairos.worker.schedules.spec;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.schedule.v1.CalendarSpec;
import io.temporal.api.schedule.v1.IntervalSpec;
import io.temporal.api.schedule.v1.ScheduleSpec;
import io.temporal.api.schedule.v1.StructuredCalendarSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.kairos.worker.schedules.spec.CalendarParserTest.r;
import static io.kairos.worker.schedules.spec.CalendarParserTest.seconds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ScheduleSpecsTest {
    private static final StructuredCalendarSpec FIVE_AND_SEVEN = StructuredCalendarSpec.newBuilder()
            .addSecond(r(0)).addMinute(r(23)).addHour(r(5)).addHour(r(7)).addDayOfMonth(r(1, 31))
            .addMonth(r(1, 12)).addDayOfWeek(r(0, 6)).build();

    private static String error(ScheduleSpec.Builder spec) {
        return assertThrows(InvalidArgumentException.class, () -> ScheduleSpecs.canonicalize(spec.build()))
                .getMessage();
    }

    private static ScheduleSpec canonical(ScheduleSpec.Builder spec) {
        return ScheduleSpecs.canonicalize(spec.build());
    }

    @Test
    void temporalCanonicalize() {
        assertEquals(ScheduleSpec.getDefaultInstance(), canonical(ScheduleSpec.newBuilder()));
        assertEquals(ScheduleSpec.newBuilder().addInterval(IntervalSpec.newBuilder().setInterval(seconds(43 * 3600)))
                .build(), canonical(ScheduleSpec.newBuilder().addCronString("@every 43h")));
        assertEquals(ScheduleSpec.newBuilder().addStructuredCalendar(FIVE_AND_SEVEN).build(),
                canonical(ScheduleSpec.newBuilder().addCalendar(CalendarSpec.newBuilder().setHour("5,7")
                        .setMinute("23"))));

        Timestamp start = Timestamp.newBuilder().setSeconds(1_647_993_600L).build();
        // no zone in the cron string: the spec's zone stays
        assertEquals(ScheduleSpec.newBuilder().addStructuredCalendar(FIVE_AND_SEVEN).setJitter(seconds(300))
                        .setStartTime(start).setTimezoneName("Europe/London").build(),
                canonical(ScheduleSpec.newBuilder().addCronString("23 5,7 * * *").setJitter(seconds(300))
                        .setStartTime(start).setTimezoneName("Europe/London")));
        // the same zone twice is fine
        assertEquals(ScheduleSpec.newBuilder().addStructuredCalendar(FIVE_AND_SEVEN)
                        .setTimezoneName("Europe/London").build(),
                canonical(ScheduleSpec.newBuilder().addCronString("CRON_TZ=Europe/London 23 5,7 * * *")
                        .setTimezoneName("Europe/London")));
        String conflict = "Invalid schedule spec: conflicting timezone names";
        assertEquals(conflict, error(ScheduleSpec.newBuilder().addCronString("CRON_TZ=America/New_York 23 5,7 * * *")
                .setTimezoneName("Europe/London")));
        assertEquals(conflict, error(ScheduleSpec.newBuilder().addCronString("CRON_TZ=Europe/London 23 5,7 * * *")
                .addCronString("CRON_TZ=America/New_York 23 5,7 * * *")));
        assertEquals(conflict, error(ScheduleSpec.newBuilder().addCronString("CRON_TZ=Europe/London 23 5,7 * * *")
                .addCronString("23 5,7 * * *")));
        assertEquals(conflict, error(ScheduleSpec.newBuilder().addCronString("23 5,7 * * *")
                .addCronString("CRON_TZ=Europe/London 23 5,7 * * *")));
        assertEquals(conflict, error(ScheduleSpec.newBuilder().addCronString("TZ=Europe/London 23 5,7 * * *")
                .setTimezoneData(ByteString.copyFromUtf8("TZif"))));
    }

    @Test
    void cronZoneMovesToTheSpec() {
        ScheduleSpec spec = canonical(ScheduleSpec.newBuilder().addCronString("CRON_TZ=Asia/Tokyo 0 9 * * *")
                .addCronString("TZ=Asia/Tokyo 0 18 * * *"));
        assertEquals("Asia/Tokyo", spec.getTimezoneName());
        assertEquals(0, spec.getCronStringCount());
        assertEquals(2, spec.getStructuredCalendarCount());
        // an @every string reports no zone, so it conflicts with a zoned cron string
        assertEquals("Invalid schedule spec: conflicting timezone names", error(ScheduleSpec.newBuilder()
                .addCronString("CRON_TZ=Asia/Tokyo 0 9 * * *").addCronString("CRON_TZ=Asia/Tokyo @every 1h")));
    }

    @Test
    void mondayNoonShapes() {
        ScheduleSpec spec = canonical(ScheduleSpec.newBuilder().addCronString("0 12 * * MON"));
        StructuredCalendarSpec cal = spec.getStructuredCalendar(0);
        assertEquals(List.of(r(0)), cal.getSecondList());
        assertEquals(List.of(r(0)), cal.getMinuteList());
        assertEquals(List.of(r(12)), cal.getHourList());
        assertEquals(List.of(r(1, 31)), cal.getDayOfMonthList());
        assertEquals(List.of(r(1, 12)), cal.getMonthList());
        assertEquals(List.of(r(1)), cal.getDayOfWeekList());
        assertEquals(List.of(), cal.getYearList());

        StructuredCalendarSpec clean = ScheduleSpecs.clean(spec).getStructuredCalendar(0);
        assertEquals(List.of(r(0, 0, 1)), clean.getSecondList());
        assertEquals(List.of(r(0, 0, 1)), clean.getMinuteList());
        assertEquals(List.of(r(12, 12, 1)), clean.getHourList());
        assertEquals(List.of(r(1, 31, 1)), clean.getDayOfMonthList());
        assertEquals(List.of(r(1, 12, 1)), clean.getMonthList());
        assertEquals(List.of(r(1, 1, 1)), clean.getDayOfWeekList());
        assertEquals(List.of(), clean.getYearList());
        assertEquals(List.of(r(0)), spec.getStructuredCalendar(0).getSecondList(), "clean works on a copy");
    }

    @Test
    void cleanCoversExcludesAndKeepsSteps() {
        ScheduleSpec spec = ScheduleSpec.newBuilder()
                .addExcludeStructuredCalendar(StructuredCalendarSpec.newBuilder().addHour(r(5, 0, 3))
                        .addYear(r(2030, 2020)).addMinute(r(0, 59, 5)))
                .build();
        StructuredCalendarSpec clean = ScheduleSpecs.clean(spec).getExcludeStructuredCalendar(0);
        assertEquals(List.of(r(5, 5, 3)), clean.getHourList());
        assertEquals(List.of(r(2030, 2030, 1)), clean.getYearList());
        assertEquals(List.of(r(0, 59, 5)), clean.getMinuteList());
    }

    @Test
    void excludeCalendarsBecomeStructuredAndAreNotValidated() {
        ScheduleSpec spec = canonical(ScheduleSpec.newBuilder()
                .addExcludeCalendar(CalendarSpec.newBuilder().setDayOfWeek("sat,sun").setHour("*").setComment("w"))
                .addExcludeStructuredCalendar(StructuredCalendarSpec.newBuilder().addSecond(r(100))));
        assertEquals(0, spec.getExcludeCalendarCount());
        assertEquals(2, spec.getExcludeStructuredCalendarCount());
        assertEquals(List.of(r(100)), spec.getExcludeStructuredCalendar(0).getSecondList());
        StructuredCalendarSpec weekend = spec.getExcludeStructuredCalendar(1);
        assertEquals(List.of(r(6), r(0)), weekend.getDayOfWeekList());
        assertEquals(List.of(r(0, 23)), weekend.getHourList());
        assertEquals("w", weekend.getComment());
    }

    @Test
    void structuredRangeErrors() {
        String prefix = "Invalid schedule spec: invalid calendar spec: ";
        assertEquals(prefix + "Second Start is not in range [0-59]", calendarError(b -> b.addSecond(r(100))));
        assertEquals(prefix + "Second Start is not in range [0-59]", calendarError(b -> b.addSecond(r(-3))));
        assertEquals(prefix + "Second End is before Start or not in range [0-59]",
                calendarError(b -> b.addSecond(r(30, 60))));
        assertEquals(prefix + "Second has invalid Step", calendarError(b -> b.addSecond(r(30, 40, -3))));
        assertEquals(prefix + "Minute Start is not in range [0-59]", calendarError(b -> b.addMinute(r(60))));
        assertEquals(prefix + "Hour End is before Start or not in range [0-23]", calendarError(b -> b.addHour(r(0, 24))));
        assertEquals(prefix + "Hour Start is not in range [0-23], Hour End is before Start or not in range [0-23]",
                calendarError(b -> b.addHour(r(24, 26))));
        assertEquals(prefix + "Hour End is before Start or not in range [0-23]",
                calendarError(b -> b.addHour(r(16, 12))));
        assertEquals(prefix + "DayOfMonth Start is not in range [1-31]", calendarError(b -> b.addDayOfMonth(r(0))));
        assertEquals(prefix + "DayOfMonth Start is not in range [1-31], "
                + "DayOfMonth End is before Start or not in range [1-31]",
                calendarError(b -> b.addDayOfMonth(r(0, 33))));
        assertEquals(prefix + "Month Start is not in range [1-12]", calendarError(b -> b.addMonth(r(0))));
        assertEquals(prefix + "DayOfWeek Start is not in range [0-6]", calendarError(b -> b.addDayOfWeek(r(7))));
        assertEquals(prefix + "DayOfWeek End is before Start or not in range [0-6]",
                calendarError(b -> b.addDayOfWeek(r(6, 7))));
        assertEquals(prefix + "Year Start is not in range [2000-2100]", calendarError(b -> b.addYear(r(1999))));
        assertEquals(prefix + "Year Start is not in range [2000-2100]", calendarError(b -> b.addYear(r(2112))));
        // all problems of one calendar, in field order
        assertEquals(prefix + "Second Start is not in range [0-59], Month Start is not in range [1-12], "
                + "comment is too long",
                calendarError(b -> b.addMonth(r(13)).addSecond(r(61)).setComment("x".repeat(201))));
        // the limit counts bytes
        canonical(ScheduleSpec.newBuilder().addStructuredCalendar(StructuredCalendarSpec.newBuilder()
                .setComment("\u00e9".repeat(100))));
        assertEquals(prefix + "comment is too long", calendarError(b -> b.setComment("\u00e9".repeat(101))));
    }

    private interface CalendarEdit {
        StructuredCalendarSpec.Builder apply(StructuredCalendarSpec.Builder b);
    }

    private static String calendarError(CalendarEdit edit) {
        return error(ScheduleSpec.newBuilder().addStructuredCalendar(edit.apply(StructuredCalendarSpec.newBuilder())));
    }

    @Test
    void intervalErrors() {
        assertEquals("Invalid schedule spec: interval is too small", error(ScheduleSpec.newBuilder()
                .addInterval(IntervalSpec.newBuilder().setInterval(seconds(-43 * 3600)))));
        assertEquals("Invalid schedule spec: interval is too small", error(ScheduleSpec.newBuilder()
                .addInterval(IntervalSpec.newBuilder().setInterval(Duration.newBuilder().setNanos(999_999_999)))));
        assertEquals("Invalid schedule spec: interval is too small", error(ScheduleSpec.newBuilder()
                .addInterval(IntervalSpec.getDefaultInstance())));
        assertEquals("Invalid schedule spec: phase cannot be greater than Interval", error(ScheduleSpec.newBuilder()
                .addInterval(IntervalSpec.newBuilder().setInterval(seconds(3 * 3600)).setPhase(seconds(4 * 3600)))));
        assertEquals("Invalid schedule spec: phase cannot be greater than Interval", error(ScheduleSpec.newBuilder()
                .addInterval(IntervalSpec.newBuilder().setInterval(seconds(60)).setPhase(seconds(60)))));
        assertEquals("Invalid schedule spec: phase is negative", error(ScheduleSpec.newBuilder()
                .addInterval(IntervalSpec.newBuilder().setInterval(seconds(60)).setPhase(seconds(-1)))));
        assertEquals("Invalid schedule spec: interval is too small",
                error(ScheduleSpec.newBuilder().addCronString("@every 500ms")));
        assertEquals("Invalid schedule spec: interval is not a valid duration: proto: duration (seconds:5 nanos:-1) "
                + "has seconds and nanos with different signs", error(ScheduleSpec.newBuilder().addInterval(
                IntervalSpec.newBuilder().setInterval(Duration.newBuilder().setSeconds(5).setNanos(-1)))));
        assertEquals("Invalid schedule spec: phase is not a valid duration: proto: duration (nanos:1000000000) "
                + "has out-of-range nanos", error(ScheduleSpec.newBuilder().addInterval(IntervalSpec.newBuilder()
                .setInterval(seconds(60)).setPhase(Duration.newBuilder().setNanos(1_000_000_000)))));
        ScheduleSpecs.canonicalize(ScheduleSpec.newBuilder().addInterval(IntervalSpec.newBuilder()
                .setInterval(seconds(1)).setPhase(Duration.newBuilder().setNanos(999_999_999))).build());
    }

    @Test
    void parseErrorsCarryThePrefix() {
        assertEquals("Invalid schedule spec: CronString does not have 5-7 fields",
                error(ScheduleSpec.newBuilder().addCronString("* * *")));
        assertEquals("Invalid schedule spec: Hour is not in range [0-23]",
                error(ScheduleSpec.newBuilder().addCalendar(CalendarSpec.newBuilder().setHour("24"))));
        assertEquals("Invalid schedule spec: DayOfMonth is not in range [1-31]",
                error(ScheduleSpec.newBuilder().addExcludeCalendar(CalendarSpec.newBuilder().setDayOfMonth("32"))));
        // calendars are parsed before cron strings
        assertEquals("Invalid schedule spec: Hour is not in range [0-23]", error(ScheduleSpec.newBuilder()
                .addCronString("* * *").addCalendar(CalendarSpec.newBuilder().setHour("24"))));
    }

    @Test
    void timeZones() {
        assertEquals("Invalid schedule spec: unknown time zone Nowhere/Land",
                error(ScheduleSpec.newBuilder().setTimezoneName("Nowhere/Land")));
        assertEquals("Invalid schedule spec: unknown time zone Nowhere/Land",
                error(ScheduleSpec.newBuilder().addCronString("CRON_TZ=Nowhere/Land * * * * *")));
        assertEquals("Invalid schedule spec: time: invalid location name",
                error(ScheduleSpec.newBuilder().setTimezoneName("../etc/passwd")));
        assertEquals("Invalid schedule spec: time: invalid location name",
                error(ScheduleSpec.newBuilder().setTimezoneName("/etc/localtime")));
        assertEquals("Invalid schedule spec: unknown time zone SystemV/EST5",
                error(ScheduleSpec.newBuilder().setTimezoneName("SystemV/EST5")));
        assertEquals("Invalid schedule spec: unknown time zone +05:00",
                error(ScheduleSpec.newBuilder().setTimezoneName("+05:00")));
        assertEquals("Invalid schedule spec: unknown time zone america/new_york",
                error(ScheduleSpec.newBuilder().setTimezoneName("america/new_york")));
        for (String ok : List.of("UTC", "Local", "EST", "GMT+0", "Etc/GMT+5", "US/Pacific", "Cuba")) {
            assertEquals(ok, canonical(ScheduleSpec.newBuilder().setTimezoneName(ok)).getTimezoneName());
        }
    }

    @Test
    void canonicalizeIsIdempotent() {
        ScheduleSpec once = canonical(ScheduleSpec.newBuilder().setTimezoneName("Europe/Paris")
                .addCronString("*/5 9-17 * * 1-5")
                .addCalendar(CalendarSpec.newBuilder().setMonth("jan-mar").setDayOfWeek("7"))
                .addExcludeCalendar(CalendarSpec.newBuilder().setYear("2030"))
                .addCronString("@every 2h/30m"));
        assertEquals(once, ScheduleSpecs.canonicalize(once));
        ScheduleSpecs.canonicalize(ScheduleSpecs.clean(once)); // the clean form is valid input too
        assertEquals(List.of(r(1, 3)), once.getStructuredCalendar(0).getMonthList());
        assertEquals(List.of(r(0)), once.getStructuredCalendar(0).getDayOfWeekList());
        assertEquals(List.of(r(9, 17)), once.getStructuredCalendar(1).getHourList());
        assertEquals(List.of(r(0, 59, 5)), once.getStructuredCalendar(1).getMinuteList());
        assertEquals(IntervalSpec.newBuilder().setInterval(seconds(7200)).setPhase(seconds(1800)).build(),
                once.getInterval(0));
        assertEquals(List.of(r(2030)), once.getExcludeStructuredCalendar(0).getYearList());
    }
}
