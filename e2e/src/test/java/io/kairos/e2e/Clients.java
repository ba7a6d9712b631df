package io.kairos.e2e;

import io.grpc.StatusRuntimeException;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.StatusUtils;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Official SDK clients for a server on localhost, and assertions on Temporal-style errors. */
public final class Clients implements AutoCloseable {
    public final WorkflowServiceStubs workflow;
    public final OperatorServiceStubs operator;

    public Clients(int port) {
        // newConnectedServiceStubs runs the SDK's own health check and GetSystemInfo, as a worker does.
        workflow = WorkflowServiceStubs.newConnectedServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build(), Duration.ofSeconds(30));
        operator = OperatorServiceStubs.newServiceStubs(
                OperatorServiceStubsOptions.newBuilder().setChannel(workflow.getRawChannel()).validateAndBuildWithDefaults());
    }

    /** Asserts the call fails with this gRPC code and returns the exception for further checks. */
    public static StatusRuntimeException assertStatus(io.grpc.Status.Code code, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), () -> "status was " + e.getStatus());
        return e;
    }

    public static StatusRuntimeException assertStatus(io.grpc.Status.Code code, String messagePart, Executable call) {
        StatusRuntimeException e = assertStatus(code, call);
        String d = e.getStatus().getDescription();
        assertTrue(d != null && d.contains(messagePart), () -> "message '" + d + "' should contain '" + messagePart + "'");
        return e;
    }

    /** The errordetails.v1 payload the SDK itself would read. */
    public static <T extends com.google.protobuf.Message> T detail(StatusRuntimeException e, Class<T> type) {
        T d = StatusUtils.getFailure(e, type);
        assertNotNull(d, () -> "expected a " + type.getSimpleName() + " detail in " + e.getStatus());
        return d;
    }

    @Override
    public void close() {
        operator.shutdownNow();
        workflow.shutdownNow();
    }
}
