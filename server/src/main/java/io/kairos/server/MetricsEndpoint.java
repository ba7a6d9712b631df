package io.kairos.server;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.kairos.common.config.MetricsConfig;
import io.kairos.server.metrics.RuntimeMetrics;
import io.kairos.server.metrics.TagLimits;
import io.kairos.server.metrics.TemporalMetricNames;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Prometheus scrape endpoint: GET /metrics on the metrics port (0 disables it). The same plain-HTTP port answers
 * GET /health/live (200 while the process runs) and /health/ready (200 once every service of this process serves,
 * 503 before and from the start of a graceful stop): Kubernetes probes use them where the rpc ports speak TLS,
 * which kubelet's gRPC probes cannot.
 */
final class MetricsEndpoint implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final RuntimeMetrics runtime;
    private HttpServer http;

    MetricsEndpoint(MetricsConfig config) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // filters first: they apply to meters registered after them
        if (!config.enabled()) {
            registry.config().meterFilter(MeterFilter.deny()); // every meter a no-op
        }
        registry.config().meterFilter(new TagLimits(config));
        TemporalMetricNames.configure(registry);
        runtime = new RuntimeMetrics(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition, with Temporal's names for the server's own meters. */
    String scrape() {
        return TemporalMetricNames.rename(registry.scrape(), registry);
    }

    void listen(String bindAddress, int port, java.util.function.BooleanSupplier ready) throws IOException {
        if (port <= 0) {
            return;
        }
        http = HttpServer.create(new InetSocketAddress(bindAddress, port), 0);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/health/live", exchange -> text(exchange, 200, "ok\n"));
        http.createContext("/health/ready", exchange -> {
            boolean r = ready.getAsBoolean();
            text(exchange, r ? 200 : 503, r ? "ready\n" : "not ready\n");
        });
        http.createContext("/metrics", exchange -> {
            byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        http.start();
    }

    private static void text(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
    }

    int port() {
        return http == null ? -1 : http.getAddress().getPort();
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop(0);
        }
        gc.close();
        runtime.close();
        registry.close();
    }
}
