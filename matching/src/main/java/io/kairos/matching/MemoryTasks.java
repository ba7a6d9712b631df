package io.kairos.matching;

import io.kairos.common.errors.DeadlineExceededException;
import io.temporal.api.enums.v1.TaskQueueKind;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The in-memory tasks of one kind (queries or Nexus tasks) waiting for a poll or an answer on this host, by id, so
 * the worker's answer finds its task. Each is forgotten when it ends, however it ends (answered, deadline, caller
 * gone, queue unloaded), so nothing outlives its caller.
 */
final class MemoryTasks<T extends MemoryTask<?>> {
    private final MatchingEngine engine;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final ConcurrentHashMap<String, T> inFlight = new ConcurrentHashMap<>();

    MemoryTasks(MatchingEngine engine, Executor executor, ScheduledExecutorService timer) {
        this.engine = engine;
        this.executor = executor;
        this.timer = timer;
    }

    /** Tasks waiting for a poll or an answer (tests check that none is left behind). */
    int inFlight() {
        return inFlight.size();
    }

    /**
     * Registers the task, fails it with DEADLINE_EXCEEDED after {@code timeout}, and offers it to its queue's polls
     * (a queue that cannot take it fails it at once).
     */
    T start(T task, TaskQueueKind kind, Duration timeout) {
        inFlight.put(task.id(), task);
        ScheduledFuture<?> expiry = null;
        try {
            expiry = timer.schedule(() -> executor.execute(() -> task.fail(
                    new DeadlineExceededException("context deadline exceeded"))), timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            task.fail(new TaskQueueUnloadedException(task.key()));
        }
        ScheduledFuture<?> armed = expiry;
        task.result().whenComplete((r, e) -> {
            inFlight.remove(task.id(), task);
            if (armed != null) {
                armed.cancel(false);
            }
        });
        if (!task.isDone()) {
            engine.addMemoryTask(task.key(), kind, task).whenComplete((ignored, error) -> {
                if (error != null) {
                    task.fail(MatchingEngine.unwrap(error));
                }
            });
        }
        return task;
    }

    /** The task waiting for its answer; null when it already ended or never was. */
    T find(String id) {
        T task = inFlight.get(id);
        return task == null || task.isDone() ? null : task;
    }
}
