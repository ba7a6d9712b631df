package io.kairos.persistence.visibility.query;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;

/** Converts query literals to typed SQL parameters, as Temporal's query converter accepts them. */
final class QueryValues {
    static final Map<String, WorkflowExecutionStatus> STATUS_NAMES = Map.of(
            "Running", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
            "Completed", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
            "Failed", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
            "Canceled", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
            "Terminated", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
            "ContinuedAsNew", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW,
            "TimedOut", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT);

    private QueryValues() {
    }

    static QueryException mismatch(String attr, String type, Ast.Literal v) {
        return QueryException.invalid("invalid value " + v.describe() + " at position " + v.pos() + " for search attribute "
                + attr + " of type " + type);
    }

    static String keyword(String attr, Ast.Literal v) {
        if (v.kind() != Token.Kind.STRING) {
            throw mismatch(attr, "Keyword", v);
        }
        return v.text();
    }

    static long integer(String attr, Ast.Literal v) {
        if (v.kind() == Token.Kind.NUMBER) {
            try {
                return Long.parseLong(v.text());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw mismatch(attr, "Int", v);
    }

    static double dbl(String attr, Ast.Literal v) {
        if (v.kind() == Token.Kind.NUMBER) {
            try {
                return Double.parseDouble(v.text());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw mismatch(attr, "Double", v);
    }

    static boolean bool(String attr, Ast.Literal v) {
        String s = v.text().toLowerCase(Locale.ROOT);
        if ((v.kind() == Token.Kind.KEYWORD || v.kind() == Token.Kind.STRING) && (s.equals("true") || s.equals("false"))) {
            return s.equals("true");
        }
        throw mismatch(attr, "Bool", v);
    }

    /** RFC3339 strings, or a number of nanoseconds since the epoch. */
    static OffsetDateTime datetime(String attr, Ast.Literal v) {
        if (v.kind() == Token.Kind.NUMBER) {
            long nanos = integer(attr, v);
            return Instant.ofEpochSecond(0, nanos).atOffset(ZoneOffset.UTC);
        }
        if (v.kind() == Token.Kind.STRING) {
            OffsetDateTime t = parseRfc3339(v.text());
            // Postgres timestamps span 4713 BC to 294276 AD; a literal beyond them could not be compared.
            if (t != null && t.getYear() > -4713 && t.getYear() < 294276) {
                return t;
            }
        }
        throw mismatch(attr, "Datetime", v);
    }

    static OffsetDateTime parseRfc3339(String s) {
        try {
            return OffsetDateTime.parse(s.trim().replace(' ', 'T'));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static short status(String attr, Ast.Literal v) {
        if (v.kind() == Token.Kind.STRING) {
            WorkflowExecutionStatus st = STATUS_NAMES.get(v.text());
            if (st != null) {
                return (short) st.getNumber();
            }
        } else if (v.kind() == Token.Kind.NUMBER) {
            long n = integer(attr, v);
            if (n >= 1 && n <= 7) {
                return (short) n;
            }
        }
        throw QueryException.invalid("invalid ExecutionStatus value " + v.describe() + " at position " + v.pos()
                + "; expected one of Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut");
    }

    /** A duration in nanoseconds: a number, a Go duration ("1h30m", "250ms") or "hh:mm:ss". */
    static long durationNanos(String attr, Ast.Literal v) {
        if (v.kind() == Token.Kind.NUMBER) {
            return integer(attr, v);
        }
        if (v.kind() == Token.Kind.STRING) {
            Long n = parseDuration(v.text().trim());
            if (n != null) {
                return n;
            }
        }
        throw mismatch(attr, "Int (duration)", v);
    }

    static Long parseDuration(String s) {
        if (s.isEmpty()) {
            return null;
        }
        if (s.indexOf(':') >= 0) {
            String[] p = s.split(":", -1);
            try {
                if (p.length != 3 || p[1].length() != 2 || p[0].isEmpty()) {
                    return null;
                }
                double secs = Double.parseDouble(p[2]);
                return Long.parseLong(p[0]) * 3_600_000_000_000L + Long.parseLong(p[1]) * 60_000_000_000L
                        + (long) (secs * 1e9);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        double total = 0;
        int i = 0;
        boolean any = false;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                return null;
            }
            double num;
            try {
                num = Double.parseDouble(s.substring(start, i));
            } catch (NumberFormatException e) {
                return null;
            }
            int u = i;
            while (i < s.length() && Character.isLetter(s.charAt(i))) {
                i++;
            }
            double unit = switch (s.substring(u, i)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                default -> -1;
            };
            if (unit < 0) {
                return null;
            }
            total += num * unit;
            any = true;
        }
        return any ? (long) total : null;
    }
}
