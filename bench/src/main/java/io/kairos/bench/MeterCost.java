package io.kairos.bench;

import io.kairos.common.config.MetricsConfig;
import io.kairos.server.metrics.ServiceRegistries;
import io.kairos.server.metrics.TagLimits;
import io.kairos.server.metrics.TemporalMetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one workflow's metrics cost the server's CPU, from two figures that do not drift with the run-to-run noise of
 * a closed-loop comparison: how many meter updates a workflow makes (counted from a scrape after a bench run) and
 * what one update costs on the server's registry setup (a per-service view over the Prometheus registry, with the
 * tag limits and Temporal's buckets), timed here on two threads.
 *
 * <pre>java -cp server/target/temporal-server.jar:bench/target/kairos-bench.jar io.kairos.bench.MeterCost SCRAPE</pre>
 */
public final class MeterCost {
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)");
    /** Micrometer's own JVM/process/pool meters: sampled at scrape time, not updated per workflow. */
    private static final String[] SAMPLED = {"jvm_", "process_", "system_", "hikaricp_", "executor", "memory_",
            "num_goroutines", "gomaxprocs", "restarts", "disk_"};
    private static final int OPS = 2_000_000;

    private MeterCost() {
    }

    public static void main(String[] args) throws Exception {
        double[] perWorkflow = args.length > 0 ? updatesPerWorkflow(Path.of(args[0])) : null;
        PrometheusMeterRegistry root = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        root.config().meterFilter(new TagLimits(MetricsConfig.DEFAULTS));
        TemporalMetricNames.configure(root);
        MeterRegistry history = new ServiceRegistries(root, true).of("history");
        Counter counter = Counter.builder("task_requests").tag("operation", "TransferActiveTaskActivity")
                .tag("namespace", "default").register(history);
        Timer timer = Timer.builder("task_latency").tag("operation", "TransferActiveTaskActivity")
                .tag("namespace", "default").register(history);
        DistributionSummary summary = DistributionSummary.builder("task_attempt")
                .tag("operation", "TransferActiveTaskActivity").register(history);

        double c = 0;
        double t = 0;
        double s = 0;
        double b = 0;
        for (int round = 0; round < 5; round++) { // the first rounds warm the JIT; the last one counts
            c = nsPerOp(() -> counter.increment());
            t = nsPerOp(() -> timer.record(ThreadLocalNanos.next(), TimeUnit.NANOSECONDS));
            s = nsPerOp(() -> summary.record(3));
            b = nsPerOp(() -> Counter.builder("service_error_with_type").tag("operation", "StartWorkflowExecution")
                    .tag("namespace", "default").tag("error_type", "serviceerror.NotFound").register(history)
                    .increment());
        }
        System.out.printf(Locale.ROOT, "Meter update cost (two threads at once, %,d updates each, warm JIT):%n", OPS);
        System.out.printf(Locale.ROOT, "  counter increment %.0f ns, timer record %.0f ns, histogram (summary) "
                + "record %.0f ns, builder lookup + increment %.0f ns%n", c, t, s, b);
        if (perWorkflow != null) {
            double ns = perWorkflow[0] * c + perWorkflow[1] * t;
            System.out.printf(Locale.ROOT, "Per workflow (from %s): %.0f counter increments and %.0f histogram "
                    + "records = about %.1f us of CPU per workflow%n", args[0], perWorkflow[0], perWorkflow[1], ns / 1000);
        }
        root.close();
    }

    /** Nanoseconds per operation, two threads at once (the bench machine's two cores). */
    private static double nsPerOp(Runnable op) throws InterruptedException {
        Thread[] threads = new Thread[2];
        long start = System.nanoTime();
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(() -> {
                for (int k = 0; k < OPS; k++) {
                    op.run();
                }
            });
            threads[i].start();
        }
        for (Thread th : threads) {
            th.join();
        }
        // wall time of OPS updates per thread, both threads busy: the CPU cost of one update
        return (double) (System.nanoTime() - start) / OPS;
    }

    /** {counter increments, histogram records} per completed workflow, from a Prometheus text scrape. */
    static double[] updatesPerWorkflow(Path scrape) throws Exception {
        Map<String, String> types = new HashMap<>();
        double counters = 0;
        double records = 0;
        double workflows = 0;
        for (String line : Files.readAllLines(scrape)) {
            if (line.startsWith("# TYPE ")) {
                String[] f = line.split(" ");
                types.put(f[2], f[3]);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (line.startsWith("#") || !m.matches()) {
                continue;
            }
            String name = m.group(1);
            double v = Double.parseDouble(m.group(3));
            if (name.equals("workflow_success") || name.equals("workflow_failed") || name.equals("workflow_timeout")
                    || name.equals("workflow_terminate") || name.equals("workflow_cancel")
                    || name.equals("workflow_continued_as_new")) {
                workflows += v;
            }
            if (sampledAtScrape(name)) {
                continue;
            }
            if ("counter".equals(types.get(name))) {
                counters += v;
            } else if (name.endsWith("_count") && "histogram".equals(types.get(name.substring(0, name.length() - 6)))) {
                records += v;
            }
        }
        if (workflows == 0) {
            throw new IllegalArgumentException("no workflow_* completions in " + scrape);
        }
        return new double[]{counters / workflows, records / workflows};
    }

    private static boolean sampledAtScrape(String name) {
        for (String p : SAMPLED) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** Varying durations, so timers walk their buckets as they do in the server. */
    private static final class ThreadLocalNanos {
        private static final ThreadLocal<long[]> STATE = ThreadLocal.withInitial(() -> new long[]{12345});

        static long next() {
            long[] s = STATE.get();
            s[0] = s[0] * 6364136223846793005L + 1442695040888963407L;
            return (s[0] >>> 40) % 50_000_000L; // 0 .. 50 ms
        }
    }
}
