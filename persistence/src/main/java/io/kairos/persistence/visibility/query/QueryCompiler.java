package io.kairos.persistence.visibility.query;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.SearchAttributeCatalog.Storage;
import io.kairos.persistence.visibility.SearchAttributeCatalog.SystemAttribute;
import io.temporal.api.enums.v1.IndexedValueType;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Compiles a parsed query to a SQL predicate over executions_visibility. Values only ever become JDBC
 * parameters; the SQL text holds column names and operators from fixed tables. Type rules follow Temporal's
 * SQL visibility: Text matches full-text with = and !=, KeywordList = / IN mean "contains", Bool allows only
 * = and !=, ranges and BETWEEN need an ordered type, STARTS_WITH needs a Keyword.
 */
public final class QueryCompiler {
    private final SearchAttributeCatalog catalog;
    private final List<Object> params = new ArrayList<>();
    private boolean mentionsDivision;

    private QueryCompiler(SearchAttributeCatalog catalog) {
        this.catalog = catalog;
    }

    /** Parses and compiles a List/Scan query (no GROUP BY). */
    public static CompiledQuery compileList(String query, SearchAttributeCatalog catalog) {
        Ast.Query q = QueryParser.parse(query);
        if (!q.groupBy().isEmpty()) {
            throw QueryException.invalid("'group by' clause is only supported in count query");
        }
        return compile(q, catalog);
    }

    /** Parses and compiles a Count query: GROUP BY ExecutionStatus is allowed, ORDER BY is ignored. */
    public static CompiledQuery compileCount(String query, SearchAttributeCatalog catalog) {
        Ast.Query q = QueryParser.parse(query);
        if (q.groupBy().size() > 1 || (q.groupBy().size() == 1 && !q.groupBy().get(0).name().equals("ExecutionStatus"))) {
            throw QueryException.invalid("'group by' clause is only supported for ExecutionStatus search attribute");
        }
        if (!q.groupBy().isEmpty() && !q.orderBy().isEmpty()) {
            throw QueryException.invalid("'order by' clause is not supported in count query with 'group by'");
        }
        return compile(new Ast.Query(q.where(), List.of(), q.groupBy()), catalog);
    }

    public static CompiledQuery compile(Ast.Query q, SearchAttributeCatalog catalog) {
        QueryCompiler c = new QueryCompiler(catalog);
        String where = q.where() == null ? "TRUE" : c.expr(q.where());
        if (!c.mentionsDivision) {
            // Temporal hides system workflows (scheduler, batcher) unless the query asks for a division.
            where = "(" + where + ") AND namespace_division IS NULL";
        }
        List<CompiledQuery.SortKey> order = q.orderBy().isEmpty() ? CompiledQuery.DEFAULT_ORDER : c.order(q.orderBy());
        return new CompiledQuery(where, List.copyOf(c.params), order, !q.groupBy().isEmpty());
    }

    private List<CompiledQuery.SortKey> order(List<Ast.OrderBy> orderBy) {
        List<CompiledQuery.SortKey> keys = new ArrayList<>();
        for (Ast.OrderBy o : orderBy) {
            SystemAttribute a = SearchAttributeCatalog.system(o.attr().name()).orElseThrow(() ->
                    catalog.jsonType(o.attr().name()).isPresent()
                            ? QueryException.invalid("'order by' is supported on system search attributes only; "
                            + o.attr().name() + " at position " + o.attr().pos() + " is a custom search attribute")
                            : unknown(o.attr()));
            String col = a.column();
            CompiledQuery.SortKey k = switch (a.storage()) {
                case TEXT -> new CompiledQuery.SortKey("COALESCE(" + col + ", '')", "text", o.descending());
                case UUID_TEXT -> new CompiledQuery.SortKey("COALESCE(" + col + "::text, '')", "text", o.descending());
                case STATUS -> new CompiledQuery.SortKey(col, "smallint", o.descending());
                case TIMESTAMP -> new CompiledQuery.SortKey(col.equals("close_time") ? "sort_close_time" : col,
                        "timestamptz", o.descending());
                case BIGINT, DURATION -> new CompiledQuery.SortKey("COALESCE(" + col + ", -1)", "bigint", o.descending());
            };
            keys.add(k);
        }
        keys.add(new CompiledQuery.SortKey("run_id", "uuid", keys.get(0).descending()));
        return List.copyOf(keys);
    }

    private String expr(Ast.Expr e) {
        return switch (e) {
            case Ast.And a -> "(" + expr(a.left()) + " AND " + expr(a.right()) + ")";
            case Ast.Or o -> "(" + expr(o.left()) + " OR " + expr(o.right()) + ")";
            case Ast.Not n -> "(NOT " + expr(n.inner()) + ")";
            case Ast.Compare c -> compare(c);
            case Ast.In in -> in(in);
            case Ast.Between b -> between(b);
            case Ast.IsNull n -> isNull(n);
            case Ast.StartsWith s -> startsWith(s);
        };
    }

    private QueryException unknown(Ast.Attr a) {
        return QueryException.invalid("column name '" + a.name() + "' at position " + a.pos()
                + " is not a valid search attribute");
    }

    /** A resolved attribute: a system column, or a key in the JSONB with its type. */
    private record Target(String name, SystemAttribute system, IndexedValueType jsonType) {
        IndexedValueType type() {
            return system != null ? system.type() : jsonType;
        }

        String typeName() {
            return SearchAttributeCatalog.typeName(type());
        }
    }

    private Target resolve(Ast.Attr a) {
        Optional<SystemAttribute> sys = SearchAttributeCatalog.system(a.name());
        if (sys.isPresent()) {
            if (sys.get().name().equals("TemporalNamespaceDivision")) {
                mentionsDivision = true;
            }
            return new Target(a.name(), sys.get(), null);
        }
        return catalog.jsonType(a.name()).map(t -> new Target(a.name(), null, t)).orElseThrow(() -> unknown(a));
    }

    private static QueryException opNotAllowed(String op, Target t, Ast.Attr a) {
        return QueryException.invalid("operator '" + op + "' not allowed for " + t.typeName() + " search attribute "
                + t.name() + " at position " + a.pos());
    }

    private String param(Object v) {
        params.add(v);
        return "?";
    }

    /** SQL for the attribute's value, and the typed parameter for a literal compared with it. */
    private String column(Target t) {
        if (t.system() != null) {
            return t.system().storage() == Storage.UUID_TEXT ? t.system().column() + "::text" : t.system().column();
        }
        String key = param(t.name());
        return switch (t.jsonType()) {
            case INDEXED_VALUE_TYPE_INT -> "(search_attributes->" + key + ")::bigint";
            case INDEXED_VALUE_TYPE_DOUBLE -> "(search_attributes->" + key + ")::double precision";
            case INDEXED_VALUE_TYPE_BOOL -> "(search_attributes->" + key + ")::boolean";
            case INDEXED_VALUE_TYPE_DATETIME -> "(search_attributes->>" + key + ")::timestamptz";
            default -> "(search_attributes->>" + key + ")";
        };
    }

    private Object value(Target t, Ast.Literal v) {
        if (t.system() != null) {
            return switch (t.system().storage()) {
                case TEXT, UUID_TEXT -> QueryValues.keyword(t.name(), v);
                case STATUS -> QueryValues.status(t.name(), v);
                case TIMESTAMP -> QueryValues.datetime(t.name(), v);
                case BIGINT -> QueryValues.integer(t.name(), v);
                case DURATION -> QueryValues.durationNanos(t.name(), v);
            };
        }
        return switch (t.jsonType()) {
            case INDEXED_VALUE_TYPE_INT -> QueryValues.integer(t.name(), v);
            case INDEXED_VALUE_TYPE_DOUBLE -> QueryValues.dbl(t.name(), v);
            case INDEXED_VALUE_TYPE_BOOL -> QueryValues.bool(t.name(), v);
            case INDEXED_VALUE_TYPE_DATETIME -> QueryValues.datetime(t.name(), v);
            case INDEXED_VALUE_TYPE_TEXT -> QueryValues.keyword(t.name(), v);
            default -> QueryValues.keyword(t.name(), v);
        };
    }

    private static boolean ordered(Target t) {
        return switch (t.type()) {
            case INDEXED_VALUE_TYPE_INT, INDEXED_VALUE_TYPE_DOUBLE, INDEXED_VALUE_TYPE_DATETIME -> true;
            case INDEXED_VALUE_TYPE_KEYWORD -> t.system() == null || t.system().storage() != Storage.STATUS;
            default -> false;
        };
    }

    private String compare(Ast.Compare c) {
        Target t = resolve(c.attr());
        String op = c.op();
        IndexedValueType type = t.type();
        boolean equality = op.equals("=") || op.equals("!=");
        if (!equality && !ordered(t)) {
            throw opNotAllowed(op, t, c.attr());
        }
        if (t.system() == null && type == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST) {
            String ex = op.equals("=") ? "" : exists(t) + " AND NOT "; // parameters in SQL text order
            return "(" + ex + contains(t, QueryValues.keyword(t.name(), c.value())) + ")";
        }
        if (type == IndexedValueType.INDEXED_VALUE_TYPE_TEXT) {
            String text = QueryValues.keyword(t.name(), c.value());
            String ex = op.equals("=") ? "" : exists(t) + " AND NOT ";
            return "(" + ex + "(to_tsvector('simple', search_attributes->>" + param(t.name())
                    + ") @@ plainto_tsquery('simple', " + param(text) + ")))";
        }
        if (t.system() == null && type == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD && op.equals("=")) {
            // served by the GIN index (jsonb_path_ops)
            JsonObject o = new JsonObject();
            o.addProperty(t.name(), QueryValues.keyword(t.name(), c.value()));
            return "(search_attributes @> CAST(" + param(o.toString()) + " AS jsonb))";
        }
        String col = column(t);
        return "(" + col + " " + (op.equals("!=") ? "<>" : op) + " " + param(value(t, c.value())) + ")";
    }

    private String exists(Target t) {
        return "(search_attributes->" + param(t.name()) + ") IS NOT NULL";
    }

    private String contains(Target t, String element) {
        JsonObject o = new JsonObject();
        JsonArray arr = new JsonArray();
        arr.add(element);
        o.add(t.name(), arr);
        return "(search_attributes @> CAST(" + param(o.toString()) + " AS jsonb))";
    }

    private String in(Ast.In in) {
        Target t = resolve(in.attr());
        IndexedValueType type = t.type();
        if (type == IndexedValueType.INDEXED_VALUE_TYPE_TEXT || type == IndexedValueType.INDEXED_VALUE_TYPE_BOOL) {
            throw opNotAllowed(in.negated() ? "not in" : "in", t, in.attr());
        }
        if (t.system() == null && type == IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST) {
            String ex = in.negated() ? exists(t) + " AND NOT " : "";
            List<String> any = new ArrayList<>();
            for (Ast.Literal v : in.values()) {
                any.add(contains(t, QueryValues.keyword(t.name(), v)));
            }
            return "(" + ex + "(" + String.join(" OR ", any) + "))";
        }
        String col = column(t);
        List<String> ps = new ArrayList<>();
        for (Ast.Literal v : in.values()) {
            ps.add(param(value(t, v)));
        }
        return "(" + col + (in.negated() ? " NOT IN (" : " IN (") + String.join(", ", ps) + "))";
    }

    private String between(Ast.Between b) {
        Target t = resolve(b.attr());
        if (!ordered(t)) {
            throw opNotAllowed(b.negated() ? "not between" : "between", t, b.attr());
        }
        String col = column(t);
        String lo = param(value(t, b.low()));
        String hi = param(value(t, b.high()));
        return "(" + col + (b.negated() ? " NOT BETWEEN " : " BETWEEN ") + lo + " AND " + hi + ")";
    }

    private String isNull(Ast.IsNull n) {
        Target t = resolve(n.attr());
        String col = t.system() != null ? t.system().column() : "(search_attributes->" + param(t.name()) + ")";
        return "(" + col + (n.negated() ? " IS NOT NULL)" : " IS NULL)");
    }

    private String startsWith(Ast.StartsWith s) {
        Target t = resolve(s.attr());
        if (t.type() != IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
                || (t.system() != null && t.system().storage() == Storage.STATUS)) {
            throw opNotAllowed(s.negated() ? "not starts_with" : "starts_with", t, s.attr());
        }
        String prefix = QueryValues.keyword(t.name(), s.prefix());
        String pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
        String col = column(t);
        return "(" + col + (s.negated() ? " NOT LIKE " : " LIKE ") + param(pattern) + " ESCAPE '\\')";
    }
}
