package io.kairos.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TemporalMetricNamesTest {
    @Test
    void serverMetersGetTemporalNamesAndBucketsDottedOnesKeepPrometheusConventions() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TemporalMetricNames.configure(registry);
        Counter.builder("service_requests").tag("operation", "StartWorkflowExecution").tag("service_name", "frontend")
                .register(registry).increment();
        Timer.builder("service_latency").tag("operation", "StartWorkflowExecution").tag("service_name", "frontend")
                .publishPercentileHistogram().register(registry).record(Duration.ofMillis(7));
        Counter.builder("jvm.test.events").register(registry).increment(2);

        String scrape = TemporalMetricNames.rename(registry.scrape(), registry);
        assertTrue(scrape.contains("# TYPE service_requests counter\n"), scrape);
        assertTrue(scrape.contains("service_requests{operation=\"StartWorkflowExecution\",service_name=\"frontend\"} 1.0"),
                scrape);
        assertFalse(scrape.contains("service_requests_total"), scrape);
        assertTrue(scrape.contains("# TYPE service_latency histogram\n"), scrape);
        // Temporal's boundaries (1 ms ... 1,000 s), in seconds; 7 ms falls in the 10 ms bucket.
        assertTrue(scrape.contains("service_latency_bucket{operation=\"StartWorkflowExecution\",service_name=\"frontend\","
                + "le=\"0.005\"} 0"), scrape);
        assertTrue(scrape.contains("service_latency_bucket{operation=\"StartWorkflowExecution\",service_name=\"frontend\","
                + "le=\"0.01\"} 1"), scrape);
        assertTrue(scrape.contains("le=\"1000.0\"} 1"), scrape);
        assertTrue(scrape.contains("service_latency_count{"), scrape);
        assertTrue(scrape.contains("service_latency_sum{"), scrape);
        assertFalse(scrape.contains("service_latency_seconds"), scrape);
        // About 20 buckets, not Micrometer's ~70 percentile buckets.
        long buckets = scrape.lines().filter(l -> l.startsWith("service_latency_bucket{")).count();
        assertTrue(buckets == TemporalMetricNames.TIMER_BOUNDARIES_MS.length + 1, scrape);
        assertTrue(scrape.contains("jvm_test_events_total 2.0"), scrape);
    }

    @Test
    void distributionSummariesAreHistogramsWithTemporalsDimensionlessBuckets() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TemporalMetricNames.configure(registry);
        DistributionSummary.builder("task_attempt").tag("operation", "TransferActiveTaskActivity").register(registry)
                .record(3);

        String scrape = TemporalMetricNames.rename(registry.scrape(), registry);
        assertTrue(scrape.contains("# TYPE task_attempt histogram\n"), scrape);
        assertTrue(scrape.contains("task_attempt_bucket{operation=\"TransferActiveTaskActivity\",le=\"2.0\"} 0"), scrape);
        assertTrue(scrape.contains("task_attempt_bucket{operation=\"TransferActiveTaskActivity\",le=\"5.0\"} 1"), scrape);
        assertTrue(scrape.contains("task_attempt_count{operation=\"TransferActiveTaskActivity\"} 1"), scrape);
        long buckets = scrape.lines().filter(l -> l.startsWith("task_attempt_bucket{")).count();
        assertEquals(TemporalMetricNames.DIMENSIONLESS_BOUNDARIES.length + 1, buckets, scrape);
    }
}
