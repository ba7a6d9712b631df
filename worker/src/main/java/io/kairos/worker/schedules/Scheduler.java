package io.kairos.worker.schedules;

import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkerBucket;
import io.kairos.persistence.schedule.ScheduleStore;
import io.kairos.worker.ownership.BucketLeases;
import io.temporal.api.common.v1.WorkflowExecution;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs the schedules of the buckets this worker holds. Each schedule is stepped at its next wakeup (held in memory,
 * exact to the millisecond), when an API call on this worker changed it, and when a workflow it waits on closes (a
 * long poll on history per such schedule). Every {@code poll} it also reads the due schedules of its buckets, which is
 * how it learns of changes made through other workers and of the schedules of a bucket it just took over. Steps of
 * one schedule never overlap; steps of different schedules run in parallel, up to {@link #PARALLEL_STEPS}.
 */
public final class Scheduler implements BucketLeases.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    static final int PARALLEL_STEPS = 16;
    private static final Duration WATCH_POLL = Duration.ofSeconds(20);

    record Ref(NamespaceId namespaceId, String scheduleId) {
        int bucket() {
            return WorkerBucket.of(namespaceId.toString(), scheduleId);
        }
    }

    private final ScheduleStore store;
    private final ScheduleStepper stepper;
    private final BucketLeases leases;
    private final Clock clock;
    private final Duration poll;
    private final DelayQueue<Wake> wakes = new DelayQueue<>();
    private final Map<Ref, Instant> pending = new ConcurrentHashMap<>();
    private final Set<Ref> stepping = ConcurrentHashMap.newKeySet();
    private final Set<Ref> again = ConcurrentHashMap.newKeySet();
    private final Map<Ref, Watch> watches = new ConcurrentHashMap<>();
    /** Schedules whose next step must re-read their started workflows' status (a watched one closed). */
    private final Set<Ref> refresh = ConcurrentHashMap.newKeySet();
    /** Workflows a watch saw closed, and when: a step that still lists one as running is not watched again at once. */
    private final Map<WorkflowExecution, Instant> seenClosed = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore permits = new Semaphore(PARALLEL_STEPS);
    private volatile boolean closed;
    private Thread dispatcher;
    private Thread poller;

    Scheduler(ScheduleStore store, ScheduleStepper stepper, BucketLeases leases, Clock clock, Duration poll) {
        this.store = store;
        this.stepper = stepper;
        this.leases = leases;
        this.clock = clock;
        this.poll = poll;
    }

    synchronized void start() {
        if (dispatcher == null) {
            dispatcher = Thread.ofPlatform().daemon().name("kairos-scheduler").start(this::dispatch);
            poller = Thread.ofPlatform().daemon().name("kairos-scheduler-poll").start(this::pollLoop);
        }
    }

    /** Steps the schedule as soon as possible (an API call changed it). */
    void wake(NamespaceId ns, String scheduleId) {
        Ref ref = new Ref(ns, scheduleId);
        if (leases.owns(ref.bucket())) {
            wakeAt(ref, clock.instant());
        }
    }

    private void wakeAt(Ref ref, Instant at) {
        Instant[] added = new Instant[1];
        pending.compute(ref, (k, cur) -> {
            if (cur != null && !cur.isAfter(at)) {
                return cur;
            }
            added[0] = at;
            return at;
        });
        if (added[0] != null) {
            wakes.add(new Wake(ref, added[0]));
        }
    }

    private void dispatch() {
        while (!closed) {
            Wake w;
            try {
                w = wakes.take();
            } catch (InterruptedException e) {
                return;
            }
            // A wake superseded by an earlier one was already taken: skip it.
            if (!pending.remove(w.ref(), w.at())) {
                continue;
            }
            submit(w.ref());
        }
    }

    private void submit(Ref ref) {
        if (!stepping.add(ref)) {
            again.add(ref); // it is being stepped: step once more right after
            return;
        }
        threads.execute(() -> {
            try {
                permits.acquire();
                try {
                    runStep(ref);
                } finally {
                    permits.release();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stepping.remove(ref);
                if (again.remove(ref) && !closed) {
                    submit(ref);
                }
            }
        });
    }

    private void runStep(Ref ref) {
        if (closed || !leases.owns(ref.bucket())) {
            return;
        }
        ScheduleStepper.StepResult res;
        try {
            res = stepper.step(ref.namespaceId(), ref.scheduleId(), refresh.remove(ref));
        } catch (RuntimeException e) {
            log.warn("component=worker schedule={} msg=\"schedule step failed; retrying\" error=\"{}\"",
                    ref.scheduleId(), e.toString());
            wakeAt(ref, clock.instant().plusSeconds(1));
            return;
        }
        if (res.gone()) {
            stopWatch(ref);
            return;
        }
        if (res.nextWakeup() != null && leases.owns(ref.bucket())) {
            wakeAt(ref, res.nextWakeup());
        }
        if (res.watch() != null) {
            watch(ref, res.watch());
        } else {
            stopWatch(ref);
        }
    }

    private void pollLoop() {
        while (!closed) {
            try {
                Set<Integer> owned = leases.owned();
                if (!owned.isEmpty()) {
                    for (ScheduleStore.Due d : store.due(owned, clock.instant().plus(poll), 1000)) {
                        wakeAt(new Ref(d.namespaceId(), d.scheduleId()), d.nextWakeup());
                    }
                }
            } catch (RuntimeException e) {
                log.warn("component=worker msg=\"reading due schedules failed\" error=\"{}\"", e.getMessage());
            }
            try {
                Thread.sleep(poll);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Long-polls the workflow a buffered start waits on; when it closes, the schedule is stepped. */
    private void watch(Ref ref, WorkflowExecution ex) {
        Instant closed = seenClosed.get(ex);
        if (closed != null && closed.isAfter(clock.instant().minus(WATCH_POLL))) {
            // Seen closed, yet still listed as running (its status could not be read): look again in a second
            // rather than spin on a watch that returns at once.
            stopWatch(ref);
            refresh.add(ref);
            wakeAt(ref, clock.instant().plusSeconds(1));
            return;
        }
        Watch cur = watches.get(ref);
        if (cur != null && cur.execution().equals(ex) && !cur.done()) {
            return;
        }
        Watch w = new Watch(ex);
        Watch old = watches.put(ref, w);
        if (old != null) {
            old.stop();
        }
        w.thread = Thread.ofVirtual().name("kairos-schedule-watch").start(() -> awaitClose(ref, w));
    }

    private void awaitClose(Ref ref, Watch w) {
        long backoff = 1000;
        while (!w.stopped && !closed) {
            try {
                // The namespace name is only a label in the request; history resolves the id.
                ScheduleEffects.Outcome o = stepper.effects(ref.namespaceId(), "").awaitClose(w.execution(), WATCH_POLL);
                if (!o.running()) {
                    watches.remove(ref, w);
                    w.stop();
                    seenClosed.put(w.execution(), clock.instant());
                    seenClosed.values().removeIf(t -> t.isBefore(clock.instant().minus(WATCH_POLL)));
                    // The step must re-read the statuses: that drops the closed run and starts what waited on it.
                    refresh.add(ref);
                    wakeAt(ref, clock.instant());
                    return;
                }
                backoff = 1000;
            } catch (RuntimeException e) {
                if (w.stopped || closed) {
                    return;
                }
                log.debug("component=worker schedule={} msg=\"watch failed; retrying\" error=\"{}\"", ref.scheduleId(), e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(30_000, backoff * 2);
            }
        }
    }

    private void stopWatch(Ref ref) {
        Watch w = watches.remove(ref);
        if (w != null) {
            w.stop();
        }
    }

    @Override
    public void acquired(int bucket) {
        // Schedules waiting on workflows need their watches back; the poll picks up the due ones.
        try {
            for (ScheduleStore.Due d : store.watching(Set.of(bucket))) {
                wakeAt(new Ref(d.namespaceId(), d.scheduleId()), clock.instant());
            }
        } catch (RuntimeException e) {
            log.warn("component=worker bucket={} msg=\"reading watched schedules failed; the poll retries\" error=\"{}\"",
                    bucket, e.getMessage());
        }
    }

    @Override
    public void released(int bucket) {
        pending.keySet().removeIf(ref -> ref.bucket() == bucket);
        watches.keySet().stream().filter(ref -> ref.bucket() == bucket).toList().forEach(this::stopWatch);
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : new Thread[]{dispatcher, poller}) {
            if (t != null) {
                t.interrupt();
            }
        }
        watches.keySet().stream().toList().forEach(this::stopWatch);
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Watch {
        private final WorkflowExecution execution;
        volatile boolean stopped;
        volatile Thread thread;

        Watch(WorkflowExecution execution) {
            this.execution = execution;
        }

        WorkflowExecution execution() {
            return execution;
        }

        boolean done() {
            return stopped;
        }

        void stop() {
            stopped = true;
            Thread t = thread;
            if (t != null) {
                t.interrupt();
            }
        }
    }

    private record Wake(Ref ref, Instant at) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(Instant.now(), at));
        }

        @Override
        public int compareTo(Delayed o) {
            return at.compareTo(((Wake) o).at);
        }
    }
}
