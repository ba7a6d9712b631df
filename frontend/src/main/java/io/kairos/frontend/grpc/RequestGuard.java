package io.kairos.frontend.grpc;

import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.kairos.common.grpc.ErrorText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The edge check every public RPC goes through before its handler: a request that cannot be parsed (a proto3 string
 * that is not UTF-8), a NUL in a string field (Postgres text cannot hold it) or an enum number the API does not
 * define is answered INVALID_ARGUMENT here, a request over {@link #MAX_REQUEST_BYTES} RESOURCE_EXHAUSTED, and every
 * error text leaving the service is bounded.
 *
 * <p>grpc-java parses the request before any interceptor sees it and answers a parse failure UNKNOWN with a stack
 * trace in the log, so the request marshaller is wrapped: a failed parse yields an {@link Unparseable} placeholder
 * that the handler wrapper answers. Wrap the bare service, then add interceptors, so metrics count these answers.
 */
public final class RequestGuard {
    private static final Logger log = LoggerFactory.getLogger(RequestGuard.class);
    /** At most one log line per this many nanoseconds for unparseable requests (any client can send them). */
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;
    private static final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);
    private static final AtomicLong suppressed = new AtomicLong();
    /**
     * The frontend's request limit, 4 MiB, refused with Go gRPC's RESOURCE_EXHAUSTED text ("grpc: received message
     * larger than max (N vs. M)"): the SDKs recognise a too-large message by that text only (and then fail instead of
     * retrying, or fail the workflow task with GRPC_MESSAGE_TOO_LARGE). gRPC-Java's own transport refusal reads
     * differently, so the transport admits more ({@link #TRANSPORT_LIMIT}) and the guard enforces this limit.
     */
    public static final int MAX_REQUEST_BYTES = 4 * 1024 * 1024;
    /** Above this the transport refuses with gRPC-Java's text: memory matters more than the wording there. */
    public static final int TRANSPORT_LIMIT = 64 * 1024 * 1024;

    private RequestGuard() {
    }

    /** A request the marshaller could not parse, in place of the request object. */
    record Unparseable(String reason) {
    }

    /** The service with every method's request checked and its errors bounded. */
    public static ServerServiceDefinition guard(ServerServiceDefinition service) {
        return guard(service, null);
    }

    /**
     * As {@link #guard(ServerServiceDefinition)}, but an RPC {@code handler} does not override answers UNIMPLEMENTED
     * whatever the request holds, as an RPC Kairos does not serve must.
     */
    public static ServerServiceDefinition guard(io.grpc.BindableService handler) {
        java.util.Set<String> served = new java.util.HashSet<>();
        for (var m : handler.getClass().getDeclaredMethods()) {
            served.add(m.getName().toLowerCase(java.util.Locale.ROOT));
        }
        return guard(handler.bindService(), served);
    }

    private static ServerServiceDefinition guard(ServerServiceDefinition service, java.util.Set<String> served) {
        ServiceDescriptor original = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        java.util.List<ServerMethodDefinition<?, ?>> methods = new java.util.ArrayList<>();
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            String bare = m.getMethodDescriptor().getBareMethodName();
            ServerMethodDefinition<?, ?> guarded = served != null && bare != null
                    && !served.contains(bare.toLowerCase(java.util.Locale.ROOT)) ? unimplemented(m) : guard(m);
            descriptor.addMethod(guarded.getMethodDescriptor());
            methods.add(guarded);
        }
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(b::addMethod);
        return b.build();
    }

    @SuppressWarnings("unchecked")
    private static <Q, R> ServerMethodDefinition<Object, R> guard(ServerMethodDefinition<Q, R> m) {
        MethodDescriptor<Q, R> md = m.getMethodDescriptor();
        MethodDescriptor<Object, R> lenient = md.toBuilder(new LenientMarshaller<>(md.getRequestMarshaller()),
                md.getResponseMarshaller()).build();
        ServerCallHandler<Q, R> inner = m.getServerCallHandler();
        ServerCallHandler<Object, R> handler = (call, headers) -> {
            ServerCall<Object, R> bounded = new BoundedErrors<>(call);
            ServerCall.Listener<Q> next = inner.startCall((ServerCall<Q, R>) (ServerCall<?, R>) bounded, headers);
            return new Checking<>(bounded, (ServerCall.Listener<Object>) next, md.getBareMethodName());
        };
        return ServerMethodDefinition.create(lenient, handler);
    }

    /** Answers UNIMPLEMENTED as the generated base class does, without parsing the request (it may not parse). */
    private static <Q, R> ServerMethodDefinition<Object, R> unimplemented(ServerMethodDefinition<Q, R> m) {
        MethodDescriptor<Q, R> md = m.getMethodDescriptor();
        MethodDescriptor<Object, R> lenient = md.toBuilder(new LenientMarshaller<>(md.getRequestMarshaller()),
                md.getResponseMarshaller()).build();
        ServerCallHandler<Object, R> handler = (call, headers) -> {
            call.close(Status.UNIMPLEMENTED.withDescription("Method " + md.getFullMethodName() + " is unimplemented"),
                    new Metadata());
            return new ServerCall.Listener<>() {
            };
        };
        return ServerMethodDefinition.create(lenient, handler);
    }

    /** Parses as the generated marshaller does, but turns a parse failure into a placeholder instead of throwing. */
    private static final class LenientMarshaller<Q> implements MethodDescriptor.Marshaller<Object> {
        private final MethodDescriptor.Marshaller<Q> delegate;

        LenientMarshaller(MethodDescriptor.Marshaller<Q> delegate) {
            this.delegate = delegate;
        }

        @Override
        @SuppressWarnings("unchecked")
        public InputStream stream(Object value) {
            return delegate.stream((Q) value);
        }

        @Override
        public Object parse(InputStream stream) {
            try {
                return delegate.parse(stream);
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                return new Unparseable(String.valueOf(cause.getMessage()));
            }
        }
    }

    /** Answers a bad request itself; the handler then sees nothing more of the call. */
    private static final class Checking<R> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Object> {
        private final ServerCall<Object, R> call;
        private final String method;
        private boolean refused;

        Checking(ServerCall<Object, R> call, ServerCall.Listener<Object> next, String method) {
            super(next);
            this.call = call;
            this.method = method;
        }

        @Override
        public void onMessage(Object message) {
            if (refused) {
                return;
            }
            if (message instanceof Message m && m.getSerializedSize() > MAX_REQUEST_BYTES) {
                refused = true;
                call.close(Status.RESOURCE_EXHAUSTED.withDescription("grpc: received message larger than max ("
                        + m.getSerializedSize() + " vs. " + MAX_REQUEST_BYTES + ")"), new Metadata());
                return;
            }
            String problem;
            if (message instanceof Unparseable u) {
                problem = "grpc: error unmarshalling request: " + u.reason();
                logUnparseable(method, u.reason());
            } else {
                problem = message instanceof Message m ? RequestChecks.problem(m) : null;
            }
            if (problem != null) {
                refused = true;
                call.close(Status.INVALID_ARGUMENT.withDescription(problem), new Metadata());
                return;
            }
            super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                super.onHalfClose();
            }
        }

        @Override
        public void onReady() {
            if (!refused) {
                super.onReady();
            }
        }
    }

    private static void logUnparseable(String method, String reason) {
        long now = System.nanoTime();
        long last = lastLog.get();
        if (now - last < LOG_INTERVAL_NANOS || !lastLog.compareAndSet(last, now)) {
            suppressed.incrementAndGet();
            return;
        }
        log.warn("rpc={} outcome=invalid_argument msg=\"request could not be parsed\" reason=\"{}\" "
                + "suppressed_since_last={}", method, reason, suppressed.getAndSet(0));
    }

    /** Bounds the description (and the message inside grpc-status-details-bin) of every error the handler sends. */
    private static final class BoundedErrors<R> extends ForwardingServerCall.SimpleForwardingServerCall<Object, R> {
        BoundedErrors(ServerCall<Object, R> call) {
            super(call);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            String d = status.getDescription();
            String b = ErrorText.bound(d);
            if (b != null && !b.equals(d)) {
                status = status.withDescription(b);
                com.google.rpc.Status details;
                try {
                    details = StatusProto.fromStatusAndTrailers(Status.fromCode(status.getCode()), trailers);
                } catch (IllegalArgumentException codeMismatch) {
                    details = null;
                }
                if (details != null && details.getMessage().length() > b.length()) {
                    Metadata rewritten = new Metadata();
                    rewritten.merge(trailers);
                    Metadata.Key<com.google.rpc.Status> key = io.grpc.protobuf.ProtoUtils.keyForProto(
                            com.google.rpc.Status.getDefaultInstance());
                    rewritten.removeAll(key);
                    rewritten.put(key, details.toBuilder().setMessage(b).build());
                    trailers = rewritten;
                }
            }
            super.close(status, trailers);
        }
    }
}
