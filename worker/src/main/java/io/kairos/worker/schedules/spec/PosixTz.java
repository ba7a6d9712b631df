package io.kairos.worker.schedules.spec;

import java.time.LocalDate;
import java.time.Year;

/**
 * A POSIX TZ rule string as found in a TZif footer ("EST5EDT,M3.2.0,M11.1.0"), read and applied the way
 * Go's time package does (tzset): transition instants are computed per UTC year, a DST name without rules
 * means the US rules, rule times may range over +-167 hours.
 */
final class PosixTz {
    private static final int HOUR = 3600;
    private static final int DAY = 86400;

    private enum Kind { JULIAN, DAY_OF_YEAR, MONTH_WEEK_DAY }

    private record Rule(Kind kind, int day, int week, int month, int time) {
    }

    // offsets are seconds east of UTC (the string itself counts west)
    private final int stdOffset;
    private final int dstOffset;
    private final Rule start;
    private final Rule end;

    private PosixTz(int stdOffset, int dstOffset, Rule start, Rule end) {
        this.stdOffset = stdOffset;
        this.dstOffset = dstOffset;
        this.start = start;
        this.end = end;
    }

    /** The parsed rule, or null when Go would not accept the string (it then ignores the footer). */
    static PosixTz parse(String s) {
        Cursor c = new Cursor(s);
        if (!c.name()) {
            return null;
        }
        Integer std = c.offset();
        if (std == null) {
            return null;
        }
        if (c.atEnd() || c.peek() == ',') {
            return new PosixTz(-std, -std, null, null); // no daylight saving time
        }
        if (!c.name()) {
            return null;
        }
        int dst;
        if (c.atEnd() || c.peek() == ',') {
            dst = -std + HOUR;
        } else {
            Integer o = c.offset();
            if (o == null) {
                return null;
            }
            dst = -o;
        }
        if (c.atEnd()) {
            c = new Cursor(",M3.2.0,M11.1.0"); // Go's default: the US rules
        }
        if (c.peek() != ',' && c.peek() != ';') {
            return null;
        }
        c.pos++;
        Rule startRule = c.rule();
        if (startRule == null || c.atEnd() || c.peek() != ',') {
            return null;
        }
        c.pos++;
        Rule endRule = c.rule();
        if (endRule == null || !c.atEnd()) {
            return null;
        }
        return new PosixTz(-std, dst, startRule, endRule);
    }

    boolean hasDst() {
        return start != null;
    }

    /** Offset (seconds east) in effect at the given epoch second. */
    int offsetAt(long epochSecond) {
        if (!hasDst()) {
            return stdOffset;
        }
        int year = LocalDate.ofEpochDay(Math.floorDiv(epochSecond, DAY)).getYear();
        long yearStart = yearStart(year);
        long ysec = epochSecond - yearStart;
        long s = ruleTime(year, start, stdOffset);
        long e = ruleTime(year, end, dstOffset);
        int outside = stdOffset;
        int inside = dstOffset;
        if (e < s) {
            long t = s;
            s = e;
            e = t;
            outside = dstOffset;
            inside = stdOffset;
        }
        return ysec >= s && ysec < e ? inside : outside;
    }

    /** Epoch seconds at which the offset may change during the given year (start of year and both rules). */
    long[] changePoints(int year) {
        long yearStart = yearStart(year);
        if (!hasDst()) {
            return new long[] {yearStart};
        }
        return new long[] {yearStart, yearStart + ruleTime(year, start, stdOffset),
                yearStart + ruleTime(year, end, dstOffset)};
    }

    static long yearStart(int year) {
        return LocalDate.of(year, 1, 1).toEpochDay() * DAY;
    }

    /** Seconds from the start of the (UTC) year to the rule's instant, given the offset in effect before it. */
    private static long ruleTime(int year, Rule r, int offsetBefore) {
        boolean leap = Year.isLeap(year);
        long s = switch (r.kind) {
            case JULIAN -> (long) (r.day - 1 + (leap && r.day >= 60 ? 1 : 0)) * DAY; // Jn never counts Feb 29
            case DAY_OF_YEAR -> (long) r.day * DAY;
            case MONTH_WEEK_DAY -> {
                LocalDate first = LocalDate.of(year, r.month, 1);
                int firstDow = first.getDayOfWeek().getValue() % 7; // 0 = Sunday
                int d = Math.floorMod(r.day - firstDow, 7); // zero-based day of month of the first such weekday
                for (int i = 1; i < r.week && d + 7 < first.lengthOfMonth(); i++) {
                    d += 7; // week 5 means the last one
                }
                yield (long) (first.getDayOfYear() - 1 + d) * DAY;
            }
        };
        return s + r.time - offsetBefore;
    }

    /** Reading position in a TZ string, with Go's tzsetName/tzsetOffset/tzsetNum/tzsetRule rules. */
    private static final class Cursor {
        final String s;
        int pos;

        Cursor(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        char peek() {
            return s.charAt(pos);
        }

        boolean name() {
            if (atEnd()) {
                return false;
            }
            if (peek() != '<') {
                for (int i = pos; i < s.length(); i++) {
                    char ch = s.charAt(i);
                    if ((ch >= '0' && ch <= '9') || ch == ',' || ch == '-' || ch == '+') {
                        if (i - pos < 3) {
                            return false;
                        }
                        pos = i;
                        return true;
                    }
                }
                if (s.length() - pos < 3) {
                    return false;
                }
                pos = s.length();
                return true;
            }
            int close = s.indexOf('>', pos);
            if (close < 0) {
                return false;
            }
            pos = close + 1;
            return true;
        }

        /** [+-]hh[:mm[:ss]] in seconds, as written (west positive); null if malformed. */
        Integer offset() {
            if (atEnd()) {
                return null;
            }
            int sign = 1;
            if (peek() == '+') {
                pos++;
            } else if (peek() == '-') {
                sign = -1;
                pos++;
            }
            Integer hours = num(0, 24 * 7);
            if (hours == null) {
                return null;
            }
            int off = hours * HOUR;
            if (atEnd() || peek() != ':') {
                return sign * off;
            }
            pos++;
            Integer mins = num(0, 59);
            if (mins == null) {
                return null;
            }
            off += mins * 60;
            if (atEnd() || peek() != ':') {
                return sign * off;
            }
            pos++;
            Integer secs = num(0, 59);
            if (secs == null) {
                return null;
            }
            return sign * (off + secs);
        }

        Integer num(int min, int max) {
            if (atEnd()) {
                return null;
            }
            int n = 0;
            int begin = pos;
            while (!atEnd() && peek() >= '0' && peek() <= '9') {
                n = n * 10 + (peek() - '0');
                if (n > max) {
                    return null;
                }
                pos++;
            }
            if (pos == begin || n < min) {
                return null;
            }
            return n;
        }

        Rule rule() {
            if (atEnd()) {
                return null;
            }
            Kind kind;
            int day = 0;
            int week = 0;
            int month = 0;
            char first = peek();
            if (first == 'J') {
                pos++;
                Integer j = num(1, 365);
                if (j == null) {
                    return null;
                }
                kind = Kind.JULIAN;
                day = j;
            } else if (first >= '0' && first <= '9') {
                Integer n = num(0, 365);
                if (n == null) {
                    return null;
                }
                kind = Kind.DAY_OF_YEAR;
                day = n;
            } else if (first == 'M') {
                pos++;
                Integer m = num(1, 12);
                if (m == null || atEnd() || peek() != '.') {
                    return null;
                }
                pos++;
                Integer w = num(1, 5);
                if (w == null || atEnd() || peek() != '.') {
                    return null;
                }
                pos++;
                Integer d = num(0, 6);
                if (d == null) {
                    return null;
                }
                kind = Kind.MONTH_WEEK_DAY;
                month = m;
                week = w;
                day = d;
            } else {
                return null;
            }
            int time = 2 * HOUR;
            if (!atEnd() && peek() == '/') {
                pos++;
                Integer t = offset();
                if (t == null) {
                    return null;
                }
                time = t;
            }
            return new Rule(kind, day, week, month, time);
        }
    }
}
