package io.kairos.frontend.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Per-RPC request, error and latency metrics with Temporal's metric names and tags (service_requests,
 * service_errors, service_latency; operation, service_name), so dashboards built for Temporal find them.
 */
public final class RpcMetrics implements ServerInterceptor {
    private final MeterRegistry registry;
    /** Meters per operation, looked up once: building and registering a meter on every call costs more than the call's own metrics. */
    private final java.util.concurrent.ConcurrentMap<String, Meters> byOperation = new java.util.concurrent.ConcurrentHashMap<>();

    private record Meters(Counter requests, Timer latency) {
    }

    public RpcMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    private Meters meters(String operation) {
        return byOperation.computeIfAbsent(operation, op -> new Meters(
                Counter.builder("service_requests").tag("operation", op).tag("service_name", "frontend").register(registry),
                Timer.builder("service_latency").tag("operation", op).tag("service_name", "frontend")
                        .publishPercentileHistogram().register(registry)));
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String operation = call.getMethodDescriptor().getBareMethodName();
        long start = System.nanoTime();
        Meters meters = meters(operation);
        meters.requests().increment();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                meters.latency().record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                if (!status.isOk()) {
                    Counter.builder("service_errors").tag("operation", operation).tag("service_name", "frontend")
                            .tag("status_code", status.getCode().name())
                            .register(registry).increment();
                }
                super.close(status, trailers);
            }
        }, headers);
    }
}
