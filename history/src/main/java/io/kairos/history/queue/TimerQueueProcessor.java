package io.kairos.history.queue;

import io.kairos.history.shard.ShardContext;
import io.kairos.persistence.execution.ExecutionStore;
import io.kairos.persistence.execution.QueueTask;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The timer queue: user timers, timeouts, retry and workflow backoffs, fired at their time. Timers due within
 * the next {@link #LOOKAHEAD} wait in memory, ordered by (fire time, id); the table is read ahead in windows.
 *
 * <p>Invariant: every committed timer with a key at or below {@link #scannedThrough} is in memory (or done),
 * and every one above it is found by a later read. A commit hands its timers over only when their key is at or
 * below that mark. The mark moves up before a read starts, so a timer committed during the read is either handed
 * over or seen by the read; it moves down when memory is full or a read returned a full page.
 */
public final class TimerQueueProcessor extends QueueProcessor {
    static final Duration LOOKAHEAD = Duration.ofSeconds(60);
    static final int MAX_IN_MEMORY = 100_000;
    private static final Key NOTHING = new Key(Instant.EPOCH, Long.MIN_VALUE);

    record Key(Instant at, long id) implements Comparable<Key> {
        static Key of(QueueTask t) {
            return new Key(t.fireAt(), t.taskId());
        }

        @Override
        public int compareTo(Key o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : Long.compare(id, o.id);
        }
    }

    private final TreeMap<Key, QueueTask> waiting = new TreeMap<>();
    private Key scannedThrough = NOTHING;
    /** When the loop will look next on its own; Instant.MAX while it works, so every hand-off wakes it. */
    private volatile Instant nextWakeAt = Instant.MAX;

    public TimerQueueProcessor(ShardContext shard, ExecutionStore store, TaskRunner executor, Clock clock) {
        super(shard, store, executor, clock);
    }

    @Override
    String name() {
        return "timer";
    }

    @Override
    void listen() {
        shard.onTimerTasks(new ShardContext.QueueListener() {
            @Override
            public void committed(List<QueueTask> tasks) {
                Instant earliest = Instant.MAX;
                synchronized (TimerQueueProcessor.this) {
                    for (QueueTask t : tasks) {
                        Key k = Key.of(t);
                        if (k.compareTo(scannedThrough) <= 0 && tracked.add(t.taskId())) {
                            waiting.put(k, t);
                            earliest = earliest.isBefore(t.fireAt()) ? earliest : t.fireAt();
                        }
                    }
                    trim();
                }
                if (earliest.isBefore(nextWakeAt)) {
                    wake();
                }
            }

            @Override
            public void rescan() {
                synchronized (TimerQueueProcessor.this) {
                    scannedThrough = NOTHING;
                }
                wake();
            }
        });
    }

    @Override
    Duration pass() {
        nextWakeAt = Instant.MAX;
        Instant now = clock.instant();
        boolean more = readAhead(now);
        List<QueueTask> due = new ArrayList<>();
        Instant next;
        synchronized (this) {
            while (!waiting.isEmpty() && !waiting.firstKey().at().isAfter(now)) {
                due.add(waiting.pollFirstEntry().getValue());
            }
            next = scannedThrough.at().minus(LOOKAHEAD.dividedBy(2));
            if (!waiting.isEmpty() && waiting.firstKey().at().isBefore(next)) {
                next = waiting.firstKey().at();
            }
        }
        due.forEach(this::dispatch);
        if (more) {
            return Duration.ZERO;
        }
        nextWakeAt = next;
        Duration wait = Duration.between(clock.instant(), next);
        return wait.isNegative() ? Duration.ZERO : wait;
    }

    /** Reads the next window of the table when the mark is less than half a lookahead ahead; true if more is due. */
    private boolean readAhead(Instant now) {
        Key from;
        Instant until = now.plus(LOOKAHEAD);
        synchronized (this) {
            if (!scannedThrough.at().isBefore(now.plus(LOOKAHEAD.dividedBy(2))) || waiting.size() >= MAX_IN_MEMORY
                    || tracked.size() >= MAX_TRACKED + MAX_IN_MEMORY) {
                return false;
            }
            from = scannedThrough;
            scannedThrough = new Key(until, Long.MIN_VALUE);
        }
        List<QueueTask> page = store.readTimerTasks(shard.shardId(), from.at(), from.id(), until, PAGE);
        synchronized (this) {
            for (QueueTask t : page) {
                if (tracked.add(t.taskId())) {
                    waiting.put(Key.of(t), t);
                }
            }
            if (page.size() == PAGE) {
                Key last = Key.of(page.get(page.size() - 1));
                if (last.compareTo(scannedThrough) < 0) {
                    scannedThrough = last;
                }
            }
            trim();
        }
        return page.size() == PAGE;
    }

    /** Keeps memory bounded: the latest timers go back to being found by a later read. */
    private void trim() {
        while (waiting.size() > MAX_IN_MEMORY) {
            Map.Entry<Key, QueueTask> last = waiting.pollLastEntry();
            tracked.remove(last.getValue().taskId());
            Key below = waiting.isEmpty() ? NOTHING : waiting.lastKey();
            if (below.compareTo(scannedThrough) < 0) {
                scannedThrough = below;
            }
        }
    }

    @Override
    void delete(List<QueueTask> tasks) {
        store.deleteTimerTasks(shard.shardId(), tasks);
    }
}
