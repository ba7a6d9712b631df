package io.kairos.worker.schedules.spec;

import com.google.protobuf.Duration;
import io.kairos.worker.schedules.spec.GoText.GoError;
import io.temporal.api.schedule.v1.CalendarSpec;
import io.temporal.api.schedule.v1.IntervalSpec;
import io.temporal.api.schedule.v1.Range;
import io.temporal.api.schedule.v1.StructuredCalendarSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Turns CalendarSpec strings and cron strings into Temporal's structured form. Error texts are Temporal's. */
final class CalendarParser {
    static final int MIN_YEAR = 2000;
    static final int MAX_YEAR = 2100;

    /** How a single value may be spelled, besides a decimal integer. */
    enum Mode { INT, YEAR, MONTH, DOW }

    private static final String[] MONTHS = {"january", "february", "march", "april", "may", "june", "july",
            "august", "september", "october", "november", "december"};
    private static final String[] WEEKDAYS = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
            "saturday"};

    /** Result of one cron string: exactly one of calendar and interval is set. */
    record Cron(StructuredCalendarSpec calendar, IntervalSpec interval, String timezone) {
    }

    private CalendarParser() {
    }

    /** A CalendarSpec (string fields, defaults applied) as a StructuredCalendarSpec; errors of all fields joined. */
    static StructuredCalendarSpec parseCalendar(CalendarSpec cal) {
        List<String> errors = new ArrayList<>();
        StructuredCalendarSpec.Builder b = StructuredCalendarSpec.newBuilder();
        // the field order here is the order Temporal reports errors in
        b.addAllSecond(rangeOrError(cal.getSecond(), "Second", "0", 0, 59, Mode.INT, errors));
        b.addAllMinute(rangeOrError(cal.getMinute(), "Minute", "0", 0, 59, Mode.INT, errors));
        b.addAllHour(rangeOrError(cal.getHour(), "Hour", "0", 0, 23, Mode.INT, errors));
        b.addAllDayOfWeek(rangeOrError(cal.getDayOfWeek(), "DayOfWeek", "*", 0, 7, Mode.DOW, errors));
        b.addAllDayOfMonth(rangeOrError(cal.getDayOfMonth(), "DayOfMonth", "*", 1, 31, Mode.INT, errors));
        b.addAllMonth(rangeOrError(cal.getMonth(), "Month", "*", 1, 12, Mode.MONTH, errors));
        b.addAllYear(rangeOrError(cal.getYear(), "Year", "*", MIN_YEAR, MAX_YEAR, Mode.YEAR, errors));
        b.setComment(cal.getComment());
        if (!errors.isEmpty()) {
            throw new SpecError(String.join(", ", errors));
        }
        return b.build();
    }

    private static List<Range> rangeOrError(String s, String field, String def, int min, int max, Mode mode,
                                            List<String> errors) {
        try {
            return makeRange(s, field, def, min, max, mode);
        } catch (SpecError e) {
            errors.add(e.getMessage());
            return List.of();
        }
    }

    /**
     * Parses a range string: "*", "x", "x-z", "x-z/y", "x/y" (x to max by y), comma separated lists of those.
     * Produces Temporal's compact ranges (end 0 when equal to start, step 0 when 1); "*" for a year is empty.
     */
    static List<Range> makeRange(String s, String field, String def, int min, int max, Mode mode) {
        s = GoText.trimSpace(s);
        if (s.isEmpty()) {
            s = def;
        }
        if (s.equals("*") && mode == Mode.YEAR) {
            return List.of();
        }
        List<Range> ranges = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            long step = 1;
            boolean hasStep = false;
            int slashes = count(part, '/');
            if (slashes > 1) {
                throw new SpecError(field + " has too many slashes");
            }
            if (slashes == 1) {
                int slash = part.indexOf('/');
                String stepText = part.substring(slash + 1);
                if (stepText.isEmpty()) {
                    throw new SpecError(field + " missing step value");
                }
                part = part.substring(0, slash);
                try {
                    step = GoText.atoi(stepText);
                } catch (GoError e) {
                    throw new SpecError(e.getMessage());
                }
                if (step < 1) {
                    throw new SpecError(field + " has invalid Step");
                }
                hasStep = true;
            }
            int start = min;
            int end = max;
            if (!part.equals("*")) {
                if (part.indexOf('-') >= 0) {
                    if (count(part, '-') > 1) {
                        throw new SpecError(field + " has too many dashes");
                    }
                    int dash = part.indexOf('-');
                    Integer v = parseValue(part.substring(0, dash), min, max, mode);
                    if (v == null) {
                        throw new SpecError(field + " Start is not in range [" + min + "-" + max + "]");
                    }
                    start = v;
                    v = parseValue(part.substring(dash + 1), start, max, mode);
                    if (v == null) {
                        throw new SpecError(field + " End is before Start or not in range [" + min + "-" + max + "]");
                    }
                    end = v;
                } else {
                    Integer v = parseValue(part, min, max, mode);
                    if (v == null) {
                        throw new SpecError(field + " is not in range [" + min + "-" + max + "]");
                    }
                    start = v;
                    if (!hasStep) {
                        end = start; // "x/y" runs to max, a bare "x" is just x
                    }
                }
            }
            if (mode == Mode.DOW && end == 7) {
                // 7 is Sunday (0). Temporal keeps a single range when it can and otherwise adds a
                // separate {0}; note it only adds it for start > 1 when step is 1, so "1-7" drops Sunday.
                if ((7 - start) % step == 0 && (step > 1 || start > 1)) {
                    ranges.add(Range.newBuilder().setStart(0).build());
                    if (start == 7) {
                        continue;
                    }
                }
                end = 6;
            }
            if (start == end) {
                end = 0;
            }
            if (step == 1) {
                step = 0;
            }
            // Temporal narrows the step to int32 without a check; keep that
            ranges.add(Range.newBuilder().setStart(start).setEnd(end).setStep((int) step).build());
        }
        return ranges;
    }

    /** One value: a decimal, or a month / weekday name prefix; null when unparseable or outside [min, max]. */
    static Integer parseValue(String s, int min, int max, Mode mode) {
        if (mode == Mode.MONTH && utf8Length(s) >= 3) {
            Integer named = byPrefix(MONTHS, s, 1);
            if (named != null) {
                return named >= min && named <= max ? named : null;
            }
        } else if (mode == Mode.DOW && utf8Length(s) >= 2) {
            Integer named = byPrefix(WEEKDAYS, s, 0);
            if (named != null) {
                return named >= min && named <= max ? named : null;
            }
        }
        long v;
        try {
            v = GoText.atoi(s);
        } catch (GoError e) {
            return null;
        }
        return v >= min && v <= max ? (int) v : null;
    }

    private static Integer byPrefix(String[] names, String s, int first) {
        String lower = s.toLowerCase(Locale.ROOT);
        for (int i = 0; i < names.length; i++) {
            if (names[i].startsWith(lower)) {
                return i + first;
            }
        }
        return null;
    }

    /**
     * Parses a cron string: optional "CRON_TZ=zone " or "TZ=zone " prefix, optional "# comment",
     * then 5 fields (minute hour day-of-month month day-of-week), 6 (+ year), 7 (second first, + year),
     * a predefined "@daily" etc, or "@every duration[/phase]".
     */
    static Cron parseCron(String c) {
        String tzName = "";
        c = GoText.trimSpace(c);
        if (c.startsWith("TZ=") || c.startsWith("CRON_TZ=")) {
            int space = c.indexOf(' ');
            if (space < 0) {
                throw new SpecError("CronString has time zone but missing fields");
            }
            String tz = c.substring(0, space);
            c = c.substring(space + 1);
            tzName = tz.substring(tz.indexOf('=') + 1);
        }
        String comment = "";
        int hash = c.indexOf('#');
        if (hash >= 0) {
            comment = c.substring(hash + 1);
            c = c.substring(0, hash);
        }
        c = GoText.trimSpace(c);
        comment = GoText.trimSpace(comment);

        if (c.startsWith("@every")) {
            // Temporal drops both the comment and the CRON_TZ of an @every string
            return new Cron(null, parseEvery(c), "");
        }
        c = switch (c) {
            case "@yearly", "@annually" -> "0 0 1 1 *";
            case "@monthly" -> "0 0 1 * *";
            case "@weekly" -> "0 0 * * 0";
            case "@daily", "@midnight" -> "0 0 * * *";
            case "@hourly" -> "0 * * * *";
            default -> c;
        };
        List<String> fields = fields(c);
        CalendarSpec.Builder cal = CalendarSpec.newBuilder().setComment(comment);
        switch (fields.size()) {
            case 5 -> cal.setMinute(fields.get(0)).setHour(fields.get(1)).setDayOfMonth(fields.get(2))
                    .setMonth(fields.get(3)).setDayOfWeek(fields.get(4));
            case 6 -> cal.setMinute(fields.get(0)).setHour(fields.get(1)).setDayOfMonth(fields.get(2))
                    .setMonth(fields.get(3)).setDayOfWeek(fields.get(4)).setYear(fields.get(5));
            case 7 -> cal.setSecond(fields.get(0)).setMinute(fields.get(1)).setHour(fields.get(2))
                    .setDayOfMonth(fields.get(3)).setMonth(fields.get(4)).setDayOfWeek(fields.get(5))
                    .setYear(fields.get(6));
            default -> throw new SpecError("CronString does not have 5-7 fields");
        }
        return new Cron(parseCalendar(cal.build()), null, tzName);
    }

    private static IntervalSpec parseEvery(String c) {
        int space = c.indexOf(' ');
        if (space < 0) {
            throw new SpecError("CronString does not have interval after @every");
        }
        String interval = c.substring(space + 1);
        String phase = "";
        int slash = interval.indexOf('/');
        if (slash >= 0) {
            phase = interval.substring(slash + 1);
            interval = interval.substring(0, slash);
        }
        try {
            IntervalSpec.Builder b = IntervalSpec.newBuilder().setInterval(
                    durationOfNanos(GoText.parseTemporalDuration(interval)));
            if (!phase.isEmpty()) {
                b.setPhase(durationOfNanos(GoText.parseTemporalDuration(phase)));
            }
            return b.build();
        } catch (GoError e) {
            throw new SpecError(e.getMessage());
        }
    }

    static Duration durationOfNanos(long nanos) {
        // like durationpb.New: seconds and nanos share the sign
        return Duration.newBuilder().setSeconds(nanos / 1_000_000_000L).setNanos((int) (nanos % 1_000_000_000L))
                .build();
    }

    /** Go's strings.Fields: split around runs of Unicode white space, stopping after 8 (more is an error anyway). */
    private static List<String> fields(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length() && out.size() < 8) {
            while (i < s.length() && GoText.isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            int start = i;
            while (i < s.length() && !GoText.isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }

    static int utf8Length(CharSequence s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                n++;
            } else if (ch < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(ch) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
