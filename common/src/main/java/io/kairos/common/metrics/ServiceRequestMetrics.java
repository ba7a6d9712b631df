package io.kairos.common.metrics;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Temporal's server-side RPC metrics for one service's API, as its telemetry interceptor emits them:
 * {@code service_requests}, {@code service_latency}, {@code service_errors} (service failures only),
 * {@code service_error_with_type} (every error, by {@code error_type}), the per-kind breakdowns
 * ({@code service_errors_entity_not_found}, ...) and {@code service_pending_requests}. Tags: {@code operation} (the
 * RPC's name, {@code Operator}-prefixed for OperatorService) and {@code namespace} (the request's namespace name,
 * {@code _unknown_} when it has none). {@code service_name} comes from the registry the service is given.
 */
public final class ServiceRequestMetrics implements ServerInterceptor {
    public static final String UNKNOWN = "_unknown_";

    /** What the frontend adds on a successful call: Temporal's {@code action} counter. */
    @FunctionalInterface
    public interface SuccessHook {
        void succeeded(String operation, Object request, Object response, String namespace);
    }

    private final MeterRegistry registry;
    private final AtomicInteger pending = new AtomicInteger();
    private final ConcurrentMap<Key, Meters> meters = new ConcurrentHashMap<>();
    private final ConcurrentMap<Descriptors.Descriptor, java.util.Optional<Descriptors.FieldDescriptor>> namespaceFields =
            new ConcurrentHashMap<>();
    private final SuccessHook onSuccess;
    /** Internal APIs carry namespace ids: id to name (or {@value #UNKNOWN}); null for a public API's interceptor. */
    private final java.util.function.Function<String, String> namespaceIdToName;

    private record Key(String operation, String namespace) {
    }

    private record Meters(Counter requests, Timer latency) {
    }

    public ServiceRequestMetrics(MeterRegistry registry) {
        this(registry, null, null);
    }

    public ServiceRequestMetrics(MeterRegistry registry, SuccessHook onSuccess) {
        this(registry, onSuccess, null);
    }

    /** For internal APIs, whose requests name namespaces by {@code namespace_id}. */
    public ServiceRequestMetrics(MeterRegistry registry, java.util.function.Function<String, String> namespaceIdToName) {
        this(registry, null, namespaceIdToName);
    }

    private ServiceRequestMetrics(MeterRegistry registry, SuccessHook onSuccess,
                                  java.util.function.Function<String, String> namespaceIdToName) {
        this.registry = registry;
        this.onSuccess = onSuccess;
        this.namespaceIdToName = namespaceIdToName;
        Gauge.builder("service_pending_requests", pending, AtomicInteger::get)
                .description("Requests this service is handling").register(registry);
    }

    private Meters meters(String operation, String namespace) {
        return meters.computeIfAbsent(new Key(operation, namespace), k -> new Meters(
                Counter.builder("service_requests").tag("operation", operation).tag("namespace", namespace)
                        .register(registry),
                Timer.builder("service_latency").tag("operation", operation).tag("namespace", namespace)
                        .register(registry)));
    }

    /** Temporal's operation tag: the method's name, OperatorService's prefixed as Temporal prefixes them. */
    static String operation(String fullMethodName) {
        int slash = fullMethodName.lastIndexOf('/');
        String method = fullMethodName.substring(slash + 1);
        return fullMethodName.startsWith("temporal.api.operatorservice.") ? "Operator" + method : method;
    }

    /**
     * The request's {@code namespace} field (every namespaced public API has one), or for internal APIs the name of
     * its {@code namespace_id}.
     */
    String namespaceOf(Object request) {
        if (!(request instanceof Message m)) {
            return UNKNOWN;
        }
        var field = namespaceFields.computeIfAbsent(m.getDescriptorForType(), d -> java.util.Optional
                .ofNullable(d.findFieldByName(namespaceIdToName == null ? "namespace" : "namespace_id"))
                .filter(f -> f.getJavaType() == Descriptors.FieldDescriptor.JavaType.STRING && !f.isRepeated()));
        if (field.isEmpty()) {
            return UNKNOWN;
        }
        String ns = (String) m.getField(field.get());
        if (ns.isEmpty()) {
            return UNKNOWN;
        }
        if (namespaceIdToName != null) {
            return namespaceIdToName.apply(ns);
        }
        return taggable(ns) ? ns : UNKNOWN;
    }

    /**
     * A name the request guard refuses (control characters such as NUL, over Temporal's 1,000-byte limit) is not a tag
     * value: the refusal is counted under {@code _unknown_}, and no exporter has to carry it.
     */
    static boolean taggable(String namespace) {
        if (namespace.length() > 1000) {
            return false;
        }
        for (int i = 0; i < namespace.length(); i++) {
            if (Character.isISOControl(namespace.charAt(i)) || Character.isSurrogate(namespace.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        String operation = operation(call.getMethodDescriptor().getFullMethodName());
        long start = System.nanoTime();
        pending.incrementAndGet();
        AtomicBoolean done = new AtomicBoolean();
        Object[] request = new Object[1];
        Object[] response = new Object[1];
        Runnable finish = () -> {
            if (done.compareAndSet(false, true)) {
                pending.decrementAndGet();
            }
        };
        ServerCall.Listener<Q> listener = next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(R message) {
                response[0] = message;
                super.sendMessage(message);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                try {
                    record(operation, request[0], response[0], start, status, trailers);
                } finally {
                    finish.run();
                }
                super.close(status, trailers);
            }
        }, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                if (request[0] == null) {
                    request[0] = message;
                }
                super.onMessage(message);
            }

            @Override
            public void onCancel() {
                finish.run();
                super.onCancel();
            }
        };
    }

    private void record(String operation, Object request, Object response, long startNanos, Status status,
                        Metadata trailers) {
        String namespace = namespaceOf(request);
        Meters m = meters(operation, namespace);
        m.requests().increment();
        m.latency().record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        if (status.isOk()) {
            if (onSuccess != null) {
                onSuccess.succeeded(operation, request, response, namespace);
            }
            return;
        }
        RpcErrors e = RpcErrors.of(status, trailers);
        Counter.builder("service_error_with_type").tag("operation", operation).tag("namespace", namespace)
                .tag("error_type", e.errorType()).register(registry).increment();
        if (e.breakdownCounter() != null) {
            Counter.Builder b = Counter.builder(e.breakdownCounter()).tag("operation", operation)
                    .tag("namespace", namespace);
            if (e.exhaustedCause() != null) {
                b.tag("resource_exhausted_cause", e.exhaustedCause()).tag("resource_exhausted_scope", e.exhaustedScope());
            }
            b.register(registry).increment();
        }
        if (!e.expected()) {
            Counter.builder("service_errors").tag("operation", operation).tag("namespace", namespace)
                    .register(registry).increment();
        }
    }
}
