package io.kairos.worker.schedules;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kairos.persistence.schedule.ScheduleStore.ScheduleRow;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.SearchAttributeValues;
import io.kairos.persistence.visibility.VisibilityRecord;
import io.kairos.worker.schedules.spec.CompiledSpec;
import io.temporal.api.common.v1.Memo;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.SearchAttributes;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.schedule.v1.ScheduleListInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schedule's row in executions_visibility, as Temporal's scheduler workflow has one: workflow id
 * {@code temporal-sys-scheduler:<id>}, namespace division {@code TemporalScheduler}, status Running, the list view in
 * the memo field {@code ScheduleInfo}, the schedule's own memo and search attributes plus {@code TemporalSchedulePaused}.
 * ListSchedules and CountSchedules query these rows, so do `temporal workflow list` queries that name the division.
 */
final class ScheduleVisibility {
    private static final Logger log = LoggerFactory.getLogger(ScheduleVisibility.class);
    static final String WORKFLOW_TYPE = "temporal-sys-scheduler-workflow";
    static final String TASK_QUEUE = "temporal-sys-per-ns-tq";
    static final String DIVISION = "TemporalScheduler";
    static final String MEMO_INFO = "ScheduleInfo";
    static final String PAUSED = "TemporalSchedulePaused";

    private final PostgresVisibilityStore store;

    ScheduleVisibility(PostgresVisibilityStore store) {
        this.store = store;
    }

    SearchAttributeCatalog catalog(io.kairos.common.ids.NamespaceId ns) {
        return new SearchAttributeCatalog(store.searchAttributes(ns));
    }

    /**
     * Writes the row for this committed version of the schedule. Visibility is a second database, so this comes after the commit
     * of the schedule; a failure is logged and the next change of the schedule writes the row again.
     */
    void write(ScheduleRow row, CompiledSpec spec) {
        try {
            store.upsert(record(row, spec));
        } catch (RuntimeException e) {
            log.warn("component=worker schedule={} msg=\"visibility write failed; the next change rewrites it\" error=\"{}\"",
                    row.scheduleId(), e.getMessage());
        }
    }

    void delete(ScheduleRow row) {
        store.delete(row.namespaceId(), row.generation());
    }

    private VisibilityRecord record(ScheduleRow row, CompiledSpec spec) {
        var r = row.record();
        ScheduleKey key = new ScheduleKey(row.namespaceId(), row.scheduleId(), row.generation());
        ScheduleListInfo info = ScheduleViews.listInfo(r, spec, key.jitterSeed());
        Memo memo = r.getMemo().toBuilder().putFields(MEMO_INFO, Payload.newBuilder()
                .putMetadata("encoding", ByteString.copyFromUtf8("binary/plain"))
                .setData(info.toByteString()).build()).build();
        SearchAttributes sa = r.getSearchAttributes().toBuilder()
                .putIndexedFields(PAUSED, Payload.newBuilder()
                        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                        .setData(ByteString.copyFromUtf8(Boolean.toString(r.getSchedule().getState().getPaused()))).build())
                .build();
        java.time.Instant created = Times.instant(r.getInfo().getCreateTime());
        return new VisibilityRecord(row.namespaceId().uuid(), row.generation(), ScheduleKey.WORKFLOW_ID_PREFIX + row.scheduleId(),
                WORKFLOW_TYPE, created, created, null, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING_VALUE,
                null, null, null, null, TASK_QUEUE, null, null, null, null, memo.toByteArray(), "proto3",
                SearchAttributeValues.toJson(sa, catalog(row.namespaceId())), DIVISION, row.version());
    }

    /** The list view stored in a row's memo, or null when it has none. */
    static ScheduleListInfo listInfo(Memo memo) {
        Payload p = memo.getFieldsMap().get(MEMO_INFO);
        if (p == null) {
            return null;
        }
        try {
            return ScheduleListInfo.parseFrom(p.getData());
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }
}
