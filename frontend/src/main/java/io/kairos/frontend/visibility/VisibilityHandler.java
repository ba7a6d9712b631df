package io.kairos.frontend.visibility;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.ExecutionInfos;
import io.kairos.persistence.visibility.VisibilityPage;
import io.kairos.persistence.visibility.VisibilityRecord;
import io.kairos.persistence.visibility.query.Ast;
import io.kairos.persistence.visibility.query.CompiledQuery;
import io.kairos.persistence.visibility.query.QueryCompiler;
import io.kairos.persistence.visibility.query.QueryException;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.*;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * ListWorkflowExecutions, ScanWorkflowExecutions, CountWorkflowExecutions, the legacy ListOpen/ListClosed
 * and GetSearchAttributes, answered from the visibility database.
 */
public final class VisibilityHandler {
    /** Temporal's frontend.visibilityMaxPageSize default: used when page_size is unset, and as the cap. */
    public static final int MAX_PAGE_SIZE = 1000;

    private final NamespaceResolver namespaces;
    private final PostgresVisibilityStore store;

    public VisibilityHandler(NamespaceResolver namespaces, PostgresVisibilityStore store) {
        this.namespaces = namespaces;
        this.store = store;
    }

    SearchAttributeCatalog catalog(NamespaceId ns) {
        return new SearchAttributeCatalog(store.searchAttributes(ns));
    }

    /**
     * Compiles or runs a query. A data exception (SQLSTATE class 22) while running one means a stored value does not
     * have the type the query compares it as (an attribute removed and added again with another type): the query
     * cannot be answered as written, which is the caller's INVALID_ARGUMENT, not an internal error.
     */
    private static <T> T query(Supplier<T> s) {
        try {
            return s.get();
        } catch (QueryException e) {
            throw new InvalidArgumentException(e.getMessage());
        } catch (io.kairos.persistence.sql.PersistenceException e) {
            if (e.sqlState() != null && e.sqlState().startsWith("22")) {
                throw new InvalidArgumentException("invalid query: stored values do not match the attribute's type ("
                        + e.getMessage() + ")");
            }
            throw e;
        }
    }

    static int pageSize(int requested) {
        return requested <= 0 || requested > MAX_PAGE_SIZE ? MAX_PAGE_SIZE : requested;
    }

    public ListWorkflowExecutionsResponse list(ListWorkflowExecutionsRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        SearchAttributeCatalog catalog = catalog(ns);
        CompiledQuery q = query(() -> QueryCompiler.compileList(req.getQuery(), catalog));
        VisibilityPage page = query(() -> store.list(ns, q, pageSize(req.getPageSize()), req.getNextPageToken().toByteArray()));
        return ListWorkflowExecutionsResponse.newBuilder().addAllExecutions(infos(page, catalog))
                .setNextPageToken(ByteString.copyFrom(page.nextPageToken())).build();
    }

    /** Scan is List without an order guarantee in Temporal; ours keeps the List order. */
    public ScanWorkflowExecutionsResponse scan(ScanWorkflowExecutionsRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        SearchAttributeCatalog catalog = catalog(ns);
        CompiledQuery q = query(() -> QueryCompiler.compileList(req.getQuery(), catalog));
        VisibilityPage page = query(() -> store.list(ns, q, pageSize(req.getPageSize()), req.getNextPageToken().toByteArray()));
        return ScanWorkflowExecutionsResponse.newBuilder().addAllExecutions(infos(page, catalog))
                .setNextPageToken(ByteString.copyFrom(page.nextPageToken())).build();
    }

    public CountWorkflowExecutionsResponse count(CountWorkflowExecutionsRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        SearchAttributeCatalog catalog = catalog(ns);
        CompiledQuery q = query(() -> QueryCompiler.compileCount(req.getQuery(), catalog));
        if (!q.groupByStatus()) {
            return CountWorkflowExecutionsResponse.newBuilder().setCount(query(() -> store.count(ns, q))).build();
        }
        var b = CountWorkflowExecutionsResponse.newBuilder();
        long total = 0;
        for (var e : query(() -> store.countByStatus(ns, q)).entrySet()) {
            total += e.getValue();
            b.addGroups(CountWorkflowExecutionsResponse.AggregationGroup.newBuilder()
                    .addGroupValues(keywordPayload(statusName(e.getKey())))
                    .setCount(e.getValue()));
        }
        return b.setCount(total).build();
    }

    public ListOpenWorkflowExecutionsResponse listOpen(ListOpenWorkflowExecutionsRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        List<Ast.Expr> filters = new ArrayList<>();
        filters.add(new Ast.Compare(attr("ExecutionStatus"), "=", Ast.Literal.string("Running")));
        if (req.hasStartTimeFilter()) {
            timeRange(filters, "StartTime", req.getStartTimeFilter());
        }
        if (req.hasExecutionFilter()) {
            filters.add(new Ast.Compare(attr("WorkflowId"), "=", Ast.Literal.string(req.getExecutionFilter().getWorkflowId())));
        } else if (req.hasTypeFilter()) {
            filters.add(new Ast.Compare(attr("WorkflowType"), "=", Ast.Literal.string(req.getTypeFilter().getName())));
        }
        SearchAttributeCatalog catalog = catalog(ns);
        VisibilityPage page = legacy(ns, filters, catalog, req.getMaximumPageSize(), req.getNextPageToken());
        return ListOpenWorkflowExecutionsResponse.newBuilder().addAllExecutions(infos(page, catalog))
                .setNextPageToken(ByteString.copyFrom(page.nextPageToken())).build();
    }

    /** Closed runs, newest close first; the time filter applies to the close time, as in Temporal's SQL visibility. */
    public ListClosedWorkflowExecutionsResponse listClosed(ListClosedWorkflowExecutionsRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        List<Ast.Expr> filters = new ArrayList<>();
        filters.add(new Ast.IsNull(attr("CloseTime"), true));
        if (req.hasStartTimeFilter()) {
            timeRange(filters, "CloseTime", req.getStartTimeFilter());
        }
        if (req.hasExecutionFilter()) {
            filters.add(new Ast.Compare(attr("WorkflowId"), "=", Ast.Literal.string(req.getExecutionFilter().getWorkflowId())));
        } else if (req.hasTypeFilter()) {
            filters.add(new Ast.Compare(attr("WorkflowType"), "=", Ast.Literal.string(req.getTypeFilter().getName())));
        } else if (req.hasStatusFilter()) {
            filters.add(new Ast.Compare(attr("ExecutionStatus"), "=",
                    Ast.Literal.number(req.getStatusFilter().getStatusValue())));
        }
        SearchAttributeCatalog catalog = catalog(ns);
        VisibilityPage page = legacy(ns, filters, catalog, req.getMaximumPageSize(), req.getNextPageToken());
        return ListClosedWorkflowExecutionsResponse.newBuilder().addAllExecutions(infos(page, catalog))
                .setNextPageToken(ByteString.copyFrom(page.nextPageToken())).build();
    }

    private VisibilityPage legacy(NamespaceId ns, List<Ast.Expr> filters, SearchAttributeCatalog catalog, int pageSize,
                                  ByteString token) {
        Ast.Expr where = filters.get(0);
        for (int i = 1; i < filters.size(); i++) {
            where = new Ast.And(where, filters.get(i));
        }
        Ast.Expr w = where;
        CompiledQuery q = query(() -> QueryCompiler.compile(new Ast.Query(w, List.of(), List.of()), catalog));
        return store.list(ns, q, pageSize(pageSize), token.toByteArray());
    }

    private static void timeRange(List<Ast.Expr> filters, String attr, io.temporal.api.filter.v1.StartTimeFilter f) {
        if (f.hasEarliestTime()) {
            filters.add(new Ast.Compare(attr(attr), ">=", Ast.Literal.number(nanos(f.getEarliestTime()))));
        }
        if (f.hasLatestTime()) {
            filters.add(new Ast.Compare(attr(attr), "<=", Ast.Literal.number(nanos(f.getLatestTime()))));
        }
    }

    private static long nanos(Timestamp t) {
        return t.getSeconds() * 1_000_000_000L + t.getNanos();
    }

    private static Ast.Attr attr(String name) {
        return new Ast.Attr(name, 0);
    }

    /** GetSearchAttributes has no namespace: the system and predefined attributes. */
    public GetSearchAttributesResponse getSearchAttributes(GetSearchAttributesRequest req) {
        var b = GetSearchAttributesResponse.newBuilder();
        SearchAttributeCatalog.systemAttributes().forEach((n, a) -> b.putKeys(n, a.type()));
        b.putAllKeys(SearchAttributeCatalog.predefined());
        return b.build();
    }

    private static List<WorkflowExecutionInfo> infos(VisibilityPage page, SearchAttributeCatalog catalog) {
        List<WorkflowExecutionInfo> out = new ArrayList<>(page.records().size());
        for (VisibilityRecord r : page.records()) {
            out.add(info(r, catalog));
        }
        return out;
    }

    static WorkflowExecutionInfo info(VisibilityRecord r, SearchAttributeCatalog catalog) {
        return ExecutionInfos.of(r, catalog);
    }

    static String statusName(int status) {
        return switch (WorkflowExecutionStatus.forNumber(status)) {
            case WORKFLOW_EXECUTION_STATUS_RUNNING -> "Running";
            case WORKFLOW_EXECUTION_STATUS_COMPLETED -> "Completed";
            case WORKFLOW_EXECUTION_STATUS_FAILED -> "Failed";
            case WORKFLOW_EXECUTION_STATUS_CANCELED -> "Canceled";
            case WORKFLOW_EXECUTION_STATUS_TERMINATED -> "Terminated";
            case WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW -> "ContinuedAsNew";
            case WORKFLOW_EXECUTION_STATUS_TIMED_OUT -> "TimedOut";
            case null, default -> "Unspecified";
        };
    }

    private static Payload keywordPayload(String s) {
        return Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                .putMetadata("type", ByteString.copyFromUtf8("Keyword"))
                .setData(ByteString.copyFromUtf8(new com.google.gson.JsonPrimitive(s).toString())).build();
    }
}
