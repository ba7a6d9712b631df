package io.kairos.history.visibility;

import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.SearchAttributeValues;
import io.kairos.persistence.visibility.VisibilityRecord;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.WorkflowMutableState;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Runs the UpsertVisibility transfer task: writes the run's visibility record from its mutable state as it is
 * when the task runs, versioned by the state's db_record_version, so a retried or late task can only rewrite
 * the same or a newer state and never replaces a newer row.
 */
public final class VisibilityTasks {
    private final WorkflowUpdater updater;
    private final PostgresVisibilityStore store;

    public VisibilityTasks(WorkflowUpdater updater, PostgresVisibilityStore store) {
        this.updater = updater;
        this.store = store;
    }

    public void upsert(WorkflowKey key) {
        Optional<WorkflowMutableState> s = updater.load(key);
        if (s.isEmpty()) {
            return; // deleted meanwhile
        }
        WorkflowMutableState state = s.get();
        SearchAttributeCatalog catalog = state.getExecution().getSearchAttributes().getIndexedFieldsCount() == 0
                ? new SearchAttributeCatalog(Map.of())
                : new SearchAttributeCatalog(store.searchAttributes(key.namespaceId()));
        store.upsert(record(key, state, catalog));
    }

    static VisibilityRecord record(WorkflowKey key, WorkflowMutableState state, SearchAttributeCatalog catalog) {
        var e = state.getExecution();
        boolean closed = e.getState() != ExecutionState.EXECUTION_STATE_RUNNING;
        Instant start = instant(e.getStartTime());
        Instant executionTime = e.hasExecutionTime() ? instant(e.getExecutionTime()) : start;
        Instant close = closed && e.hasCloseTime() ? instant(e.getCloseTime()) : null;
        Long duration = close == null ? null : Math.max(0, Duration.between(executionTime, close).toNanos());
        byte[] memo = e.getMemo().getFieldsCount() == 0 ? null : e.getMemo().toByteArray();
        return new VisibilityRecord(key.namespaceId().uuid(), key.runId(), key.workflowId(), e.getWorkflowType(),
                start, executionTime, close, e.getStatusValue(),
                closed ? state.getNextEventId() - 1 : null,
                closed ? e.getHistorySizeBytes() : null,
                duration,
                closed ? e.getStateTransitionCount() : null,
                e.getTaskQueue().getName(),
                blankToNull(e.getParentWorkflowId()), uuidOrNull(e.getParentRunId()),
                e.getRootWorkflowId().isEmpty() ? key.workflowId() : e.getRootWorkflowId(),
                e.getRootRunId().isEmpty() ? key.runId() : UUID.fromString(e.getRootRunId()),
                memo, memo == null ? null : "proto3",
                SearchAttributeValues.toJson(e.getSearchAttributes(), catalog),
                SearchAttributeValues.namespaceDivision(e.getSearchAttributes()),
                state.getDbRecordVersion());
    }

    private static Instant instant(com.google.protobuf.Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    private static String blankToNull(String s) {
        return s.isEmpty() ? null : s;
    }

    private static UUID uuidOrNull(String s) {
        return s.isEmpty() ? null : UUID.fromString(s);
    }
}
