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

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
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
    /**
     * Per request class, its generated namespace getter as a method handle (String (Message)); NO_NAMESPACE when it
     * has none. Message.getField was a reflective call per request and service, ~2 % of the server's CPU.
     */
    private final ConcurrentMap<Class<?>, MethodHandle> namespaceGetters = new ConcurrentHashMap<>();
    private static final MethodHandle NO_NAMESPACE = MethodHandles.dropArguments(
            MethodHandles.constant(String.class, ""), 0, Message.class);
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
        String ns;
        try {
            ns = (String) namespaceGetters.computeIfAbsent(m.getClass(), c -> namespaceGetter(m)).invokeExact(m);
        } catch (Throwable e) {
            return UNKNOWN; // a getter of a generated message does not throw
        }
        if (ns.isEmpty()) {
            return UNKNOWN;
        }
        if (namespaceIdToName != null) {
            return namespaceIdToName.apply(ns);
        }
        return taggable(ns) ? ns : UNKNOWN;
    }

    private MethodHandle namespaceGetter(Message m) {
        Descriptors.FieldDescriptor f = m.getDescriptorForType()
                .findFieldByName(namespaceIdToName == null ? "namespace" : "namespace_id");
        if (f == null || f.getJavaType() != Descriptors.FieldDescriptor.JavaType.STRING || f.isRepeated()) {
            return NO_NAMESPACE;
        }
        try {
            return MethodHandles.publicLookup().findVirtual(m.getClass(),
                            namespaceIdToName == null ? "getNamespace" : "getNamespaceId", MethodType.methodType(String.class))
                    .asType(MethodType.methodType(String.class, Message.class));
        } catch (ReflectiveOperationException notGenerated) { // e.g. a DynamicMessage: through its descriptor
            MethodHandle get = MethodHandles.insertArguments(GET_FIELD, 1, f);
            return MethodHandles.explicitCastArguments(get, MethodType.methodType(String.class, Message.class));
        }
    }

    private static final MethodHandle GET_FIELD;

    static {
        try {
            GET_FIELD = MethodHandles.publicLookup().findVirtual(Message.class, "getField",
                    MethodType.methodType(Object.class, Descriptors.FieldDescriptor.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
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
