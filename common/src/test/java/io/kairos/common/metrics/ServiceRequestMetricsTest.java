package io.kairos.common.metrics;

import com.google.protobuf.Any;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The interceptor through a real (in-process) gRPC call: Temporal's service_* meters, tags and error split. */
class ServiceRequestMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> successes = new ArrayList<>();
    private Server server;
    private ManagedChannel channel;

    private WorkflowServiceGrpc.WorkflowServiceBlockingStub start() throws Exception {
        String name = "metrics-" + UUID.randomUUID();
        var service = new WorkflowServiceGrpc.WorkflowServiceImplBase() {
            @Override
            public void describeNamespace(DescribeNamespaceRequest r, StreamObserver<DescribeNamespaceResponse> out) {
                out.onNext(DescribeNamespaceResponse.getDefaultInstance());
                out.onCompleted();
            }

            @Override
            public void startWorkflowExecution(StartWorkflowExecutionRequest r,
                                               StreamObserver<StartWorkflowExecutionResponse> out) {
                out.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                        .setCode(Status.Code.ALREADY_EXISTS.value()).setMessage("started")
                        .addDetails(Any.pack(WorkflowExecutionAlreadyStartedFailure.getDefaultInstance())).build()));
            }

            @Override
            public void getSystemInfo(GetSystemInfoRequest r, StreamObserver<GetSystemInfoResponse> out) {
                out.onError(Status.UNAVAILABLE.withDescription("down").asRuntimeException());
            }
        };
        server = InProcessServerBuilder.forName(name).directExecutor().addService(ServerInterceptors.intercept(service,
                new ServiceRequestMetrics(registry, (op, req, resp, ns) -> successes.add(op + "@" + ns)))).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        return WorkflowServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }

    @Test
    void requestsLatencyAndErrorsCarryTemporalsNamesAndTags() throws Exception {
        var stub = start();
        stub.describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace("orders").build());
        stub.describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace("orders").build());
        assertThrows(StatusRuntimeException.class, () -> stub.startWorkflowExecution(
                StartWorkflowExecutionRequest.newBuilder().setNamespace("orders").build()));
        assertThrows(StatusRuntimeException.class, () -> stub.getSystemInfo(GetSystemInfoRequest.getDefaultInstance()));

        assertEquals(2.0, registry.get("service_requests").tags("operation", "DescribeNamespace", "namespace", "orders")
                .counter().count());
        assertEquals(2L, registry.get("service_latency").tags("operation", "DescribeNamespace").timer().count());
        assertEquals(List.of("DescribeNamespace@orders", "DescribeNamespace@orders"), successes);

        // an expected error: typed and broken down, not a service error
        assertEquals(1.0, registry.get("service_requests").tags("operation", "StartWorkflowExecution").counter().count());
        assertEquals(1.0, registry.get("service_error_with_type").tags("operation", "StartWorkflowExecution",
                "namespace", "orders", "error_type", "serviceerror.WorkflowExecutionAlreadyStarted").counter().count());
        assertEquals(1.0, registry.get("service_errors_execution_already_started")
                .tags("operation", "StartWorkflowExecution").counter().count());
        assertNull(registry.find("service_errors").tags("operation", "StartWorkflowExecution").counter());

        // a failure of the service, on a request without a namespace
        assertEquals(1.0, registry.get("service_errors").tags("operation", "GetSystemInfo", "namespace",
                ServiceRequestMetrics.UNKNOWN).counter().count());
        assertEquals(0.0, registry.get("service_pending_requests").gauge().value());
    }

    @Test
    void namespacesNoRequestCouldUseAreTaggedUnknown() {
        ServiceRequestMetrics m = new ServiceRequestMetrics(new SimpleMeterRegistry());
        assertEquals("orders", m.namespaceOf(DescribeNamespaceRequest.newBuilder().setNamespace("orders").build()));
        assertEquals(ServiceRequestMetrics.UNKNOWN, m.namespaceOf(DescribeNamespaceRequest.newBuilder().setNamespace("a\0b").build()));
        assertEquals(ServiceRequestMetrics.UNKNOWN, m.namespaceOf(DescribeNamespaceRequest.newBuilder()
                .setNamespace("n".repeat(1001)).build()));
    }

    @Test
    void theNamespaceIsReadFromEachKindOfRequest() throws Exception {
        ServiceRequestMetrics m = new ServiceRequestMetrics(new SimpleMeterRegistry());
        assertEquals(ServiceRequestMetrics.UNKNOWN, m.namespaceOf(GetSystemInfoRequest.getDefaultInstance()));
        assertEquals(ServiceRequestMetrics.UNKNOWN, m.namespaceOf(DescribeNamespaceRequest.getDefaultInstance()));
        assertEquals("a", m.namespaceOf(DescribeNamespaceRequest.newBuilder().setNamespace("a").build()));
        assertEquals("b", m.namespaceOf(DescribeNamespaceRequest.newBuilder().setNamespace("b").build()));
        // Not generated code: read through the descriptor.
        assertEquals("c", m.namespaceOf(com.google.protobuf.DynamicMessage.parseFrom(DescribeNamespaceRequest.getDescriptor(),
                DescribeNamespaceRequest.newBuilder().setNamespace("c").build().toByteString())));
        ServiceRequestMetrics internal = new ServiceRequestMetrics(new SimpleMeterRegistry(), id -> "name-of-" + id);
        assertEquals("name-of-7", internal.namespaceOf(io.kairos.proto.history.v1.RecordWorkflowTaskStartedRequest
                .newBuilder().setNamespaceId("7").build()));
        assertEquals(ServiceRequestMetrics.UNKNOWN, internal.namespaceOf(
                DescribeNamespaceRequest.newBuilder().setNamespace("d").build()));
    }

    @Test
    void operatorServiceOperationsArePrefixedAsInTemporal() {
        assertEquals("OperatorAddSearchAttributes",
                ServiceRequestMetrics.operation("temporal.api.operatorservice.v1.OperatorService/AddSearchAttributes"));
        assertEquals("StartWorkflowExecution",
                ServiceRequestMetrics.operation("temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution"));
    }
}
