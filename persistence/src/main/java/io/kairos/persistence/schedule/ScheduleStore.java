package io.kairos.persistence.schedule;

import io.kairos.common.ids.NamespaceId;
import io.kairos.proto.persistence.v1.ScheduleRecord;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code schedules}: one row per schedule, written only with a compare-and-swap on {@code version}, so an API call and
 * the scheduler changing the same schedule never overwrite each other: the loser reads again and redoes its change.
 */
public interface ScheduleStore {
    /** A schedule as stored. */
    record ScheduleRow(NamespaceId namespaceId, String scheduleId, UUID generation, int bucket, long version,
                       String createRequestId, Instant nextWakeup, boolean watching, ScheduleRecord record) {
        public ScheduleRow withRecord(ScheduleRecord r, Instant wakeup, boolean watch) {
            return new ScheduleRow(namespaceId, scheduleId, generation, bucket, version, createRequestId, wakeup, watch, r);
        }

        public ScheduleRow withVersion(long v) {
            return new ScheduleRow(namespaceId, scheduleId, generation, bucket, v, createRequestId, nextWakeup, watching, record);
        }
    }

    /** A schedule the scheduler should look at. */
    record Due(NamespaceId namespaceId, String scheduleId, Instant nextWakeup) {
    }

    Optional<ScheduleRow> get(NamespaceId ns, String scheduleId);

    /**
     * Inserts the row at version 1.
     *
     * @throws io.kairos.persistence.sql.DuplicateKeyException when a schedule with this id exists
     */
    void create(ScheduleRow row);

    /** Writes the row as version {@code row.version() + 1} if it is still at {@code row.version()}. */
    boolean update(ScheduleRow row);

    /** Deletes the row; false when there was none. */
    boolean delete(NamespaceId ns, String scheduleId);

    /** Deletes the row if it is still at {@code version}. */
    boolean deleteAt(NamespaceId ns, String scheduleId, long version);

    /** Schedules of these buckets whose next wakeup is at or before {@code upTo}, earliest first. */
    List<Due> due(Collection<Integer> buckets, Instant upTo, int limit);

    /** Schedules of these buckets with started workflows to watch. */
    List<Due> watching(Collection<Integer> buckets);
}
