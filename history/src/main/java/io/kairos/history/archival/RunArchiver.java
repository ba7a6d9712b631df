package io.kairos.history.archival;

import io.kairos.common.config.ArchivalConfig;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.Namespaces;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.visibility.VisibilityTasks;
import io.kairos.persistence.archival.Archives;
import io.kairos.persistence.visibility.ExecutionInfos;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.enums.v1.ArchivalState;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.namespace.v1.NamespaceConfig;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Archives a closed run's history and visibility record where its namespace says: when it closes (the ArchiveExecution
 * transfer task written with the close) and, if that has not happened, before retention deletes it (the retention
 * timer task calls this first and deletes only once it returned). A failure (or a crash) leaves the task to be
 * retried, and the retry writes the same objects again: exactly one copy per run.
 */
public final class RunArchiver {
    /** Events read from Postgres per page of the archive, so a large history is never held whole. */
    static final int PAGE_EVENTS = 1000;

    private final WorkflowUpdater updater;
    private final Namespaces namespaces;
    private final Archives archives;
    private final PostgresVisibilityStore visibility;

    public RunArchiver(WorkflowUpdater updater, Namespaces namespaces, Archives archives,
                       PostgresVisibilityStore visibility) {
        this.updater = updater;
        this.namespaces = namespaces;
        this.archives = archives;
        this.visibility = visibility;
    }

    /** The ArchiveExecution task: the run if it is still there and closed. */
    public void archiveClosed(WorkflowKey key) {
        updater.load(key).filter(s -> s.getExecution().getState() != ExecutionState.EXECUTION_STATE_RUNNING)
                .ifPresent(s -> archive(key, s, false));
    }

    /** Before retention deletes the run: whatever the close-time task has not written yet. */
    public void archiveUnlessDone(WorkflowKey key, WorkflowMutableState state) {
        archive(key, state, true);
    }

    /** Writes what the namespace archives of this closed run; returns once every write is confirmed. */
    private void archive(WorkflowKey key, WorkflowMutableState state, boolean skipExisting) {
        NamespaceConfig config = namespaces.configOf(key.namespaceId()).orElse(null);
        if (config == null) {
            return;
        }
        ArchivalConfig cluster = archives.config();
        if (on(cluster.history(), config.getHistoryArchivalState(), config.getHistoryArchivalUri())
                && !(skipExisting && archives.history().exists(config.getHistoryArchivalUri(), key.namespaceId(),
                key.workflowId(), key.runId()))) {
            archives.history().archive(config.getHistoryArchivalUri(), key.namespaceId(), key.workflowId(),
                    key.runId(), pages(key, state.getNextEventId()));
        }
        if (on(cluster.visibility(), config.getVisibilityArchivalState(), config.getVisibilityArchivalUri())) {
            SearchAttributeCatalog catalog = visibility == null
                    || state.getExecution().getSearchAttributes().getIndexedFieldsCount() == 0
                    ? new SearchAttributeCatalog(Map.of())
                    : new SearchAttributeCatalog(visibility.searchAttributes(key.namespaceId()));
            var info = ExecutionInfos.of(VisibilityTasks.record(key, state, catalog), catalog);
            if (!(skipExisting && archives.visibility().exists(config.getVisibilityArchivalUri(), key.namespaceId(), info))) {
                archives.visibility().archive(config.getVisibilityArchivalUri(), key.namespaceId(), info);
            }
        }
    }

    private static boolean on(ArchivalConfig.Kind cluster, ArchivalState state, String uri) {
        return cluster.clusterConfigured() && state == ArchivalState.ARCHIVAL_STATE_ENABLED && !uri.isEmpty();
    }

    /** The run's events [1, nextEventId) a page at a time, read as the archive writes them. */
    private Iterator<List<HistoryEvent>> pages(WorkflowKey key, long nextEventId) {
        return new Iterator<>() {
            long from = 1;

            @Override
            public boolean hasNext() {
                return from < nextEventId;
            }

            @Override
            public List<HistoryEvent> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                List<HistoryEvent> page = updater.readHistory(key, from, nextEventId, PAGE_EVENTS);
                if (page.isEmpty()) {
                    throw new IllegalStateException("history of " + key + " ends at event " + (from - 1)
                            + ", expected " + (nextEventId - 1) + " events");
                }
                from = page.get(page.size() - 1).getEventId() + 1;
                return page;
            }
        };
    }
}
