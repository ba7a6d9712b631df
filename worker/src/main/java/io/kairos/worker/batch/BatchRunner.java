package io.kairos.worker.batch;

import com.google.protobuf.ByteString;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkerBucket;
import io.kairos.persistence.batch.BatchOperationStore;
import io.kairos.persistence.batch.BatchOperationStore.BatchRow;
import io.kairos.persistence.visibility.VisibilityPage;
import io.kairos.persistence.visibility.VisibilityRecord;
import io.kairos.proto.persistence.v1.BatchOperationRecord;
import io.kairos.worker.WorkerMetrics;
import io.kairos.worker.ownership.BucketLeases;
import io.temporal.api.common.v1.WorkflowExecution;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs the batch jobs of the buckets this worker holds, one virtual thread per job: a page of targets at a time (a
 * visibility page, or a slice of the explicit executions, about a second's worth at the job's rate), each operation
 * paced to that rate, the progress (counts and where to resume) committed after every page with a compare-and-swap. A job taken over after a crash resumes
 * from its last committed page; the operations of the page it was in are sent again, with the same request ids, so
 * history applies them once (a terminate of a terminated run is NOT_FOUND, which counts as done).
 */
public final class BatchRunner implements BucketLeases.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchRunner.class);
    /** Temporal's worker.batcherRPS default: operations per second of one job when the request sets none. */
    static final double DEFAULT_RPS = 50;
    /** At most this many operations between two commits of progress. */
    static final int MAX_PAGE_SIZE = 100;
    /** Temporal's defaultAttemptsOnRetryableError. */
    static final int ATTEMPTS = 50;

    private record Job(NamespaceId namespaceId, String jobId) {
        int bucket() {
            return WorkerBucket.of(namespaceId.toString(), jobId);
        }
    }

    private final BatchOperationStore store;
    private final BatchTargets targets;
    private final BatchActions actions;
    private final BucketLeases leases;
    private final Clock clock;
    private final Duration poll;
    private final WorkerMetrics metrics;
    private final Map<Job, Thread> running = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private Thread poller;

    BatchRunner(BatchOperationStore store, BatchTargets targets, BatchActions actions, BucketLeases leases, Clock clock,
                Duration poll, WorkerMetrics metrics) {
        this.store = store;
        this.targets = targets;
        this.actions = actions;
        this.leases = leases;
        this.clock = clock;
        this.poll = poll;
        this.metrics = metrics;
    }

    synchronized void start() {
        if (poller == null) {
            poller = Thread.ofPlatform().daemon().name("kairos-batch-poll").start(this::pollLoop);
        }
    }

    private void pollLoop() {
        while (!closed) {
            try {
                for (BatchOperationStore.JobKey k : store.running(leases.owned())) {
                    launch(new Job(k.namespaceId(), k.jobId()));
                }
            } catch (RuntimeException e) {
                log.warn("component=worker msg=\"reading running batch operations failed\" error=\"{}\"", e.getMessage());
            }
            try {
                Thread.sleep(poll);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A job was started through this worker: run it now if its bucket is ours, else its owner's poll finds it. */
    void wake(NamespaceId ns, String jobId) {
        Job job = new Job(ns, jobId);
        if (leases.owns(job.bucket())) {
            launch(job);
        }
    }

    /** A job was stopped: its thread notices at its next commit; interrupting it stops it sooner. */
    void stopped(NamespaceId ns, String jobId) {
        Thread t = running.get(new Job(ns, jobId));
        if (t != null) {
            t.interrupt();
        }
    }

    private void launch(Job job) {
        if (closed) {
            return;
        }
        Thread[] created = new Thread[1];
        running.computeIfAbsent(job, j -> created[0] = Thread.ofVirtual().name("kairos-batch-" + j.jobId()).unstarted(() -> {
            try {
                run(j);
            } catch (RuntimeException e) {
                log.warn("component=worker batch_job={} msg=\"batch operation step failed; the poll resumes it\" error=\"{}\"",
                        j.jobId(), e.toString());
            } finally {
                running.remove(j);
            }
        }));
        if (created[0] != null) {
            created[0].start();
        }
    }

    private void run(Job job) {
        Pacer pacer = null;
        int pageSize = MAX_PAGE_SIZE;
        while (!closed && leases.owns(job.bucket())) {
            Optional<BatchRow> read = store.get(job.namespaceId(), job.jobId());
            if (read.isEmpty() || read.get().state() != BatchOperationStore.RUNNING) {
                return;
            }
            BatchRow row = read.get();
            BatchOperationRecord r = row.record();
            if (pacer == null) {
                float rps = r.getRequest().getMaxOperationsPerSecond();
                double rate = rps > 0 ? rps : DEFAULT_RPS;
                pacer = new Pacer(rate);
                // About a second of work per page: progress shows every second and a takeover redoes at most that.
                pageSize = (int) Math.max(1, Math.min(MAX_PAGE_SIZE, Math.ceil(rate)));
            }
            BatchOperationRecord.Builder next = r.toBuilder();
            boolean finished;
            if (r.getEffectiveQuery().isEmpty()) {
                List<WorkflowExecution> all = BatchRequests.executions(r.getRequest());
                int from = r.getNextExecutionIndex();
                int to = Math.min(all.size(), from + pageSize);
                if (!applyAll(job, r, all.subList(from, to), next, pacer)) {
                    return;
                }
                next.setNextExecutionIndex(to);
                finished = to >= all.size();
            } else {
                VisibilityPage page;
                try {
                    page = targets.page(job.namespaceId(), r.getEffectiveQuery(), row.startTime(),
                            r.getPageToken().toByteArray(), pageSize);
                } catch (RuntimeException e) {
                    metrics.batcherOperationError(r.getNamespace()); // as Temporal's failed fetch of a page
                    throw e;
                }
                List<WorkflowExecution> list = new ArrayList<>();
                for (VisibilityRecord v : page.records()) {
                    list.add(WorkflowExecution.newBuilder().setWorkflowId(v.workflowId()).setRunId(v.runId().toString()).build());
                }
                if (!applyAll(job, r, list, next, pacer)) {
                    return;
                }
                next.setPageToken(ByteString.copyFrom(page.nextPageToken()));
                finished = page.nextPageToken().length == 0;
            }
            BatchRow committed = finished
                    ? row.with(BatchOperationStore.COMPLETED, clock.instant().truncatedTo(ChronoUnit.MICROS), next.build())
                    : row.with(BatchOperationStore.RUNNING, null, next.build());
            if (!store.update(committed)) {
                return; // stopped meanwhile, or another worker runs it now
            }
            if (finished) {
                log.info("component=worker batch_job={} msg=\"batch operation completed\" done={} failed={}",
                        job.jobId(), next.getSuccessCount(), next.getFailureCount());
                return;
            }
        }
    }

    /** Applies the operation to each target, counting into {@code next}; false when the job must stop now. */
    private boolean applyAll(Job job, BatchOperationRecord r, List<WorkflowExecution> list, BatchOperationRecord.Builder next,
                             Pacer pacer) {
        for (WorkflowExecution target : list) {
            BatchActions.Result result = BatchActions.Result.RETRY;
            for (int attempt = 1; attempt <= ATTEMPTS && result == BatchActions.Result.RETRY; attempt++) {
                if (closed || Thread.currentThread().isInterrupted() || !pacer.await()
                        || (attempt > 1 && !sleep(Math.min(5_000L, 200L * attempt)))) {
                    return false;
                }
                result = actions.apply(job.namespaceId(), job.jobId(), r, target);
                // As Temporal's batcher: each failed attempt counts as an error, a success once.
                if (result == BatchActions.Result.DONE) {
                    metrics.batcherProcessorRequest(r.getNamespace());
                } else {
                    metrics.batcherProcessorError(r.getNamespace());
                }
            }
            if (result == BatchActions.Result.DONE) {
                next.setSuccessCount(next.getSuccessCount() + 1);
            } else {
                next.setFailureCount(next.getFailureCount() + 1);
            }
        }
        return true;
    }

    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void acquired(int bucket) {
        try {
            for (BatchOperationStore.JobKey k : store.running(java.util.Set.of(bucket))) {
                launch(new Job(k.namespaceId(), k.jobId()));
            }
        } catch (RuntimeException e) {
            log.warn("component=worker bucket={} msg=\"reading batch operations failed; the poll retries\" error=\"{}\"",
                    bucket, e.getMessage());
        }
    }

    @Override
    public void released(int bucket) {
        running.forEach((job, t) -> {
            if (job.bucket() == bucket) {
                t.interrupt();
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        if (poller != null) {
            poller.interrupt();
        }
        running.values().forEach(Thread::interrupt);
    }

    /** Spaces operations {@code 1/rps} apart. */
    private static final class Pacer {
        private final long intervalNanos;
        private long next = System.nanoTime();

        Pacer(double rps) {
            this.intervalNanos = (long) (1_000_000_000L / rps);
        }

        /** Waits for the next slot; false when interrupted. */
        boolean await() {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            next = Math.max(next, System.nanoTime() - intervalNanos) + intervalNanos;
            return true;
        }
    }
}
