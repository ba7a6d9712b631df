package io.kairos.matching;

import java.time.Duration;

/**
 * Go's {@code time.Duration.String()}: what Temporal's matching writes into a Nexus request's request-timeout header
 * ("9.5s", "250ms", "1m0.5s"), and what the SDKs' handlers parse.
 */
final class GoDuration {
    private GoDuration() {
    }

    static String format(Duration d) {
        long n;
        try {
            n = d.toNanos();
        } catch (ArithmeticException e) {
            n = d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        if (n == 0) {
            return "0s";
        }
        String sign = n < 0 ? "-" : "";
        long u = n == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(n);
        if (u < 1_000_000_000L) {
            if (u < 1_000L) {
                return sign + u + "ns";
            }
            if (u < 1_000_000L) {
                return sign + (u / 1_000L) + fraction(u % 1_000L, 3) + "µs";
            }
            return sign + (u / 1_000_000L) + fraction(u % 1_000_000L, 6) + "ms";
        }
        long seconds = u / 1_000_000_000L;
        String out = (seconds % 60) + fraction(u % 1_000_000_000L, 9) + "s";
        long minutes = seconds / 60;
        if (minutes > 0) {
            out = (minutes % 60) + "m" + out;
            long hours = minutes / 60;
            if (hours > 0) {
                out = hours + "h" + out;
            }
        }
        return sign + out;
    }

    /** ".5" for 500 of 3 digits; "" for 0: Go drops trailing zeros and a bare point. */
    private static String fraction(long value, int digits) {
        if (value == 0) {
            return "";
        }
        String s = String.format("%0" + digits + "d", value);
        int end = s.length();
        while (s.charAt(end - 1) == '0') {
            end--;
        }
        return "." + s.substring(0, end);
    }
}
