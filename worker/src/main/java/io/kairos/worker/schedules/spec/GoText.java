package io.kairos.worker.schedules.spec;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few pieces of Go's standard library whose exact behaviour (and error text) leaks through Temporal's
 * schedule API: white space, integer and duration parsing, string quoting.
 */
final class GoText {
    private GoText() {
    }

    /** A parse failure carrying the text Go's library would have produced. */
    static final class GoError extends Exception {
        GoError(String message) {
            super(message, null, false, false);
        }
    }

    /** Go's unicode.IsSpace. */
    static boolean isSpace(int c) {
        switch (c) {
            case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0:
                return true;
            default:
                if (c < 0x100) {
                    return false;
                }
                int type = Character.getType(c);
                return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
                        || type == Character.PARAGRAPH_SEPARATOR;
        }
    }

    /** Go's strings.TrimSpace. */
    static String trimSpace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.codePointAt(start))) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (end > start && isSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    /** Go's strconv.Quote, close enough for error messages (printable text unchanged, controls escaped). */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case 0x07 -> b.append("\\a");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case 0x0B -> b.append("\\v");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        b.append(String.format("\\x%02x", c));
                    } else if (Character.isISOControl(c) || !Character.isDefined(c)) {
                        b.append(c <= 0xFFFF ? String.format("\\u%04x", c) : String.format("\\U%08x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.append('"').toString();
    }

    /** Go's strconv.Atoi on a 64-bit platform, including its error text. */
    static long atoi(String s) throws GoError {
        int i = 0;
        boolean neg = false;
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            neg = s.charAt(0) == '-';
            i = 1;
        }
        if (i == s.length()) {
            throw new GoError("strconv.Atoi: parsing " + quote(s) + ": invalid syntax");
        }
        long limit = neg ? Long.MIN_VALUE : -Long.MAX_VALUE; // accumulate negatively to reach MIN_VALUE
        long acc = 0;
        boolean overflow = false;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new GoError("strconv.Atoi: parsing " + quote(s) + ": invalid syntax");
            }
            int digit = c - '0';
            if (overflow || acc < (limit + digit) / 10) {
                overflow = true; // keep scanning: a later bad character is still a syntax error
                continue;
            }
            acc = acc * 10 - digit;
        }
        if (overflow) {
            throw new GoError("strconv.Atoi: parsing " + quote(s) + ": value out of range");
        }
        return neg ? acc : -acc;
    }

    private static final Pattern DAYS = Pattern.compile("(\\d+(\\.\\d*)?|(\\.\\d+))d");

    /** Temporal's timestamp.ParseDuration: Go's time.ParseDuration plus "d" for 24 hours. Returns nanoseconds. */
    static long parseTemporalDuration(String s) throws GoError {
        Matcher m = DAYS.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String number = m.group(1);
            // Temporal rewrites "Nd" as "%fh" of 24*N, i.e. with exactly six decimals, rounded half-even
            String hours = new BigDecimal(24 * Double.parseDouble(number)).setScale(6, RoundingMode.HALF_EVEN)
                    .toPlainString() + "h";
            m.appendReplacement(out, Matcher.quoteReplacement(hours));
        }
        m.appendTail(out);
        return parseDuration(out.toString());
    }

    private static final long TWO_63 = Long.MIN_VALUE; // 1<<63 as an unsigned value

    /** Go's time.ParseDuration, including its error text. Returns nanoseconds. */
    static long parseDuration(String orig) throws GoError {
        String s = orig;
        boolean neg = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return 0;
        }
        if (s.isEmpty()) {
            throw invalid(orig);
        }
        long d = 0; // unsigned
        int p = 0;
        while (p < s.length()) {
            char c = s.charAt(p);
            if (!(c == '.' || (c >= '0' && c <= '9'))) {
                throw invalid(orig);
            }
            int before = p;
            long v = 0; // unsigned
            while (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
                if (Long.compareUnsigned(v, Long.divideUnsigned(TWO_63, 10)) > 0) {
                    throw invalid(orig);
                }
                v = v * 10 + (s.charAt(p) - '0');
                if (Long.compareUnsigned(v, TWO_63) > 0) {
                    throw invalid(orig);
                }
                p++;
            }
            boolean pre = p != before;
            boolean post = false;
            long f = 0;
            double scale = 1;
            if (p < s.length() && s.charAt(p) == '.') {
                p++;
                int fracStart = p;
                boolean overflow = false;
                while (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
                    if (!overflow) {
                        if (Long.compareUnsigned(f, Long.MAX_VALUE / 10) > 0) {
                            overflow = true; // further digits are consumed but ignored
                        } else {
                            long y = f * 10 + (s.charAt(p) - '0');
                            if (Long.compareUnsigned(y, TWO_63) > 0) {
                                overflow = true;
                            } else {
                                f = y;
                                scale *= 10;
                            }
                        }
                    }
                    p++;
                }
                post = p != fracStart;
            }
            if (!pre && !post) {
                throw invalid(orig);
            }
            int unitStart = p;
            while (p < s.length() && s.charAt(p) != '.' && (s.charAt(p) < '0' || s.charAt(p) > '9')) {
                p++;
            }
            if (p == unitStart) {
                throw new GoError("time: missing unit in duration " + quote(orig));
            }
            String u = s.substring(unitStart, p);
            long unit = switch (u) {
                case "ns" -> 1L;
                case "us", "\u00b5s", "\u03bcs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> throw new GoError("time: unknown unit " + quote(u) + " in duration " + quote(orig));
            };
            if (Long.compareUnsigned(v, Long.divideUnsigned(TWO_63, unit)) > 0) {
                throw invalid(orig);
            }
            v *= unit;
            if (f != 0) {
                double fd = f < 0 ? 0x1p63 : (double) f; // f is at most 1<<63
                v += (long) (fd * (unit / scale));
                if (Long.compareUnsigned(v, TWO_63) > 0) {
                    throw invalid(orig);
                }
            }
            d += v;
            if (Long.compareUnsigned(d, TWO_63) > 0) {
                throw invalid(orig);
            }
        }
        if (neg) {
            return -d; // -(1<<63) wraps to itself, which is Go's minimum duration too
        }
        if (d < 0) {
            throw invalid(orig);
        }
        return d;
    }

    private static GoError invalid(String orig) {
        return new GoError("time: invalid duration " + quote(orig));
    }
}
