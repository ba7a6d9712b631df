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

    public RpcMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String operation = call.getMethodDescriptor().getBareMethodName();
        long start = System.nanoTime();
        Counter.builder("service_requests").tag("operation", operation).tag("service_name", "frontend")
                .register(registry).increment();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                Timer.builder("service_latency").tag("operation", operation).tag("service_name", "frontend")
                        .publishPercentileHistogram()
                        .register(registry).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
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
