package io.kairos.persistence.visibility.query;

import java.util.List;

/**
 * A query compiled to a parameterised SQL predicate over executions_visibility (without the namespace
 * condition), its sort keys (the last is always run_id, so the order is total and page tokens are stable) and
 * whether it counts by ExecutionStatus.
 */
public record CompiledQuery(String where, List<Object> params, List<SortKey> order, boolean groupByStatus) {
    /** One ORDER BY key: a NULL-free SQL expression and the type its page-token value is cast back to. */
    public record SortKey(String sql, String sqlType, boolean descending) {
    }

    public static final List<SortKey> DEFAULT_ORDER = List.of(
            new SortKey("sort_close_time", "timestamptz", true),
            new SortKey("start_time", "timestamptz", true),
            new SortKey("run_id", "uuid", true));
}
