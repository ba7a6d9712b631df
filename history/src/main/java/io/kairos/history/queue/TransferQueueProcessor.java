package io.kairos.history.queue;

import io.kairos.history.shard.ShardContext;
import io.kairos.persistence.execution.ExecutionStore;
import io.kairos.persistence.execution.QueueTask;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The transfer queue: tasks to run as soon as they are committed (push workflow and activity tasks to matching).
 * After the start-up read of the table, tasks arrive only in memory from commits; the table is read again only
 * when a commit's outcome was unknown.
 */
public final class TransferQueueProcessor extends QueueProcessor {
    private static final Duration IDLE = Duration.ofSeconds(10);
    private static final Duration FULL_WAIT = Duration.ofMillis(100);

    private final ConcurrentLinkedQueue<QueueTask> handedOver = new ConcurrentLinkedQueue<>();
    /** Read the table after this task id; -1 when no read is due. Only the loop thread uses it. */
    private long scanAfter = 0;
    private volatile boolean rescanRequested;

    public TransferQueueProcessor(ShardContext shard, ExecutionStore store, TaskRunner executor, Clock clock) {
        super(shard, store, executor, clock);
    }

    @Override
    String name() {
        return "transfer";
    }

    @Override
    void listen() {
        shard.onTransferTasks(new ShardContext.QueueListener() {
            @Override
            public void committed(List<QueueTask> tasks) {
                handedOver.addAll(tasks);
                wake();
            }

            @Override
            public void rescan() {
                rescanRequested = true;
                wake();
            }
        });
    }

    @Override
    Duration pass() {
        QueueTask t;
        while ((t = handedOver.poll()) != null) {
            if (tracked.add(t.taskId())) {
                dispatch(t);
            }
        }
        if (rescanRequested) {
            rescanRequested = false;
            scanAfter = 0;
        }
        if (scanAfter < 0) {
            return IDLE;
        }
        if (tracked.size() >= MAX_TRACKED) {
            return FULL_WAIT;
        }
        List<QueueTask> page = store.readTransferTasks(shard.shardId(), scanAfter, PAGE);
        for (QueueTask r : page) {
            if (tracked.add(r.taskId())) {
                dispatch(r);
            }
        }
        scanAfter = page.size() < PAGE ? -1 : page.get(page.size() - 1).taskId();
        return scanAfter < 0 ? IDLE : Duration.ZERO;
    }

    @Override
    void delete(List<QueueTask> tasks) {
        store.deleteTransferTasks(shard.shardId(), tasks.stream().map(QueueTask::taskId).toList());
    }
}
