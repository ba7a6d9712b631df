package io.kairos.worker.batch;

import io.kairos.persistence.batch.BatchOperationStore;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.worker.WorkerMetrics;
import io.kairos.worker.ownership.BucketLeases;

import java.time.Clock;
import java.time.Duration;

/** The batch operations of the worker service: the RPCs ({@link BatchOperations}) and the runner of the jobs. */
public final class Batches implements AutoCloseable {
    private final BatchRunner runner;
    private final BatchOperations operations;

    public Batches(BatchOperationStore store, PostgresVisibilityStore visibility, HistoryServiceGrpc.HistoryServiceBlockingStub history,
                   BucketLeases leases, Clock clock, Duration poll, int maxConcurrentPerNamespace, WorkerMetrics metrics) {
        BatchTargets targets = new BatchTargets(visibility);
        this.runner = new BatchRunner(store, targets, new BatchActions(history), leases, clock, poll, metrics);
        this.operations = new BatchOperations(store, targets, runner, clock, maxConcurrentPerNamespace);
        leases.addListener(runner);
    }

    public BatchOperations operations() {
        return operations;
    }

    public void start() {
        runner.start();
    }

    @Override
    public void close() {
        runner.close();
    }
}
