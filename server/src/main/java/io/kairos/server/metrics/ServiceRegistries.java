package io.kairos.server.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One registry view per service of this process, each adding Temporal's {@code service_name} tag to every meter it
 * registers, all backed by the process's one Prometheus registry. Dev mode runs all four services in one JVM, and
 * the dashboards tell them apart by {@code service_name}, as they tell apart Temporal's processes.
 */
public final class ServiceRegistries {
    private final MeterRegistry root;
    private final boolean enabled;
    private final Map<String, MeterRegistry> views = new ConcurrentHashMap<>();

    /** @param enabled false: every view hands out no-op meters (metrics.enabled: false) */
    public ServiceRegistries(MeterRegistry root, boolean enabled) {
        this.root = root;
        this.enabled = enabled;
    }

    /** @param serviceName {@code frontend}, {@code history}, {@code matching} or {@code worker} */
    public MeterRegistry of(String serviceName) {
        return views.computeIfAbsent(serviceName, name -> {
            CompositeMeterRegistry view = new CompositeMeterRegistry();
            view.config().commonTags("service_name", name);
            if (!enabled) {
                view.config().meterFilter(MeterFilter.deny());
            }
            view.add(root);
            return view;
        });
    }
}
