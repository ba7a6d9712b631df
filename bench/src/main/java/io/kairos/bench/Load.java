package io.kairos.bench;

import io.temporal.client.WorkflowClient;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Generates load with one virtual thread per in-flight workflow: a closed loop (C workers, each starting the next
 * workflow when its previous one returned) or an open loop (workflows started on a fixed schedule). Latency is
 * start-to-result; in the open loop it is measured from the scheduled start, so a slow server is not hidden.
 */
final class Load {
    /**
     * What one phase produced. latenciesNanos has one entry per completed workflow, in no order; the times are
     * seconds from the start of the phase to the first and to the last completion.
     */
    record Outcome(long[] latenciesNanos, int attempted, int errors, String firstError, double firstDoneSeconds,
                   double elapsedSeconds, boolean timedOut, String unsupported) {
    }

    private final WorkflowClient client;
    private final String taskQueue;
    private final String label;
    /** Set for a phase whose visibility lag is measured, else null. */
    volatile VisibilityLag visibility;

    Load(WorkflowClient client, String taskQueue, String label) {
        this.client = client;
        this.taskQueue = taskQueue;
        this.label = label;
    }

    /** N workflows, at most `concurrency` in flight. */
    Outcome closed(Variant v, int n, int concurrency, Duration timeout, String phase) {
        Tracker t = new Tracker(n, label + " " + v.id + " " + phase);
        long deadline = t.start + timeout.toNanos();
        AtomicInteger next = new AtomicInteger();
        ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor();
        for (int w = 0; w < Math.min(concurrency, n); w++) {
            exec.submit(() -> {
                while (next.getAndIncrement() < n && !t.stop.get() && System.nanoTime() < deadline) {
                    t.run(v, System.nanoTime(), deadline);
                }
            });
        }
        return t.finish(exec, deadline);
    }

    /** Workflows started at `rate` per second for `duration`, whatever the server's answers. */
    Outcome open(Variant v, double rate, Duration duration, Duration timeout, String phase) {
        int total = (int) Math.max(1, Math.round(rate * duration.toMillis() / 1000.0));
        Tracker t = new Tracker(total, label + " " + v.id + " " + phase);
        long deadline = t.start + timeout.toNanos();
        ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor();
        double intervalNanos = 1e9 / rate;
        for (int i = 0; i < total && !t.stop.get(); i++) {
            long at = t.start + (long) (i * intervalNanos);
            sleepUntil(at);
            if (System.nanoTime() >= deadline) {
                break;
            }
            exec.submit(() -> t.run(v, at, deadline));
        }
        return t.finish(exec, deadline);
    }

    private static void sleepUntil(long nanoTime) {
        long d;
        while ((d = nanoTime - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Shared bookkeeping of one phase, and its progress line every 5 s. */
    private final class Tracker {
        final long start = System.nanoTime();
        final long[] latencies;
        final AtomicInteger completed = new AtomicInteger();
        final AtomicInteger attempted = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicLong firstDone = new AtomicLong(Long.MAX_VALUE);
        final AtomicLong lastDone = new AtomicLong(start);
        final AtomicBoolean stop = new AtomicBoolean();
        final Map<String, Boolean> errorKinds = new ConcurrentHashMap<>();
        volatile String firstError;
        volatile String unsupported;
        final Thread progress;

        Tracker(int expected, String name) {
            latencies = new long[expected];
            progress = Thread.ofPlatform().daemon().name("progress").start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        Thread.sleep(5_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    double s = (System.nanoTime() - start) / 1e9;
                    System.out.printf("  [%s] %d/%d done in %.0f s (%.1f/s), %d errors%n",
                            name, completed.get(), expected, s, completed.get() / s, errors.get());
                }
            });
        }

        void run(Variant v, long t0, long deadline) {
            attempted.incrementAndGet();
            try {
                String workflowId = v.runOne(client, taskQueue, deadline);
                long now = System.nanoTime();
                VisibilityLag lag = visibility;
                if (lag != null) {
                    lag.closed(workflowId, now);
                }
                latencies[completed.getAndIncrement()] = now - t0;
                lastDone.accumulateAndGet(now, Math::max);
                firstDone.accumulateAndGet(now, Math::min);
            } catch (Variant.Unsupported e) {
                unsupported = e.getMessage();
                stop.set(true);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                errors.incrementAndGet();
                String kind = e.getClass().getSimpleName() + ": " + e.getMessage();
                if (errorKinds.putIfAbsent(kind, true) == null && errorKinds.size() <= 3) {
                    System.out.println("  [error] " + kind);
                }
                if (firstError == null) {
                    firstError = kind;
                }
            }
        }

        Outcome finish(ExecutorService exec, long deadline) {
            exec.shutdown();
            boolean timedOut = false;
            try {
                // every workflow waits for its result until `deadline` at most; allow for an RPC in flight
                if (!exec.awaitTermination(Math.max(0, deadline - System.nanoTime()) + 30_000_000_000L,
                        TimeUnit.NANOSECONDS)) {
                    exec.shutdownNow();
                    timedOut = true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exec.shutdownNow();
            }
            progress.interrupt();
            int done = Math.min(completed.get(), latencies.length);
            timedOut |= System.nanoTime() >= deadline;
            long[] l = Arrays.copyOf(latencies, done);
            double first = done == 0 ? Double.NaN : (firstDone.get() - start) / 1e9;
            double elapsed = (lastDone.get() - start) / 1e9;
            return new Outcome(l, attempted.get(), errors.get(), firstError, first, elapsed, timedOut, unsupported);
        }
    }
}
