package io.kairos.frontend.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;

import java.util.function.BooleanSupplier;

/** Until the frontend is ready, Temporal's APIs answer UNAVAILABLE "Frontend is not healthy yet" (as Temporal does). */
public final class HealthGate implements ServerInterceptor {
    private final BooleanSupplier ready;

    public HealthGate(BooleanSupplier ready) {
        this.ready = ready;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String service = call.getMethodDescriptor().getServiceName();
        boolean gated = WorkflowServiceGrpc.SERVICE_NAME.equals(service) || OperatorServiceGrpc.SERVICE_NAME.equals(service);
        if (gated && !ready.getAsBoolean()) {
            call.close(Status.UNAVAILABLE.withDescription("Frontend is not healthy yet"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }
}
