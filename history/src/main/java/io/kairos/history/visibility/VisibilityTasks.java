package io.kairos.history.visibility;

import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.persistence.sql.SqlErrors;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.SearchAttributeValues;
import io.kairos.persistence.visibility.VisibilityRecord;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.WorkflowMutableState;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs the UpsertVisibility transfer task: writes the run's visibility record from its mutable state as it is
 * when the task runs, versioned by the state's db_record_version, so a retried or late task can only rewrite
 * the same or a newer state and never replaces a newer row.
 */
public final class VisibilityTasks {
    /**
     * How long a task waits before its record is written, so that later changes of the same run (a short workflow
     * closes within it) and other runs' records share one write. Well inside the 1 s within which a closed run must
     * be visible.
     */
    static final Duration COALESCE = Duration.ofMillis(200);
    private static final int MAX_BATCH = 500;

    private final WorkflowUpdater updater;
    private final PostgresVisibilityStore store;
    private final Object lock = new Object();
    private Map<WorkflowKey, CompletableFuture<Void>> pending = new LinkedHashMap<>();
    private boolean flushScheduled;

    public VisibilityTasks(WorkflowUpdater updater, PostgresVisibilityStore store) {
        this.updater = updater;
        this.store = store;
    }

    /**
     * Returns once the run's record, as of its state at some moment after this call, is committed: the transfer
     * task is acknowledged only then, so no change is lost to a crash.
     */
    public void upsert(WorkflowKey key) {
        CompletableFuture<Void> done;
        boolean schedule;
        synchronized (lock) {
            done = pending.computeIfAbsent(key, k -> new CompletableFuture<>());
            schedule = !flushScheduled;
            flushScheduled = true;
        }
        if (schedule) {
            Thread.ofVirtual().name("visibility-flush").start(this::flushAfterDelay);
        }
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing visibility", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private void flushAfterDelay() {
        try {
            Thread.sleep(COALESCE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<WorkflowKey, CompletableFuture<Void>> batch;
        synchronized (lock) {
            batch = pending;
            pending = new LinkedHashMap<>();
            flushScheduled = false;
        }
        List<Map.Entry<WorkflowKey, CompletableFuture<Void>>> entries = new ArrayList<>(batch.entrySet());
        for (int i = 0; i < entries.size(); i += MAX_BATCH) {
            write(entries.subList(i, Math.min(entries.size(), i + MAX_BATCH)));
        }
    }

    /** Writes the runs' current records in one transaction; a rejected batch is written run by run. */
    private void write(List<Map.Entry<WorkflowKey, CompletableFuture<Void>>> runs) {
        try {
            long epoch = updater.deletionEpoch();
            List<VisibilityRecord> records = new ArrayList<>();
            for (var run : runs) {
                record(run.getKey()).ifPresent(records::add); // absent: deleted meanwhile
            }
            if (!records.isEmpty()) {
                store.upsertAll(records);
                if (updater.deletionEpoch() != epoch) {
                    removeDeleted(runs); // a deletion overlapped: it may have removed a row we just wrote back
                }
            }
            runs.forEach(r -> r.getValue().complete(null));
        } catch (RuntimeException e) {
            if (runs.size() > 1 && SqlErrors.rejectedByStatement(e)) {
                runs.forEach(r -> write(List.of(r)));
            } else {
                runs.forEach(r -> r.getValue().completeExceptionally(e));
            }
        }
    }

    private void removeDeleted(List<Map.Entry<WorkflowKey, CompletableFuture<Void>>> runs) {
        for (var run : runs) {
            WorkflowKey key = run.getKey();
            if (updater.load(key).isEmpty()) {
                store.delete(key.namespaceId(), key.runId());
            }
        }
    }

    private Optional<VisibilityRecord> record(WorkflowKey key) {
        return updater.load(key).map(state -> {
            SearchAttributeCatalog catalog = state.getExecution().getSearchAttributes().getIndexedFieldsCount() == 0
                    ? new SearchAttributeCatalog(Map.of())
                    : new SearchAttributeCatalog(store.searchAttributes(key.namespaceId()));
            return record(key, state, catalog);
        });
    }

    /** The run's visibility record as of {@code state}; archival keeps the same record. */
    public static VisibilityRecord record(WorkflowKey key, WorkflowMutableState state, SearchAttributeCatalog catalog) {
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
