package io.kairos.worker.jobs;

import io.kairos.persistence.systemjob.SystemJobLeaseStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Runs each {@link SystemJob} on whichever worker process holds its lease in {@code system_job_leases}: every
 * {@code check} it renews the leases it holds (or tries to take free or expired ones) and runs the jobs that are due.
 * A lease renewed just before each run, with a ttl several checks long, means one holder at a time.
 *
 * <p>Tolerated race, named: a holder frozen for longer than the ttl (a GC pause, a stopped VM) may finish a run it
 * began while another worker already took the lease. Every job is an idempotent cleanup, so two overlapping runs
 * delete the same rows once.
 */
public final class SystemJobRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SystemJobRunner.class);

    private final SystemJobLeaseStore leases;
    private final String owner;
    private final List<SystemJob> jobs;
    private final Duration check;
    private final Duration ttl;
    private final Map<String, Long> held = new HashMap<>();
    private final Map<String, Long> nextRun = new HashMap<>();
    private volatile boolean closed;
    private Thread loop;

    /** @param owner this worker's identity as the leases record it (hostname:pid) */
    public SystemJobRunner(SystemJobLeaseStore leases, String owner, List<SystemJob> jobs, Duration check, Duration ttl) {
        if (ttl.compareTo(check.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("lease ttl must cover at least three checks");
        }
        this.leases = leases;
        this.owner = owner;
        this.jobs = List.copyOf(jobs);
        this.check = check;
        this.ttl = ttl;
    }

    public synchronized void start() {
        if (loop == null) {
            loop = Thread.ofPlatform().daemon().name("kairos-system-jobs").start(this::run);
        }
    }

    private void run() {
        while (!closed) {
            for (SystemJob job : jobs) {
                if (closed) {
                    break;
                }
                try {
                    tick(job);
                } catch (RuntimeException e) {
                    log.warn("component=worker job={} msg=\"system job step failed\" error=\"{}\"", job.name(), e.getMessage());
                }
            }
            try {
                Thread.sleep(check);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Holds (or takes) the job's lease and runs it when due. */
    synchronized void tick(SystemJob job) {
        Long range = held.get(job.name());
        if (range != null && !leases.renew(job.name(), owner, range, ttl)) {
            log.info("component=worker job={} msg=\"system job lease taken by another worker\"", job.name());
            held.remove(job.name());
            range = null;
        }
        if (range == null) {
            OptionalLong got = leases.tryAcquire(job.name(), owner, ttl);
            if (got.isEmpty()) {
                return;
            }
            range = got.getAsLong();
            held.put(job.name(), range);
            log.info("component=worker job={} msg=\"running system job here\" owner={} range_id={}", job.name(), owner, range);
        }
        long now = System.nanoTime();
        Long due = nextRun.get(job.name());
        if (due == null || now - due >= 0) {
            nextRun.put(job.name(), now + job.interval().toNanos());
            job.work().run();
        }
    }

    /** The jobs whose lease this worker holds. */
    public synchronized List<String> heldJobs() {
        return List.copyOf(held.keySet());
    }

    /** Stops and gives the leases back, so another worker takes the jobs at its next check. */
    @Override
    public void close() {
        closed = true;
        Thread t = loop;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            held.forEach((job, range) -> {
                try {
                    leases.release(job, owner, range);
                } catch (RuntimeException e) {
                    log.debug("component=worker job={} msg=\"cannot release lease; it expires\" error=\"{}\"", job, e.getMessage());
                }
            });
            held.clear();
        }
    }
}
