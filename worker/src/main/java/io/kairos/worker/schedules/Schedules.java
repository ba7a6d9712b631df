package io.kairos.worker.schedules;

import io.kairos.persistence.schedule.ScheduleStore;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.worker.WorkerMetrics;
import io.kairos.worker.ownership.BucketLeases;

import java.time.Clock;
import java.time.Duration;

/** The schedules of the worker service: the RPCs ({@link ScheduleOperations}) and the scheduler that runs them. */
public final class Schedules implements AutoCloseable {
    private final Scheduler scheduler;
    private final ScheduleOperations operations;

    /** @param poll how often the scheduler reads the due schedules of its buckets (changes made through other workers) */
    public Schedules(ScheduleStore store, PostgresVisibilityStore visibility, HistoryServiceGrpc.HistoryServiceBlockingStub history,
                     BucketLeases leases, Clock clock, Duration poll, WorkerMetrics metrics) {
        ScheduleStepper stepper = new ScheduleStepper(store, new ScheduleVisibility(visibility),
                (ns, name) -> new ScheduledWorkflows(history, ns, name, clock), clock, metrics);
        this.scheduler = new Scheduler(store, stepper, leases, clock, poll);
        this.operations = new ScheduleOperations(store, visibility, stepper, scheduler, clock);
        leases.addListener(scheduler);
    }

    public ScheduleOperations operations() {
        return operations;
    }

    public void start() {
        scheduler.start();
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
