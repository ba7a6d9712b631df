package io.kairos.server.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One registry view per service of this process, each adding Temporal's {@code service_name} tag to every meter it
 * registers, all backed by the process's one Prometheus registry. Dev mode runs all four services in one JVM, and
 * the dashboards tell them apart by {@code service_name}, as they tell apart Temporal's processes.
 */
public final class ServiceRegistries {
    private final MeterRegistry root;
    private final Map<String, MeterRegistry> views = new ConcurrentHashMap<>();

    public ServiceRegistries(MeterRegistry root) {
        this.root = root;
    }

    /** @param serviceName {@code frontend}, {@code history}, {@code matching} or {@code worker} */
    public MeterRegistry of(String serviceName) {
        return views.computeIfAbsent(serviceName, name -> {
            CompositeMeterRegistry view = new CompositeMeterRegistry();
            view.config().commonTags("service_name", name);
            view.add(root);
            return view;
        });
    }
}
