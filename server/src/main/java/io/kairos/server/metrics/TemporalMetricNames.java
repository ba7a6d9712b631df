package io.kairos.server.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * Temporal's metric names on the wire. Temporal's server exports tally-style names: a counter is
 * {@code service_requests}, a timer the histogram {@code service_latency_bucket/_sum/_count} in seconds; the stock
 * dashboards query exactly those. Micrometer's Prometheus registry adds {@code _total} to counters and the unit to
 * timers ({@code service_requests_total}, {@code service_latency_seconds_bucket}), so the scrape is renamed for the
 * server's own meters, the ones named Temporal's way with underscores. Micrometer's dotted meters (the JVM's,
 * {@code jvm.memory.used} → {@code jvm_memory_used_bytes}) keep Prometheus's conventions.
 */
public final class TemporalMetricNames {
    /** Temporal's default histogram boundaries for timers, in milliseconds (common/metrics/config.go). */
    static final long[] TIMER_BOUNDARIES_MS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000,
            50_000, 100_000, 200_000, 500_000, 1_000_000};
    /** Temporal's default boundaries for dimensionless histograms (attempts, counts per transaction). */
    static final double[] DIMENSIONLESS_BOUNDARIES = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000,
            20_000, 50_000, 100_000};

    private TemporalMetricNames() {
    }

    /** Whether a meter is one of the server's own, named as Temporal names it. */
    static boolean temporalStyle(Meter.Id id) {
        return id.getName().indexOf('.') < 0;
    }

    /** Gives the server's timers and distribution summaries Temporal's bucket boundaries, as classic histograms. */
    public static void configure(MeterRegistry registry) {
        double[] slos = LongStream.of(TIMER_BOUNDARIES_MS).mapToDouble(ms -> Duration.ofMillis(ms).toNanos()).toArray();
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (!temporalStyle(id)) {
                    return config;
                }
                double[] buckets = switch (id.getType()) {
                    case TIMER -> slos;
                    case DISTRIBUTION_SUMMARY -> DIMENSIONLESS_BOUNDARIES;
                    default -> null;
                };
                return buckets == null ? config : DistributionStatisticConfig.builder().percentilesHistogram(false)
                        .serviceLevelObjectives(buckets).build().merge(config);
            }
        });
    }

    /** Prometheus names Micrometer gives the server's own meters → Temporal's. */
    static Map<String, String> renames(MeterRegistry registry) {
        Map<String, String> out = new HashMap<>();
        for (Meter m : registry.getMeters()) {
            Meter.Id id = m.getId();
            if (!temporalStyle(id)) {
                continue;
            }
            String name = id.getName();
            switch (id.getType()) {
                case COUNTER -> out.put(name + "_total", name);
                case TIMER -> out.put(name + "_seconds", name);
                default -> {
                }
            }
        }
        return out;
    }

    /** The Prometheus text scrape with the server's meters renamed (HELP, TYPE and sample lines alike). */
    public static String rename(String scrape, MeterRegistry registry) {
        Map<String, String> renames = renames(registry);
        if (renames.isEmpty()) {
            return scrape;
        }
        StringBuilder out = new StringBuilder(scrape.length());
        for (String line : scrape.split("\n", -1)) {
            int start = line.startsWith("# HELP ") || line.startsWith("# TYPE ") ? 7 : 0;
            int end = start;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            String renamed = renamed(line.substring(start, end), renames);
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(renamed == null ? line : line.substring(0, start) + renamed + line.substring(end));
        }
        return out.toString();
    }

    private static String renamed(String metric, Map<String, String> renames) {
        String exact = renames.get(metric);
        if (exact != null) {
            return exact;
        }
        for (String suffix : new String[]{"_bucket", "_count", "_sum", "_max"}) {
            if (metric.endsWith(suffix)) {
                String base = renames.get(metric.substring(0, metric.length() - suffix.length()));
                if (base != null) {
                    return base + suffix;
                }
            }
        }
        return null;
    }
}
