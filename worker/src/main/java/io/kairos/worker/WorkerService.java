package io.kairos.worker;

import io.grpc.Channel;
import io.grpc.ServerServiceDefinition;
import io.kairos.persistence.batch.BatchOperationStore;
import io.kairos.persistence.matching.TaskQueueStore;
import io.kairos.persistence.membership.MembershipStore;
import io.kairos.persistence.schedule.ScheduleStore;
import io.kairos.persistence.systemjob.SystemJobLeaseStore;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.worker.batch.BatchOperations;
import io.kairos.worker.batch.Batches;
import io.kairos.worker.jobs.Scavengers;
import io.kairos.worker.jobs.SystemJobRunner;
import io.kairos.worker.ownership.BucketLeases;
import io.kairos.worker.schedules.Schedules;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The worker service: schedules and batch operations (each schedule and job runs on the worker holding its bucket's
 * lease, see {@link BucketLeases}), and the scavengers (system jobs, one worker at a time). Its internal gRPC API
 * answers Temporal's schedule and batch RPCs for the frontend.
 */
public final class WorkerService implements AutoCloseable {
    static final Duration CHECK = Duration.ofSeconds(5);
    static final Duration LEASE_TTL = Duration.ofSeconds(30);
    /** Buckets move within a few seconds of a worker joining or leaving; a dead worker's after the ttl. */
    static final Duration BUCKET_CHECK = Duration.ofSeconds(2);
    static final Duration BUCKET_TTL = Duration.ofSeconds(10);
    static final Duration POLL = Duration.ofSeconds(1);

    /** What the worker service needs from the process it runs in. */
    public record Dependencies(SystemJobLeaseStore leases, String identity, MembershipStore membership,
                               TaskQueueStore queues, ScheduleStore schedules, BatchOperationStore batches,
                               PostgresVisibilityStore visibility, Channel historyChannel,
                               Supplier<Set<Integer>> placedBuckets, boolean exclusive, Clock clock,
                               MeterRegistry metrics) {
    }

    private final SystemJobRunner runner;
    private final BucketLeases buckets;
    private final Schedules schedules;
    private final Batches batches;

    public WorkerService(Dependencies d) {
        WorkerMetrics metrics = new WorkerMetrics(d.metrics());
        this.runner = new SystemJobRunner(d.leases(), d.identity(), List.of(Scavengers.membershipReaper(d.membership(), metrics),
                Scavengers.taskQueueScavenger(d.queues(), metrics)), CHECK, LEASE_TTL);
        this.buckets = new BucketLeases(d.leases(), d.identity(), d.placedBuckets(), d.exclusive(), BUCKET_CHECK, BUCKET_TTL);
        var history = HistoryServiceGrpc.newBlockingStub(d.historyChannel());
        this.schedules = new Schedules(d.schedules(), d.visibility(), history, buckets, d.clock(), POLL, metrics);
        this.batches = new Batches(d.batches(), d.visibility(), history, buckets, d.clock(), POLL.multipliedBy(2),
                BatchOperations.DEFAULT_MAX_CONCURRENT, metrics);
    }

    /** The internal API the frontend forwards schedule and batch RPCs to. */
    public List<ServerServiceDefinition> services() {
        return List.of(new WorkerServiceHandler(schedules.operations(), batches.operations()).bindService());
    }

    public void start() {
        runner.start();
        schedules.start();
        batches.start();
        buckets.start();
    }

    /** Stops taking steps and gives the leases back, so other workers take over at their next check. */
    @Override
    public void close() {
        schedules.close();
        batches.close();
        buckets.close();
        runner.close();
    }
}
