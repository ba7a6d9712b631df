package io.kairos.matching;

import io.kairos.persistence.matching.BacklogTask;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The in-memory window on one queue's persisted backlog, oldest task first. Not thread-safe: the queue's
 * manager calls it under its lock.
 *
 * <p>Invariant: every persisted task with an id up to {@code readLevel} is known in memory (buffered, being
 * dispatched, or done), and no task above {@code maxReadLevel} is committed. Reads cover
 * {@code (readLevel, maxReadLevel]}, so a read never returns a task that memory already has. The queue's
 * writer commits batches one at a time in id order and reports each; a batch that directly follows what memory
 * already covers is appended without a read.
 */
final class BacklogBuffer {
    static final int READ_BATCH = 100;
    /** Read ahead when fewer than this many tasks are buffered and polls are waiting. */
    static final int LOW_WATERMARK = READ_BATCH / 4;
    /** Own writes beyond this stay in the database until read. */
    static final int MAX_BUFFERED = 1_000;

    /** The range of one read in progress. */
    record ReadRange(long afterTaskId, long maxTaskId, int limit) {
    }

    private final TreeMap<Long, BacklogTask> tasks = new TreeMap<>();
    private long readLevel;
    private long maxReadLevel;
    private boolean reading;

    /**
     * @param maxReadLevel the highest id that previous owners can have written: just below this lease's block
     */
    BacklogBuffer(long maxReadLevel) {
        this.readLevel = 0;
        this.maxReadLevel = maxReadLevel;
    }

    boolean isEmpty() {
        return tasks.isEmpty();
    }

    /** Nothing buffered and nothing committed beyond what memory covers: the persisted backlog is empty. */
    boolean isDrained() {
        return tasks.isEmpty() && readLevel >= maxReadLevel;
    }

    int size() {
        return tasks.size();
    }

    long readLevel() {
        return readLevel;
    }

    /** The oldest buffered task id, or -1. */
    long oldestTaskId() {
        return tasks.isEmpty() ? -1 : tasks.firstKey();
    }

    /** The oldest buffered task (left in place), or null. */
    BacklogTask peek() {
        Map.Entry<Long, BacklogTask> e = tasks.firstEntry();
        return e == null ? null : e.getValue();
    }

    /** Removes and returns the oldest buffered task, or null. */
    BacklogTask poll() {
        Map.Entry<Long, BacklogTask> e = tasks.pollFirstEntry();
        return e == null ? null : e.getValue();
    }

    /** A task whose start failed goes back; its id keeps its place in the order. */
    void putBack(BacklogTask task) {
        tasks.put(task.taskId(), task);
    }

    /**
     * A batch the writer committed (ids ascending, all above every earlier batch).
     *
     * @return whether the batch is buffered (else it stays in the database until read)
     */
    boolean onCommitted(List<BacklogTask> batch) {
        if (batch.isEmpty()) {
            return true;
        }
        long last = batch.get(batch.size() - 1).taskId();
        boolean buffered = false;
        if (!reading && readLevel == maxReadLevel && tasks.size() + batch.size() <= MAX_BUFFERED) {
            batch.forEach(this::putBack);
            readLevel = last;
            buffered = true;
        }
        maxReadLevel = Math.max(maxReadLevel, last);
        return buffered;
    }

    /** Every committed task is in memory (or done): nothing is left to read. */
    boolean allRead() {
        return readLevel >= maxReadLevel;
    }

    /** A write failed, but may have committed: make the next read cover its ids. */
    void onWriteFailed(long lastTaskId) {
        maxReadLevel = Math.max(maxReadLevel, lastTaskId);
    }

    /** Starts a read when the buffer runs low and the database may hold more; null otherwise. */
    ReadRange startRead() {
        if (reading || readLevel >= maxReadLevel || tasks.size() >= LOW_WATERMARK) {
            return null;
        }
        reading = true;
        return new ReadRange(readLevel, maxReadLevel, READ_BATCH);
    }

    void onRead(ReadRange range, List<BacklogTask> rows) {
        reading = false;
        rows.forEach(this::putBack);
        readLevel = rows.size() < range.limit() ? range.maxTaskId() : rows.get(rows.size() - 1).taskId();
    }

    void onReadFailed() {
        reading = false;
    }
}
