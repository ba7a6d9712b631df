package io.kairos.worker.schedules.spec;

import io.temporal.api.schedule.v1.Range;
import io.temporal.api.schedule.v1.StructuredCalendarSpec;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.BitSet;
import java.util.List;

/**
 * One structured calendar compiled to bit sets, matched against local (wall clock) date-times given as
 * seconds since 1970-01-01T00:00 local. A local time matches when every field matches (day of month and
 * day of week both, unlike classic cron). Zones are handled by the caller.
 */
final class CalendarMatcher {
    /** No matching time (through the end of year 2100). */
    static final long NONE = Long.MIN_VALUE;
    static final int MAX_YEAR = CalendarParser.MAX_YEAR;
    private static final int YEAR_LIMIT = 2200; // unvalidated exclude years beyond this can never matter

    private final long seconds;
    private final long minutes;
    private final long hours;
    private final long daysOfMonth;
    private final long months;
    private final long daysOfWeek; // 0 = Sunday
    private final BitSet years; // null: every year

    private CalendarMatcher(StructuredCalendarSpec cal) {
        seconds = bits(cal.getSecondList());
        minutes = bits(cal.getMinuteList());
        hours = bits(cal.getHourList());
        daysOfMonth = bits(cal.getDayOfMonthList());
        months = bits(cal.getMonthList());
        daysOfWeek = bits(cal.getDayOfWeekList());
        if (cal.getYearCount() == 0) {
            years = null; // an empty year list is every year; for the other fields it is no value at all
        } else {
            BitSet set = new BitSet();
            forEachValue(cal.getYearList(), YEAR_LIMIT, set::set);
            years = set;
        }
    }

    static CalendarMatcher of(StructuredCalendarSpec cal) {
        return new CalendarMatcher(cal);
    }

    private static long bits(List<Range> ranges) {
        long[] acc = new long[1];
        forEachValue(ranges, 63, v -> acc[0] |= 1L << v);
        return acc[0];
    }

    private interface IntSink {
        void accept(int v);
    }

    /** Values of the ranges within [0, limit]; end before start means just start, step 0 means 1. */
    private static void forEachValue(List<Range> ranges, int limit, IntSink sink) {
        for (Range r : ranges) {
            long start = r.getStart();
            long end = Math.max(r.getEnd(), r.getStart());
            long step = r.getStep() == 0 ? 1 : r.getStep();
            if (step < 0) {
                // only unvalidated excludes get here; Temporal would loop forever, take just the start
                end = start;
                step = 1;
            }
            if (start < 0) {
                start += ((-start + step - 1) / step) * step; // first value at or above 0
            }
            for (long v = start; v <= Math.min(end, limit); v += step) {
                sink.accept((int) v);
            }
        }
    }

    boolean matchesLocal(long local) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(local, 0, ZoneOffset.UTC);
        return yearMatches(t.getYear()) && has(months, t.getMonthValue()) && has(daysOfMonth, t.getDayOfMonth())
                && has(daysOfWeek, t.getDayOfWeek().getValue() % 7) && has(hours, t.getHour())
                && has(minutes, t.getMinute()) && has(seconds, t.getSecond());
    }

    private boolean yearMatches(int y) {
        return years == null || (y >= 0 && years.get(y));
    }

    private static boolean has(long bits, int v) {
        return (bits & (1L << v)) != 0;
    }

    /** The earliest matching local time at or after {@code from}, or NONE when there is none through 2100. */
    long nextLocal(long from) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(from, 0, ZoneOffset.UTC);
        int y = t.getYear();
        int mo = t.getMonthValue();
        int d = t.getDayOfMonth();
        int h = t.getHour();
        int mi = t.getMinute();
        int s = t.getSecond();
        while (true) {
            // carry over after a field ran past its end
            if (s >= 60) {
                mi++;
                s = 0;
            }
            if (mi >= 60) {
                h++;
                mi = 0;
            }
            if (h >= 24) {
                d++;
                h = 0;
            }
            if (d > lengthOfMonth(y, mo)) {
                mo++;
                d = 1;
            }
            if (mo > 12) {
                y++;
                mo = 1;
            }
            if (y > MAX_YEAR) {
                return NONE;
            }
            // outermost field first; moving a field resets all inner ones
            if (years != null) {
                int ny = years.nextSetBit(Math.max(y, 0));
                if (ny < 0 || ny > MAX_YEAR) {
                    return NONE;
                }
                if (ny != y) {
                    y = ny;
                    mo = 1;
                    d = 1;
                    h = 0;
                    mi = 0;
                    s = 0;
                }
            }
            int nmo = nextBit(months, mo, 12);
            if (nmo != mo) {
                if (nmo < 0) {
                    mo = 13;
                } else {
                    mo = nmo;
                }
                d = 1;
                h = 0;
                mi = 0;
                s = 0;
                continue;
            }
            int nd = nextDay(y, mo, d);
            if (nd != d) {
                d = nd < 0 ? 32 : nd;
                h = 0;
                mi = 0;
                s = 0;
                continue;
            }
            int nh = nextBit(hours, h, 23);
            if (nh != h) {
                h = nh < 0 ? 24 : nh;
                mi = 0;
                s = 0;
                continue;
            }
            int nmi = nextBit(minutes, mi, 59);
            if (nmi != mi) {
                mi = nmi < 0 ? 60 : nmi;
                s = 0;
                continue;
            }
            int ns = nextBit(seconds, s, 59);
            if (ns < 0) {
                s = 60;
                continue;
            }
            return LocalDate.of(y, mo, d).toEpochDay() * 86400 + h * 3600L + mi * 60L + ns;
        }
    }

    /** The first day of the month at or after {@code d} matching both day of month and day of week, or -1. */
    private int nextDay(int y, int mo, int d) {
        int length = lengthOfMonth(y, mo);
        int dow = -1;
        for (int day = nextBit(daysOfMonth, d, length); day > 0; day = nextBit(daysOfMonth, day + 1, length)) {
            if (dow < 0) {
                dow = LocalDate.of(y, mo, day).getDayOfWeek().getValue() % 7;
            } else {
                dow = (dow + day - d) % 7;
            }
            d = day;
            if (has(daysOfWeek, dow)) {
                return day;
            }
        }
        return -1;
    }

    /** The smallest set bit at or above {@code from} and at most {@code max}, or -1. */
    private static int nextBit(long bits, int from, int max) {
        if (from > max || from > 63) {
            return -1;
        }
        long rest = bits & (-1L << from);
        if (rest == 0) {
            return -1;
        }
        int v = Long.numberOfTrailingZeros(rest);
        return v > max ? -1 : v;
    }

    private static int lengthOfMonth(int y, int mo) {
        return switch (mo) {
            case 2 -> (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }
}
