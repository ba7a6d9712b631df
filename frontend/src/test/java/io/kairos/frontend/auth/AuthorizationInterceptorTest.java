package io.kairos.frontend.auth;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.kairos.common.config.AuthorizationConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.command.v1.Command;
import io.temporal.api.command.v1.RequestCancelExternalWorkflowExecutionCommandAttributes;
import io.temporal.api.command.v1.SignalExternalWorkflowExecutionCommandAttributes;
import io.temporal.api.command.v1.StartChildWorkflowExecutionCommandAttributes;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.errordetails.v1.PermissionDeniedFailure;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.ListNamespacesRequest;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The interceptor in front of a stub WorkflowService, in process. */
class AuthorizationInterceptorTest {
    private static final TestKeys.Key KEY = TestKeys.rsa("k1");
    private final AtomicInteger handled = new AtomicInteger();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private Server server;
    private ManagedChannel channel;

    private final class Stub extends WorkflowServiceGrpc.WorkflowServiceImplBase {
        @Override
        public void getSystemInfo(GetSystemInfoRequest r, StreamObserver<GetSystemInfoResponse> o) {
            handled.incrementAndGet();
            o.onNext(GetSystemInfoResponse.getDefaultInstance());
            o.onCompleted();
        }

        @Override
        public void describeNamespace(DescribeNamespaceRequest r, StreamObserver<DescribeNamespaceResponse> o) {
            handled.incrementAndGet();
            o.onNext(DescribeNamespaceResponse.getDefaultInstance());
            o.onCompleted();
        }

        @Override
        public void startWorkflowExecution(StartWorkflowExecutionRequest r, StreamObserver<StartWorkflowExecutionResponse> o) {
            handled.incrementAndGet();
            o.onNext(StartWorkflowExecutionResponse.getDefaultInstance());
            o.onCompleted();
        }

        @Override
        public void listNamespaces(ListNamespacesRequest r, StreamObserver<ListNamespacesResponse> o) {
            handled.incrementAndGet();
            ListNamespacesResponse.Builder b = ListNamespacesResponse.newBuilder();
            for (String n : List.of("ns1", "ns2", "temporal-system")) {
                b.addNamespaces(DescribeNamespaceResponse.newBuilder().setNamespaceInfo(
                        io.temporal.api.namespace.v1.NamespaceInfo.newBuilder().setName(n)));
            }
            o.onNext(b.build());
            o.onCompleted();
        }

        @Override
        public void respondWorkflowTaskCompleted(RespondWorkflowTaskCompletedRequest r,
                                                 StreamObserver<RespondWorkflowTaskCompletedResponse> o) {
            handled.incrementAndGet();
            o.onNext(RespondWorkflowTaskCompletedResponse.getDefaultInstance());
            o.onCompleted();
        }
    }

    private void start(String authorizer, String header) throws Exception {
        AuthorizationConfig config = new AuthorizationConfig(List.of("https://idp/certs"), Duration.ZERO, null, null, null,
                authorizer, "default", header, null);
        JwksKeyProvider keys = new JwksKeyProvider(config.keySourceUris(), Duration.ZERO, uri -> TestKeys.jwks(KEY),
                System::nanoTime);
        keys.start();
        AuthorizationInterceptor interceptor = new AuthorizationInterceptor(new JwtClaimMapper(keys, config,
                Clock.systemUTC()), authorizer.isEmpty() ? null : new DefaultAuthorizer(), config.authHeaderName(), keys,
                metrics, Set.of("ns1")::contains);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(new Stub(), interceptor)).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private WorkflowServiceGrpc.WorkflowServiceBlockingStub stub(String headerName, String value) {
        Metadata md = new Metadata();
        if (value != null) {
            md.put(Metadata.Key.of(headerName, Metadata.ASCII_STRING_MARSHALLER), value);
        }
        return WorkflowServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }

    private WorkflowServiceGrpc.WorkflowServiceBlockingStub as(String... permissions) {
        return stub("authorization", "Bearer " + KEY.token(TestKeys.claims("tester", 300, permissions)));
    }

    private static void denied(Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertEquals("Request unauthorized.", e.getStatus().getDescription());
        assertNotNull(io.grpc.protobuf.StatusProto.fromThrowable(e));
        assertEquals(PermissionDeniedFailure.getDefaultInstance(),
                io.temporal.serviceclient.StatusUtils.getFailure(e, PermissionDeniedFailure.class));
    }

    private static DescribeNamespaceRequest describe(String ns) {
        return DescribeNamespaceRequest.newBuilder().setNamespace(ns).build();
    }

    private static StartWorkflowExecutionRequest startIn(String ns) {
        return StartWorkflowExecutionRequest.newBuilder().setNamespace(ns).build();
    }

    @Test
    void missingOrBadTokensAreDeniedAndNeverReachTheHandler() throws Exception {
        start("default", null);
        stub("authorization", null).getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
        stub("authorization", "garbage").getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
        assertEquals(2, handled.get());
        denied(() -> stub("authorization", null).describeNamespace(describe("ns1")));
        denied(() -> stub("authorization", "Bearer nope").describeNamespace(describe("ns1")));
        denied(() -> stub("authorization", "Bearer " + KEY.token(TestKeys.claims("x", -60, "ns1:admin")))
                .describeNamespace(describe("ns1")));
        assertEquals(2, handled.get());
        // Temporal counts authorizer denials (the missing token), not claim-mapping failures.
        assertEquals(1.0, metrics.counter("service_errors_unauthorized", "operation", "Authorization", "namespace",
                "ns1").count());
        denied(() -> stub("authorization", null).describeNamespace(describe("no-such-namespace")));
        assertEquals(1.0, metrics.counter("service_errors_unauthorized", "operation", "Authorization", "namespace",
                "_unknown_").count());
    }

    private List<String> listed(WorkflowServiceGrpc.WorkflowServiceBlockingStub stub) {
        return stub.listNamespaces(ListNamespacesRequest.getDefaultInstance()).getNamespacesList().stream()
                .map(n -> n.getNamespaceInfo().getName()).toList();
    }

    @Test
    void listNamespacesShowsACallerWithoutSystemRoleOnlyItsOwn() throws Exception {
        start("default", null);
        assertEquals(List.of("ns1", "ns2", "temporal-system"), listed(as("temporal-system:read")));
        assertEquals(List.of("ns1"), listed(as("ns1:read")));
        assertEquals(List.of("ns1", "ns2"), listed(as("ns1:worker", "ns2:admin")));
        denied(() -> listed(as("ns1:nothing")));
        denied(() -> listed(stub("authorization", null)));
    }

    @Test
    void rolesPerNamespace() throws Exception {
        start("default", null);
        as("ns1:read").describeNamespace(describe("ns1"));
        denied(() -> as("ns1:read").startWorkflowExecution(startIn("ns1")));
        denied(() -> as("ns1:read").describeNamespace(describe("ns2")));
        denied(() -> as("ns1:worker").startWorkflowExecution(startIn("ns1")));
        as("ns1:worker").describeNamespace(describe("ns1"));
        as("ns1:write").startWorkflowExecution(startIn("ns1"));
        as("temporal-system:write").startWorkflowExecution(startIn("anything"));
        assertEquals(4, handled.get());
        assertEquals(2.0, metrics.counter("service_errors_unauthorized", "operation", "Authorization", "namespace",
                "ns1").count());
    }

    @Test
    void crossNamespaceCommandsNeedTheTargetRole() throws Exception {
        start("default", null);
        Command child = Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION)
                .setStartChildWorkflowExecutionCommandAttributes(StartChildWorkflowExecutionCommandAttributes.newBuilder()
                        .setNamespace("ns2")).build();
        Command signal = Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION)
                .setSignalExternalWorkflowExecutionCommandAttributes(SignalExternalWorkflowExecutionCommandAttributes
                        .newBuilder().setNamespace("ns3")).build();
        Command cancel = Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION)
                .setRequestCancelExternalWorkflowExecutionCommandAttributes(
                        RequestCancelExternalWorkflowExecutionCommandAttributes.newBuilder().setNamespace("ns1")).build();
        RespondWorkflowTaskCompletedRequest childOnly = RespondWorkflowTaskCompletedRequest.newBuilder()
                .setNamespace("ns1").addCommands(child).addCommands(cancel).build();
        RespondWorkflowTaskCompletedRequest both = childOnly.toBuilder().addCommands(signal).build();
        denied(() -> as("ns1:write").respondWorkflowTaskCompleted(childOnly));
        denied(() -> as("ns1:write", "ns2:read").respondWorkflowTaskCompleted(childOnly));
        as("ns1:write", "ns2:write").respondWorkflowTaskCompleted(childOnly);
        denied(() -> as("ns1:write", "ns2:write").respondWorkflowTaskCompleted(both));
        as("ns1:write", "ns2:write", "ns3:write").respondWorkflowTaskCompleted(both);
        as("temporal-system:write").respondWorkflowTaskCompleted(both);
        // Same-namespace commands need nothing more.
        as("ns1:write").respondWorkflowTaskCompleted(RespondWorkflowTaskCompletedRequest.newBuilder()
                .setNamespace("ns1").addCommands(cancel).build());
        assertEquals(4, handled.get());
    }

    @Test
    void claimMapperWithoutAuthorizerOnlyRefusesBadTokens() throws Exception {
        start("", null);
        stub("authorization", null).startWorkflowExecution(startIn("ns1"));
        as().startWorkflowExecution(startIn("ns1"));
        denied(() -> stub("authorization", "Bearer x.y.z").startWorkflowExecution(startIn("ns1")));
        assertEquals(2, handled.get());
    }

    @Test
    void customHeaderName() throws Exception {
        start("default", "x-temporal-token");
        String token = "Bearer " + KEY.token(TestKeys.claims("t", 300, "ns1:read"));
        stub("x-temporal-token", token).describeNamespace(describe("ns1"));
        denied(() -> stub("authorization", token).describeNamespace(describe("ns1")));
    }
}
