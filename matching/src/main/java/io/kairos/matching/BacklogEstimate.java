package io.kairos.matching;

import com.google.protobuf.util.Timestamps;
import io.kairos.persistence.matching.BacklogTask;
import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.persistence.matching.TaskQueueStore;
import io.kairos.proto.persistence.v1.BacklogTaskInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one loaded queue reports as approximate_backlog_count and approximate_backlog_age_seconds, kept in memory
 * so a scrape costs no SQL: the persisted rows are counted once at load, then followed by commits and deletes; the
 * age is that of the oldest task buffered or held, or else of the oldest row not yet read (known at load, or from
 * the commits and reads since). Approximate, as Temporal's: a write that failed but committed is not counted.
 * The unread part is guarded by the queue manager's lock.
 */
final class BacklogEstimate {
    private static final Logger log = LoggerFactory.getLogger(BacklogEstimate.class);
    private static final long NONE = Long.MAX_VALUE;

    private final AtomicLong persisted = new AtomicLong();
    /** Epoch millis of the oldest row not read into memory (after a partial read: the newest read); NONE. */
    private long unreadOldestMillis = NONE;

    /** At load (two queries, never per scrape); a failure leaves the estimate empty, the queue still serves. */
    void seed(TaskQueueStore store, TaskQueueKey key) {
        try {
            persisted.set(store.countTasks(key));
            Instant oldest = store.oldestTaskCreatedAt(key);
            unreadOldestMillis = oldest == null ? NONE : oldest.toEpochMilli();
        } catch (RuntimeException e) {
            log.debug("component=matching msg=\"cannot seed backlog metrics\" queue={} error=\"{}\"", key, e.getMessage());
        }
    }

    /** A batch committed; {@code buffered}: it went to memory rather than staying in the database. Under the lock. */
    void committed(List<BacklogTask> batch, boolean buffered, long nowMillis) {
        persisted.addAndGet(batch.size());
        if (!buffered && unreadOldestMillis == NONE && !batch.isEmpty()) {
            unreadOldestMillis = createdMillis(batch.getFirst().info(), nowMillis);
        }
    }

    /**
     * Rows read into memory. Under the lock.
     *
     * @param allRead  nothing is left in the database beyond what memory has
     * @param inMemory then the backlog is exactly the tasks in memory (buffered or being started): the count
     *                 resyncs, dropping the drift of rows another host deleted or writes that failed but committed
     */
    void read(List<BacklogTask> rows, boolean allRead, int inMemory) {
        if (allRead) {
            persisted.set(inMemory);
            unreadOldestMillis = NONE;
        } else if (!rows.isEmpty()) { // the rest is newer than the newest read
            unreadOldestMillis = createdMillis(rows.getLast().info(), unreadOldestMillis);
        }
    }

    /** Rows deleted (served, stale or expired). */
    void deleted(int n) {
        persisted.addAndGet(-n);
    }

    long count(int held) {
        return Math.max(0, persisted.get()) + held;
    }

    /**
     * Under the lock.
     *
     * @param head       the oldest buffered task, or null
     * @param heldSince  when the oldest held add arrived, or null
     */
    double ageSeconds(BacklogTask head, Instant heldSince, long nowMillis) {
        long oldest = unreadOldestMillis;
        if (head != null) {
            oldest = Math.min(oldest, createdMillis(head.info(), NONE));
        }
        if (heldSince != null) {
            oldest = Math.min(oldest, heldSince.toEpochMilli());
        }
        return oldest == NONE ? 0 : Math.max(0, nowMillis - oldest) / 1000.0;
    }

    static long createdMillis(BacklogTaskInfo info, long otherwise) {
        return info.hasCreatedTime() ? Timestamps.toMillis(info.getCreatedTime()) : otherwise;
    }
}
