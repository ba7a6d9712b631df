package io.kairos.worker.schedules.spec;

import com.google.protobuf.Duration;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.schedule.v1.CalendarSpec;
import io.temporal.api.schedule.v1.IntervalSpec;
import io.temporal.api.schedule.v1.Range;
import io.temporal.api.schedule.v1.ScheduleSpec;
import io.temporal.api.schedule.v1.StructuredCalendarSpec;

import java.util.ArrayList;
import java.util.List;

/** Temporal's canonical and clean forms of a ScheduleSpec. */
public final class ScheduleSpecs {
    static final String ERROR_PREFIX = "Invalid schedule spec: ";
    private static final int MAX_COMMENT_BYTES = 200;
    private static final long SECOND_NANOS = 1_000_000_000L;

    private ScheduleSpecs() {
    }

    /**
     * Temporal's canonical form, which is what it stores and DescribeSchedule returns: calendar strings,
     * exclude calendar strings and cron strings become structured calendars (or intervals for "@every"),
     * a cron time zone moves to timezone_name, and everything is validated, including the time zone.
     *
     * @throws InvalidArgumentException "Invalid schedule spec: ..." with Temporal's text
     */
    public static ScheduleSpec canonicalize(ScheduleSpec spec) {
        try {
            ScheduleSpec canonical = canonicalForm(spec);
            Zones.rules(canonical); // Temporal compiles the spec, which loads the zone
            return canonical;
        } catch (SpecError e) {
            throw invalid(e.getMessage());
        }
    }

    /** Temporal's CleanSpec on a copy: in every structured range an end before start becomes start, step 0 becomes 1. */
    public static ScheduleSpec clean(ScheduleSpec spec) {
        ScheduleSpec.Builder b = spec.toBuilder();
        for (int i = 0; i < b.getStructuredCalendarCount(); i++) {
            b.setStructuredCalendar(i, cleanCalendar(b.getStructuredCalendar(i)));
        }
        for (int i = 0; i < b.getExcludeStructuredCalendarCount(); i++) {
            b.setExcludeStructuredCalendar(i, cleanCalendar(b.getExcludeStructuredCalendar(i)));
        }
        return b.build();
    }

    static InvalidArgumentException invalid(String detail) {
        return new InvalidArgumentException(ERROR_PREFIX + detail);
    }

    /** Canonicalization without loading the time zone; throws SpecError. */
    static ScheduleSpec canonicalForm(ScheduleSpec spec) {
        // the frontend checks proto duration validity before anything else
        for (IntervalSpec iv : spec.getIntervalList()) {
            if (iv.hasInterval()) {
                checkValid(iv.getInterval(), "interval");
            }
            if (iv.hasPhase()) {
                checkValid(iv.getPhase(), "phase");
            }
        }
        ScheduleSpec.Builder b = spec.toBuilder();
        for (CalendarSpec cal : spec.getCalendarList()) {
            b.addStructuredCalendar(CalendarParser.parseCalendar(cal));
        }
        b.clearCalendar();
        for (CalendarSpec cal : spec.getExcludeCalendarList()) {
            b.addExcludeStructuredCalendar(CalendarParser.parseCalendar(cal));
        }
        b.clearExcludeCalendar();

        String cronTz = null; // null: no cron string seen yet
        for (String cron : spec.getCronStringList()) {
            CalendarParser.Cron parsed = CalendarParser.parseCron(cron);
            if (cronTz != null && !parsed.timezone().equals(cronTz)) {
                throw new SpecError("conflicting timezone names"); // all must agree, present or not
            }
            cronTz = parsed.timezone();
            if (parsed.calendar() != null) {
                b.addStructuredCalendar(parsed.calendar());
            }
            if (parsed.interval() != null) {
                b.addInterval(parsed.interval());
            }
        }
        b.clearCronString();
        if (cronTz != null && !cronTz.isEmpty()) {
            String name = b.getTimezoneName();
            if ((!name.isEmpty() && !name.equals(cronTz)) || !b.getTimezoneData().isEmpty()) {
                throw new SpecError("conflicting timezone names");
            }
            b.setTimezoneName(cronTz);
        }

        // Temporal validates the structured calendars but not the exclude ones
        for (StructuredCalendarSpec cal : b.getStructuredCalendarList()) {
            validateCalendar(cal);
        }
        for (IntervalSpec iv : b.getIntervalList()) {
            validateInterval(iv);
        }
        return b.build();
    }

    static void validateCalendar(StructuredCalendarSpec cal) {
        List<String> errors = new ArrayList<>();
        checkRanges(cal.getSecondList(), "Second", 0, 59, errors);
        checkRanges(cal.getMinuteList(), "Minute", 0, 59, errors);
        checkRanges(cal.getHourList(), "Hour", 0, 23, errors);
        checkRanges(cal.getDayOfMonthList(), "DayOfMonth", 1, 31, errors);
        checkRanges(cal.getMonthList(), "Month", 1, 12, errors);
        checkRanges(cal.getYearList(), "Year", CalendarParser.MIN_YEAR, CalendarParser.MAX_YEAR, errors);
        checkRanges(cal.getDayOfWeekList(), "DayOfWeek", 0, 6, errors);
        if (CalendarParser.utf8Length(cal.getComment()) > MAX_COMMENT_BYTES) {
            errors.add("comment is too long");
        }
        if (!errors.isEmpty()) {
            throw new SpecError("invalid calendar spec: " + String.join(", ", errors));
        }
    }

    private static void checkRanges(List<Range> ranges, String field, int min, int max, List<String> errors) {
        for (Range r : ranges) {
            if (r.getStart() < min || r.getStart() > max) {
                errors.add(field + " Start is not in range [" + min + "-" + max + "]");
            }
            if (r.getEnd() != 0 && (r.getEnd() < r.getStart() || r.getEnd() > max)) {
                errors.add(field + " End is before Start or not in range [" + min + "-" + max + "]");
            }
            if (r.getStep() < 0) {
                errors.add(field + " has invalid Step");
            }
        }
    }

    static void validateInterval(IntervalSpec iv) {
        long interval = goNanos(iv.getInterval());
        long phase = goNanos(iv.getPhase());
        if (interval < SECOND_NANOS) {
            throw new SpecError("interval is too small");
        } else if (phase < 0) {
            throw new SpecError("phase is negative");
        } else if (phase >= interval) {
            throw new SpecError("phase cannot be greater than Interval");
        }
    }

    /** A proto Duration as Go's time.Duration (int64 nanoseconds), saturating like durationpb's AsDuration. */
    static long goNanos(Duration d) {
        long secs = d.getSeconds();
        int nanos = d.getNanos();
        long n;
        try {
            n = Math.addExact(Math.multiplyExact(secs, SECOND_NANOS), nanos);
        } catch (ArithmeticException overflow) {
            return secs < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return n;
    }

    private static void checkValid(Duration d, String what) {
        final long maxSeconds = 315_576_000_000L; // 10000 years, protobuf's limit
        String problem = null;
        if (d.getSeconds() < -maxSeconds) {
            problem = "exceeds -10000 years";
        } else if (d.getSeconds() > maxSeconds) {
            problem = "exceeds +10000 years";
        } else if (d.getNanos() <= -1_000_000_000 || d.getNanos() >= 1_000_000_000) {
            problem = "has out-of-range nanos";
        } else if ((d.getSeconds() > 0 && d.getNanos() < 0) || (d.getSeconds() < 0 && d.getNanos() > 0)) {
            problem = "has seconds and nanos with different signs";
        }
        if (problem != null) {
            StringBuilder text = new StringBuilder();
            if (d.getSeconds() != 0) {
                text.append("seconds:").append(d.getSeconds());
            }
            if (d.getNanos() != 0) {
                text.append(text.isEmpty() ? "" : " ").append("nanos:").append(d.getNanos());
            }
            throw new SpecError(what + " is not a valid duration: proto: duration (" + text + ") " + problem);
        }
    }

    private static StructuredCalendarSpec cleanCalendar(StructuredCalendarSpec cal) {
        StructuredCalendarSpec.Builder b = cal.toBuilder();
        cleanRanges(b.getSecondList(), b::setSecond);
        cleanRanges(b.getMinuteList(), b::setMinute);
        cleanRanges(b.getHourList(), b::setHour);
        cleanRanges(b.getDayOfMonthList(), b::setDayOfMonth);
        cleanRanges(b.getMonthList(), b::setMonth);
        cleanRanges(b.getYearList(), b::setYear);
        cleanRanges(b.getDayOfWeekList(), b::setDayOfWeek);
        return b.build();
    }

    private interface RangeSetter {
        void set(int index, Range r);
    }

    private static void cleanRanges(List<Range> ranges, RangeSetter setter) {
        List<Range> copy = List.copyOf(ranges);
        for (int i = 0; i < copy.size(); i++) {
            Range r = copy.get(i);
            Range.Builder rb = r.toBuilder();
            if (r.getEnd() < r.getStart()) {
                rb.setEnd(r.getStart());
            }
            if (r.getStep() == 0) {
                rb.setStep(1);
            }
            setter.set(i, rb.build());
        }
    }
}
