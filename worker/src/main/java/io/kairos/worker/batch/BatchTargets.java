package io.kairos.worker.batch;

import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.VisibilityPage;
import io.kairos.persistence.visibility.query.CompiledQuery;
import io.kairos.persistence.visibility.query.QueryCompiler;
import io.kairos.persistence.visibility.query.QueryException;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The workflows a query-driven batch job acts on, read page by page from visibility in start-time order and limited
 * to runs started before the job: a run the job itself creates (a reset's new run, a workflow's retry) or one
 * started meanwhile never joins it, and a run that closes or moves keeps its place, so nothing is visited twice.
 */
final class BatchTargets {
    private static final List<CompiledQuery.SortKey> ORDER = List.of(
            new CompiledQuery.SortKey("start_time", "timestamptz", false),
            new CompiledQuery.SortKey("run_id", "uuid", false));

    private final PostgresVisibilityStore store;

    BatchTargets(PostgresVisibilityStore store) {
        this.store = store;
    }

    long count(NamespaceId ns, String query, Instant startedBefore) {
        return store.count(ns, compile(ns, query, startedBefore));
    }

    VisibilityPage page(NamespaceId ns, String query, Instant startedBefore, byte[] token, int size) {
        return store.list(ns, compile(ns, query, startedBefore), size, token);
    }

    private CompiledQuery compile(NamespaceId ns, String query, Instant startedBefore) {
        CompiledQuery q;
        try {
            q = QueryCompiler.compileList(query, new SearchAttributeCatalog(store.searchAttributes(ns)));
        } catch (QueryException e) {
            throw new InvalidArgumentException("invalid visibility query: " + e.getMessage());
        }
        List<Object> params = new ArrayList<>(q.params());
        params.add(startedBefore.atOffset(ZoneOffset.UTC));
        return new CompiledQuery("(" + q.where() + ") AND start_time <= ?", params, ORDER, false);
    }
}
