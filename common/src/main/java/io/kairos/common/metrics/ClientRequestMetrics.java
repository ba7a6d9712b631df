package io.kairos.common.metrics;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Temporal's client-side metrics for the calls one service makes to another: {@code client_requests},
 * {@code client_latency} and {@code client_errors} (service failures, not the callee's expected errors), tagged
 * {@code operation} ({@code HistoryClientStartWorkflowExecution}, as Temporal's metric clients name them) and
 * {@code service_role} (the callee). {@code service_name}, the caller, comes from the registry.
 */
public final class ClientRequestMetrics implements ClientInterceptor {
    private final MeterRegistry registry;
    private final String role;
    private final String prefix;
    private final ConcurrentMap<String, Meters> meters = new ConcurrentHashMap<>();

    private record Meters(Counter requests, Timer latency, Counter errors) {
    }

    /** @param role the callee: {@code history}, {@code matching}, {@code worker} */
    public ClientRequestMetrics(MeterRegistry registry, String role) {
        this.registry = registry;
        this.role = role;
        this.prefix = Character.toUpperCase(role.charAt(0)) + role.substring(1) + "Client";
    }

    private Meters meters(String method) {
        return meters.computeIfAbsent(method, m -> {
            String op = prefix + m;
            return new Meters(
                    Counter.builder("client_requests").tag("operation", op).tag("service_role", role).register(registry),
                    Timer.builder("client_latency").tag("operation", op).tag("service_role", role).register(registry),
                    Counter.builder("client_errors").tag("operation", op).tag("service_role", role).register(registry));
        });
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        Meters m = meters(method.getBareMethodName());
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                long start = System.nanoTime();
                m.requests().increment();
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        m.latency().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                        if (!status.isOk() && !RpcErrors.of(status, trailers).expected()) {
                            m.errors().increment();
                        }
                        super.onClose(status, trailers);
                    }
                }, headers);
            }
        };
    }
}
