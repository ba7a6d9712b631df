package io.kairos.worker;

/**
 * The worker service runs Temporal's system workflows (schedules, batch operations, namespace reclaim).
 * None exist before the engine can run workflows, so today it only takes part in the process lifecycle.
 */
public final class WorkerService implements AutoCloseable {
    public void start() {
    }

    @Override
    public void close() {
    }
}
