package io.kairos.frontend.visibility;

import com.google.protobuf.ByteString;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.VisibilityPage;
import io.kairos.persistence.visibility.query.Ast;
import io.kairos.persistence.visibility.query.CompiledQuery;
import io.kairos.persistence.visibility.query.QueryCompiler;
import io.kairos.persistence.visibility.query.QueryException;
import io.kairos.persistence.visibility.query.QueryParser;
import io.temporal.api.common.v1.Payload;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * List and Count of one kind of standalone execution (activities, Nexus operations): the user's query limited to
 * the kind's namespace division, so workflows' rows never show, and Temporal's messages for a bad query.
 */
public final class StandaloneQueries {
    public static final int MAX_PAGE_SIZE = 1000;

    private final PostgresVisibilityStore visibility;
    private final String division;

    public StandaloneQueries(PostgresVisibilityStore visibility, String division) {
        this.visibility = visibility;
        this.division = division;
    }

    /** One page of the kind's rows matching {@code query}, in its order. */
    public VisibilityPage page(NamespaceId ns, String query, SearchAttributeCatalog catalog, int pageSize,
                               ByteString pageToken) {
        CompiledQuery q = checked(() -> QueryCompiler.compile(scoped(QueryParser.parse(query), false), catalog));
        int size = pageSize <= 0 || pageSize > MAX_PAGE_SIZE ? MAX_PAGE_SIZE : pageSize;
        return checked(() -> visibility.list(ns, q, size, pageToken.toByteArray()));
    }

    /** The count, and with {@code GROUP BY ExecutionStatus} the count per status number (else null). */
    public record Counts(long total, Map<Integer, Long> byStatus) {
    }

    public Counts count(NamespaceId ns, String query, SearchAttributeCatalog catalog) {
        Ast.Query parsed = checked(() -> QueryParser.parse(query));
        if (parsed.groupBy().size() > 1 || (parsed.groupBy().size() == 1
                && !parsed.groupBy().get(0).name().equals("ExecutionStatus"))) {
            throw new InvalidArgumentException("'group by' clause is only supported for ExecutionStatus search attribute");
        }
        CompiledQuery q = checked(() -> QueryCompiler.compile(scoped(parsed, true), catalog));
        if (!q.groupByStatus()) {
            return new Counts(checked(() -> visibility.count(ns, q)), null);
        }
        Map<Integer, Long> byStatus = checked(() -> visibility.countByStatus(ns, q));
        return new Counts(byStatus.values().stream().mapToLong(Long::longValue).sum(), byStatus);
    }

    /** A status enum's value as the group value Temporal returns: ACTIVITY_EXECUTION_STATUS_TIMED_OUT -> "TimedOut". */
    public static Payload statusGroupValue(Enum<?> status, String prefix) {
        StringBuilder b = new StringBuilder();
        for (String part : status.name().substring(prefix.length()).split("_")) {
            b.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
        }
        return Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                .setData(ByteString.copyFromUtf8("\"" + b + "\"")).build();
    }

    private Ast.Query scoped(Ast.Query q, boolean count) {
        Ast.Expr inDivision = new Ast.Compare(new Ast.Attr(SearchAttributeCatalog.NAMESPACE_DIVISION, 0), "=",
                Ast.Literal.string(division));
        Ast.Expr where = q.where() == null ? inDivision : new Ast.And(inDivision, q.where());
        return new Ast.Query(where, count ? List.of() : q.orderBy(), count ? q.groupBy() : List.of());
    }

    private static <T> T checked(Supplier<T> s) {
        try {
            return s.get();
        } catch (QueryException e) {
            throw new InvalidArgumentException(e.getMessage());
        }
    }
}
