package io.kairos.persistence.visibility.query;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The subset of the query language ListArchivedWorkflowExecutions answers, as Temporal's filestore and s3store
 * archivers parse it: comparisons joined by AND, on WorkflowId, RunId, WorkflowType and ExecutionStatus (=) and on
 * CloseTime and StartTime (=, <, <=, >, >=). The close time range is kept apart so a provider can skip objects by
 * name.
 */
public final class ArchivalQuery {
    private static final Map<String, WorkflowExecutionStatus> STATUS_LOWER = Map.of(
            "completed", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
            "failed", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
            "canceled", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
            "terminated", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
            "continuedasnew", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW,
            "continued_as_new", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW,
            "timedout", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
            "timed_out", WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT);

    private long earliestCloseNanos = Long.MIN_VALUE;
    private long latestCloseNanos = Long.MAX_VALUE;
    private Predicate<WorkflowExecutionInfo> filter = i -> true;

    private ArchivalQuery() {
    }

    /** @throws QueryException for anything outside the subset, as INVALID_ARGUMENT */
    public static ArchivalQuery parse(String text) {
        ArchivalQuery q = new ArchivalQuery();
        Ast.Query parsed = QueryParser.parse(text);
        if (!parsed.orderBy().isEmpty() || !parsed.groupBy().isEmpty()) {
            throw QueryException.invalid("ORDER BY and GROUP BY are not supported for archived workflows");
        }
        if (parsed.where() != null) {
            q.add(parsed.where());
        }
        return q;
    }

    /** Whether a run closed at this time can match (so its record need not be read otherwise). */
    public boolean closeTimeInRange(long closeNanos) {
        return closeNanos >= earliestCloseNanos && closeNanos <= latestCloseNanos;
    }

    public boolean matches(WorkflowExecutionInfo info) {
        return closeTimeInRange(nanos(info.getCloseTime())) && filter.test(info);
    }

    private void add(Ast.Expr e) {
        switch (e) {
            case Ast.And and -> {
                add(and.left());
                add(and.right());
            }
            case Ast.Compare c -> compare(c);
            default -> throw QueryException.invalid("only comparison and \"and\" expression is supported");
        }
    }

    private void compare(Ast.Compare c) {
        String attr = c.attr().name();
        switch (attr) {
            case "WorkflowId" -> equal(c, i -> i.getExecution().getWorkflowId());
            case "RunId" -> equal(c, i -> i.getExecution().getRunId());
            case "WorkflowType" -> equal(c, i -> i.getType().getName());
            case "ExecutionStatus" -> {
                requireEquals(c);
                WorkflowExecutionStatus status = status(c.value());
                filter = filter.and(i -> i.getStatus() == status);
            }
            case "CloseTime" -> {
                long t = time(attr, c.value());
                switch (c.op()) {
                    case "=" -> {
                        earliestCloseNanos = Math.max(earliestCloseNanos, t);
                        latestCloseNanos = Math.min(latestCloseNanos, t);
                    }
                    case "<" -> latestCloseNanos = Math.min(latestCloseNanos, t - 1);
                    case "<=" -> latestCloseNanos = Math.min(latestCloseNanos, t);
                    case ">" -> earliestCloseNanos = Math.max(earliestCloseNanos, t + 1);
                    case ">=" -> earliestCloseNanos = Math.max(earliestCloseNanos, t);
                    default -> throw QueryException.invalid("operator " + c.op() + " is not supported for close time");
                }
            }
            case "StartTime" -> {
                long t = time(attr, c.value());
                Predicate<Long> p = switch (c.op()) {
                    case "=" -> v -> v == t;
                    case "<" -> v -> v < t;
                    case "<=" -> v -> v <= t;
                    case ">" -> v -> v > t;
                    case ">=" -> v -> v >= t;
                    default -> throw QueryException.invalid("operator " + c.op() + " is not supported for start time");
                };
                filter = filter.and(i -> p.test(nanos(i.getStartTime())));
            }
            default -> throw QueryException.invalid("unknown filter name: " + attr);
        }
    }

    private void equal(Ast.Compare c, java.util.function.Function<WorkflowExecutionInfo, String> field) {
        requireEquals(c);
        String value = QueryValues.keyword(c.attr().name(), c.value());
        filter = filter.and(i -> field.apply(i).equals(value));
    }

    private static void requireEquals(Ast.Compare c) {
        if (!c.op().equals("=")) {
            throw QueryException.invalid("only operation = is support for " + c.attr().name());
        }
    }

    private static WorkflowExecutionStatus status(Ast.Literal v) {
        String text = v.text().trim();
        WorkflowExecutionStatus byName = STATUS_LOWER.get(text.toLowerCase(Locale.ROOT));
        if (byName != null) {
            return byName;
        }
        try {
            WorkflowExecutionStatus byNumber = WorkflowExecutionStatus.forNumber(Integer.parseInt(text));
            if (byNumber != null && STATUS_LOWER.containsValue(byNumber)) {
                return byNumber;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw QueryException.invalid("unknown workflow close status: " + text);
    }

    private static long time(String attr, Ast.Literal v) {
        Instant i = QueryValues.datetime(attr, v).toInstant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static long nanos(com.google.protobuf.Timestamp t) {
        return t.getSeconds() * 1_000_000_000L + t.getNanos();
    }
}
