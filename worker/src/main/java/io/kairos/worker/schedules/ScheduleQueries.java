package io.kairos.worker.schedules;

import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.query.Ast;
import io.kairos.persistence.visibility.query.CompiledQuery;
import io.kairos.persistence.visibility.query.QueryCompiler;
import io.kairos.persistence.visibility.query.QueryException;
import io.kairos.persistence.visibility.query.QueryParser;

import java.util.ArrayList;
import java.util.List;

/**
 * The visibility query of ListSchedules and CountSchedules: the caller's filter may name custom search attributes,
 * {@code TemporalSchedulePaused} and {@code ScheduleId} (Temporal rewrites it to the scheduler's workflow id) and
 * nothing else Temporal reserves; it is narrowed to the running scheduler rows.
 */
final class ScheduleQueries {
    private static final String SCHEDULE_ID = "ScheduleId";
    private static final String WORKFLOW_ID = "WorkflowId";

    private ScheduleQueries() {
    }

    static CompiledQuery compile(String query, SearchAttributeCatalog catalog) {
        try {
            Ast.Query user = QueryParser.parse(query == null ? "" : query);
            if (!user.groupBy().isEmpty()) {
                throw new InvalidArgumentException("'group by' clause is not supported for schedules");
            }
            boolean customScheduleId = catalog.custom().containsKey(SCHEDULE_ID);
            List<Ast.OrderBy> order = new ArrayList<>();
            for (Ast.OrderBy o : user.orderBy()) {
                check(o.attr(), customScheduleId);
                order.add(new Ast.OrderBy(rename(o.attr(), customScheduleId), o.descending()));
            }
            Ast.Expr base = new Ast.And(
                    new Ast.Compare(attr(SearchAttributeCatalog.NAMESPACE_DIVISION), "=", Ast.Literal.string(ScheduleVisibility.DIVISION)),
                    new Ast.Compare(attr("ExecutionStatus"), "=", Ast.Literal.string("Running")));
            Ast.Expr where = user.where() == null ? base : new Ast.And(base, rewrite(user.where(), customScheduleId));
            return QueryCompiler.compile(new Ast.Query(where, order, List.of()), catalog);
        } catch (QueryException e) {
            throw new InvalidArgumentException(e.getMessage());
        }
    }

    private static Ast.Attr attr(String name) {
        return new Ast.Attr(name, 0);
    }

    private static void check(Ast.Attr a, boolean customScheduleId) {
        String n = a.name();
        if (n.equals(ScheduleVisibility.PAUSED) || (n.equals(SCHEDULE_ID) && !customScheduleId)) {
            return;
        }
        if (SearchAttributeCatalog.isReserved(n)) {
            throw new InvalidArgumentException("invalid query filter for schedules: cannot filter on \"" + n + "\"");
        }
    }

    private static Ast.Attr rename(Ast.Attr a, boolean customScheduleId) {
        return a.name().equals(SCHEDULE_ID) && !customScheduleId ? new Ast.Attr(WORKFLOW_ID, a.pos()) : a;
    }

    /** ScheduleId values become scheduler workflow ids (prefixed); every other name is checked. */
    private static Ast.Expr rewrite(Ast.Expr e, boolean custom) {
        return switch (e) {
            case Ast.And x -> new Ast.And(rewrite(x.left(), custom), rewrite(x.right(), custom));
            case Ast.Or x -> new Ast.Or(rewrite(x.left(), custom), rewrite(x.right(), custom));
            case Ast.Not x -> new Ast.Not(rewrite(x.inner(), custom));
            case Ast.Compare x -> {
                check(x.attr(), custom);
                yield isScheduleId(x.attr(), custom)
                        ? new Ast.Compare(rename(x.attr(), custom), x.op(), prefixed(x.value())) : x;
            }
            case Ast.In x -> {
                check(x.attr(), custom);
                yield isScheduleId(x.attr(), custom)
                        ? new Ast.In(rename(x.attr(), custom), x.values().stream().map(ScheduleQueries::prefixed).toList(), x.negated())
                        : x;
            }
            case Ast.Between x -> {
                check(x.attr(), custom);
                yield isScheduleId(x.attr(), custom)
                        ? new Ast.Between(rename(x.attr(), custom), prefixed(x.low()), prefixed(x.high()), x.negated()) : x;
            }
            case Ast.StartsWith x -> {
                check(x.attr(), custom);
                yield isScheduleId(x.attr(), custom)
                        ? new Ast.StartsWith(rename(x.attr(), custom), prefixed(x.prefix()), x.negated()) : x;
            }
            case Ast.IsNull x -> {
                check(x.attr(), custom);
                yield new Ast.IsNull(rename(x.attr(), custom), x.negated());
            }
        };
    }

    private static boolean isScheduleId(Ast.Attr a, boolean custom) {
        return a.name().equals(SCHEDULE_ID) && !custom;
    }

    private static Ast.Literal prefixed(Ast.Literal l) {
        if (!l.isString()) {
            throw new InvalidArgumentException("invalid query filter for schedules: ScheduleId must be compared with a string");
        }
        return Ast.Literal.string(ScheduleKey.WORKFLOW_ID_PREFIX + l.text());
    }
}
