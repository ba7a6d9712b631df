package io.kairos.frontend.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.grpc.UnaryCalls;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.ResetReapplyType;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskFailedRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestGuardTest {
    private Server server;
    private ManagedChannel channel;
    private final AtomicInteger handled = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        var service = new WorkflowServiceGrpc.WorkflowServiceImplBase() {
            @Override
            public void describeWorkflowExecution(DescribeWorkflowExecutionRequest request,
                                                  StreamObserver<DescribeWorkflowExecutionResponse> o) {
                handled.incrementAndGet();
                UnaryCalls.respond("DescribeWorkflowExecution", o, () -> {
                    throw new InvalidArgumentException("echo: " + request.getExecution().getWorkflowId());
                });
            }
        };
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(RequestGuard.guard(service.bindService())).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void requestsThatCannotBeParsedAreInvalidArguments() {
        byte[] valid = DescribeWorkflowExecutionRequest.newBuilder().setNamespace("ns-\uE000").build().toByteArray();
        // The namespace's last character (3 bytes) becomes bytes that are not UTF-8.
        valid[valid.length - 3] = (byte) 0xFF;
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> raw(valid));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("grpc: error unmarshalling request: "), e.getStatus().getDescription());
        assertEquals(0, handled.get());
    }

    @Test
    void rpcsTheHandlerDoesNotServeAreUnimplementedWhateverTheRequest() throws Exception {
        String name = InProcessServerBuilder.generateName();
        var handler = new WorkflowServiceGrpc.WorkflowServiceImplBase() {
            @Override
            public void describeWorkflowExecution(DescribeWorkflowExecutionRequest request,
                                                  StreamObserver<DescribeWorkflowExecutionResponse> o) {
                o.onNext(DescribeWorkflowExecutionResponse.getDefaultInstance());
                o.onCompleted();
            }
        };
        Server s = InProcessServerBuilder.forName(name).directExecutor().addService(RequestGuard.guard(handler)).build()
                .start();
        ManagedChannel c = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
            var stub = WorkflowServiceGrpc.newBlockingStub(c);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.terminateWorkflowExecution(
                    io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionRequest.newBuilder()
                            .setNamespace("a\0b").build()));
            assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
            // A served RPC is still checked.
            e = assertThrows(StatusRuntimeException.class, () -> stub.describeWorkflowExecution(
                    DescribeWorkflowExecutionRequest.newBuilder().setNamespace("a\0b").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        } finally {
            c.shutdownNow();
            s.shutdownNow();
        }
    }

    @Test
    void nulInAStringIsRefusedBeforeTheHandler() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub().describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId("a\0b")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("execution.workflow_id contains a NUL character, which is not allowed.", e.getStatus().getDescription());
        assertEquals(0, handled.get());
    }

    @Test
    void longEchoedValuesAreBoundedSoTheErrorArrives() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub().describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId("\uD834\uDD1E".repeat(10_000))).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().endsWith("…(truncated)"));
    }

    @Test
    void checksWalkNestedMessagesButNotFailuresOrPayloads() {
        assertEquals("namespace contains a NUL character, which is not allowed.",
                RequestChecks.problem(StartWorkflowExecutionRequest.newBuilder().setNamespace("\0").build()));
        assertEquals("memo.fields.key contains a NUL character, which is not allowed.",
                RequestChecks.problem(StartWorkflowExecutionRequest.newBuilder().setMemo(
                        io.temporal.api.common.v1.Memo.newBuilder().putFields("k\0", Payload.getDefaultInstance())).build()));
        assertNull(RequestChecks.problem(RespondActivityTaskFailedRequest.newBuilder().setNamespace("default")
                .setFailure(Failure.newBuilder().setMessage("exception text with \0 in it")).build()));
        assertNull(RequestChecks.problem(RespondActivityTaskCompletedRequest.newBuilder().setNamespace("default")
                .setResult(Payloads.newBuilder().addPayloads(Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("a\0"))
                        .setData(ByteString.copyFrom(new byte[]{0, 0})))).build()));
    }

    @Test
    void unknownEnumNumbersAndOutOfRangeTimesAreRefused() {
        assertEquals("Unknown ResetReapplyType value 99 in reset_reapply_type.", RequestChecks.problem(
                ResetWorkflowExecutionRequest.newBuilder().setResetReapplyTypeValue(99).build()));
        assertNull(RequestChecks.problem(ResetWorkflowExecutionRequest.newBuilder()
                .setResetReapplyType(ResetReapplyType.RESET_REAPPLY_TYPE_NONE).build()));
        assertEquals("workflow_run_timeout is not a valid duration.", RequestChecks.problem(StartWorkflowExecutionRequest
                .newBuilder().setWorkflowRunTimeout(Duration.newBuilder().setSeconds(5).setNanos(-1)).build()));
        assertEquals("workflow_start_delay is not a valid duration.", RequestChecks.problem(StartWorkflowExecutionRequest
                .newBuilder().setWorkflowStartDelay(Duration.newBuilder().setSeconds(Long.MAX_VALUE)).build()));
        assertTrue(RequestChecks.validTimestamp(Timestamp.newBuilder().setSeconds(253_402_300_799L).build()));
        assertTrue(!RequestChecks.validTimestamp(Timestamp.newBuilder().setSeconds(253_402_300_800L).build()));
    }

    private WorkflowServiceGrpc.WorkflowServiceBlockingStub stub() {
        return WorkflowServiceGrpc.newBlockingStub(channel);
    }

    private void raw(byte[] request) {
        MethodDescriptor<byte[], byte[]> m = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod().getFullMethodName())
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
        ClientCalls.blockingUnaryCall(channel, m, CallOptions.DEFAULT, request);
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (java.io.IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
}
