package io.kairos.frontend.auth;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.kairos.common.config.AuthorizationConfig;
import io.kairos.common.errors.PermissionDeniedException;
import io.kairos.common.grpc.ErrorMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.api.command.v1.Command;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Temporal's authorization interceptor (interceptor.go) on the frontend's WorkflowService and OperatorService: the
 * claims come from the auth header, the authorizer decides per API and the request's namespace. Every refusal, a bad
 * token included, is PERMISSION_DENIED "Request unauthorized." with no detail, so a caller learns nothing about why.
 * Neither the token nor anything read from it before it verifies reaches the log.
 */
public final class AuthorizationInterceptor implements ServerInterceptor, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuthorizationInterceptor.class);
    public static final String REQUEST_UNAUTHORIZED = "Request unauthorized.";
    private static final String LIST_NAMESPACES = WorkflowServiceGrpc.getListNamespacesMethod().getFullMethodName();
    private static final String RESPOND_WORKFLOW_TASK_COMPLETED =
            WorkflowServiceGrpc.getRespondWorkflowTaskCompletedMethod().getFullMethodName();

    private final JwtClaimMapper claimMapper;
    private final DefaultAuthorizer authorizer;
    private final Metadata.Key<String> authHeader;
    private final JwksKeyProvider keys;
    private final MeterRegistry metrics;
    private final Predicate<String> knownNamespace;

    /**
     * @param authorizer     null for no authorizer (Temporal's noop: tokens are still checked when sent)
     * @param knownNamespace whether a name is a real namespace, so metric tags stay bounded
     */
    AuthorizationInterceptor(JwtClaimMapper claimMapper, DefaultAuthorizer authorizer, String authHeaderName,
                             JwksKeyProvider keys, MeterRegistry metrics, Predicate<String> knownNamespace) {
        this.claimMapper = claimMapper;
        this.authorizer = authorizer;
        this.authHeader = Metadata.Key.of(authHeaderName, Metadata.ASCII_STRING_MARSHALLER);
        this.keys = keys;
        this.metrics = metrics;
        this.knownNamespace = knownNamespace;
    }

    /** The interceptor for this config (started: the first key fetch is under way), or null when it is off. */
    public static AuthorizationInterceptor create(AuthorizationConfig config, MeterRegistry metrics,
                                                  Predicate<String> knownNamespace) {
        if (!config.enabled()) {
            return null;
        }
        JwksKeyProvider keys = new JwksKeyProvider(config.keySourceUris(), config.refreshInterval());
        keys.start();
        JwtClaimMapper mapper = new JwtClaimMapper(keys, config, Clock.systemUTC());
        DefaultAuthorizer authorizer = config.authorizer().equals(AuthorizationConfig.DEFAULT) ? new DefaultAuthorizer() : null;
        log.info("component=frontend msg=\"JWT authorization on\" authorizer={} key_sources={} header={}",
                authorizer == null ? "none" : "default", config.keySourceUris().size(), config.authHeaderName());
        // authExtraHeaderName is accepted for Temporal configs; the default claim mapper does not read it.
        return new AuthorizationInterceptor(mapper, authorizer, config.authHeaderName(), keys, metrics, knownNamespace);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        if (DefaultAuthorizer.isOpen(method)) {
            return next.startCall(call, headers);
        }
        Iterable<String> values = headers.getAll(authHeader);
        String token = values == null ? "" : values.iterator().next();
        Claims claims = null;
        if (!token.isEmpty()) {
            try {
                claims = claimMapper.claims(token);
            } catch (JwtClaimMapper.TokenRejected e) {
                log.debug("component=frontend msg=\"token refused\" rpc={} reason=\"{}\"", bare(method), e.getMessage());
                return deny(call);
            } catch (RuntimeException e) {
                log.warn("component=frontend msg=\"token refused after an unexpected error\" rpc={} error={}",
                        bare(method), e.getClass().getName());
                return deny(call);
            }
        }
        if (authorizer == null) {
            return next.startCall(call, headers);
        }
        if (method.equals(LIST_NAMESPACES) && claims != null && !authorizer.allows(claims, method, "")
                && claims.namespaces().values().stream().anyMatch(r -> r != Claims.ROLE_UNDEFINED)) {
            // Kairos extension: a caller with roles in some namespaces, but no system role, lists just those (what
            // the Web UI shows in its namespace picker); Temporal HEAD refuses the call.
            return next.startCall(new OwnNamespacesOnly<>(call, claims), headers);
        }
        // Even without claims (no token) the request is awaited: the denial is counted under its namespace.
        return new Authorizing<>(call, headers, next, claims, method);
    }

    /** ListNamespaces answers with only the namespaces the caller has a role in. */
    private static final class OwnNamespacesOnly<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final Claims claims;

        OwnNamespacesOnly(ServerCall<Q, R> call, Claims claims) {
            super(call);
            this.claims = claims;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void sendMessage(R message) {
            if (message instanceof ListNamespacesResponse r) {
                ListNamespacesResponse.Builder b = r.toBuilder().clearNamespaces();
                r.getNamespacesList().stream()
                        .filter(n -> claims.namespaceRole(n.getNamespaceInfo().getName()) != Claims.ROLE_UNDEFINED)
                        .forEach(b::addNamespaces);
                message = (R) b.build();
            }
            super.sendMessage(message);
        }
    }

    /** Holds the call until its request arrives: the namespace to authorize is a request field. */
    private final class Authorizing<Q, R> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final ServerCall<Q, R> call;
        private final Claims claims;
        private final String method;
        private boolean denied;

        Authorizing(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next, Claims claims, String method) {
            super(next.startCall(call, headers));
            this.call = call;
            this.claims = claims;
            this.method = method;
        }

        @Override
        public void onMessage(Q message) {
            if (denied) {
                return;
            }
            String namespace = namespaceOf(message);
            String refusedIn = authorizer.allows(claims, method, namespace) ? crossNamespaceRefusal(message, namespace)
                    : namespace;
            if (refusedIn != null) {
                denied = true;
                unauthorized(method, refusedIn, claims == null ? null : claims.subject());
                StatusRuntimeException s = unauthorized();
                call.close(s.getStatus(), s.getTrailers() == null ? new Metadata() : s.getTrailers());
                return;
            }
            super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
            if (!denied) {
                super.onHalfClose();
            }
        }

        @Override
        public void onReady() {
            if (!denied) {
                super.onReady();
            }
        }

        /**
         * The target namespace a RespondWorkflowTaskCompleted command may not reach, or null. Kairos runs commands for
         * other namespaces (Temporal's system.enableCrossNamespaceCommands), so each target is checked as Temporal
         * checks it with that setting on: the API the command stands for, in the target namespace.
         */
        private String crossNamespaceRefusal(Q message, String namespace) {
            if (!method.equals(RESPOND_WORKFLOW_TASK_COMPLETED)
                    || !(message instanceof RespondWorkflowTaskCompletedRequest req)) {
                return null;
            }
            Set<String> checked = new HashSet<>();
            for (Command c : req.getCommandsList()) {
                String target;
                String api;
                switch (c.getCommandType()) {
                    case COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION -> {
                        target = c.getSignalExternalWorkflowExecutionCommandAttributes().getNamespace();
                        api = WorkflowServiceGrpc.getSignalWorkflowExecutionMethod().getFullMethodName();
                    }
                    case COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION -> {
                        target = c.getStartChildWorkflowExecutionCommandAttributes().getNamespace();
                        api = WorkflowServiceGrpc.getStartWorkflowExecutionMethod().getFullMethodName();
                    }
                    case COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION -> {
                        target = c.getRequestCancelExternalWorkflowExecutionCommandAttributes().getNamespace();
                        api = WorkflowServiceGrpc.getRequestCancelWorkflowExecutionMethod().getFullMethodName();
                    }
                    default -> {
                        continue;
                    }
                }
                if (target.isEmpty() || target.equals(namespace) || !checked.add(target + "/" + api)) {
                    continue;
                }
                if (!authorizer.allows(claims, api, target)) {
                    return target;
                }
            }
            return null;
        }
    }

    /** The request's string field "namespace" (Temporal's GetNamespace()), "" when it has none. */
    static String namespaceOf(Object request) {
        if (request instanceof Message m) {
            FieldDescriptor f = m.getDescriptorForType().findFieldByName("namespace");
            if (f != null && f.getJavaType() == FieldDescriptor.JavaType.STRING && !f.isRepeated()) {
                return (String) m.getField(f);
            }
        }
        return "";
    }

    private static StatusRuntimeException unauthorized() {
        return ErrorMapper.toStatus("authorization", new PermissionDeniedException(REQUEST_UNAUTHORIZED));
    }

    private static <Q, R> ServerCall.Listener<Q> deny(ServerCall<Q, R> call) {
        StatusRuntimeException s = unauthorized();
        call.close(s.getStatus(), s.getTrailers() == null ? new Metadata() : s.getTrailers());
        return new ServerCall.Listener<>() {
        };
    }

    /** Temporal's service_errors_unauthorized, tagged with the namespace only when it exists. */
    private void unauthorized(String method, String namespace, String subject) {
        log.debug("component=frontend msg=\"request unauthorized\" rpc={} namespace=\"{}\" subject=\"{}\"", bare(method),
                clip(namespace), subject == null ? "" : clip(subject));
        String ns = !namespace.isEmpty() && knownNamespace.test(namespace) ? namespace : "_unknown_";
        Counter.builder("service_errors_unauthorized").tag("operation", "Authorization").tag("namespace", ns)
                .register(metrics).increment();
    }

    /** Request fields are the caller's: a log line gets at most 200 characters of them. */
    private static String clip(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private static String bare(String fullMethod) {
        return fullMethod.substring(fullMethod.lastIndexOf('/') + 1);
    }

    @Override
    public void close() {
        keys.close();
    }
}
