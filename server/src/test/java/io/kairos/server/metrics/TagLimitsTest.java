package io.kairos.server.metrics;

import io.kairos.common.config.MetricsConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TagLimitsTest {
    private static MeterRegistry registry(MetricsConfig config) {
        MeterRegistry r = new SimpleMeterRegistry();
        r.config().meterFilter(new TagLimits(config));
        return r;
    }

    @Test
    void excludeTagsKeepsOnlyTheListedValuesAndTotalsStayRight() {
        MeterRegistry r = registry(new MetricsConfig(Map.of("taskqueue", List.of("orders"), "operation", List.of()), 0));
        r.counter("poll_success", "taskqueue", "orders", "operation", "Poll").increment();
        r.counter("poll_success", "taskqueue", "payments", "operation", "Poll").increment();
        r.counter("poll_success", "taskqueue", "refunds", "operation", "Poll").increment(2);

        assertEquals(1.0, r.get("poll_success").tags("taskqueue", "orders").counter().count());
        assertEquals(3.0, r.get("poll_success").tags("taskqueue", TagLimits.EXCLUDED).counter().count());
        assertEquals(2, r.get("poll_success").counters().size());
        // an empty list turns the tag's values off entirely
        assertEquals(4.0, r.get("poll_success").tags("operation", TagLimits.EXCLUDED).counters().stream()
                .mapToDouble(c -> c.count()).sum());
    }

    @Test
    void tagValueLimitCapsNamespacesQueuesAndWorkflowTypesOnly() {
        MeterRegistry r = registry(new MetricsConfig(Map.of(), 2));
        for (String q : List.of("a", "b", "c", "d", "a")) {
            r.counter("poll_success", "taskqueue", q).increment();
        }
        assertEquals(2.0, r.get("poll_success").tags("taskqueue", "a").counter().count());
        assertEquals(1.0, r.get("poll_success").tags("taskqueue", "b").counter().count());
        assertEquals(2.0, r.get("poll_success").tags("taskqueue", TagLimits.EXCLUDED).counter().count());
        // other tags are not capped
        for (String op : List.of("A", "B", "C")) {
            r.counter("service_requests", "operation", op).increment();
        }
        assertEquals(3, r.get("service_requests").counters().size());
        // the namespace cap is its own
        r.counter("x", "namespace", "n1").increment();
        r.counter("x", "namespace", "n2").increment();
        r.counter("x", "namespace", "n3").increment();
        assertEquals(1.0, r.get("x").tags("namespace", TagLimits.EXCLUDED).counter().count());
    }

    @Test
    void aNegativeLimitIsRefused() {
        assertThrows(RuntimeException.class, () -> new MetricsConfig(Map.of(), -1));
    }
}
