package io.kairos.frontend;

import io.grpc.stub.StreamObserver;
import io.kairos.common.grpc.UnaryCalls;
import io.kairos.frontend.namespace.DeleteNamespaceHandler;
import io.temporal.api.operatorservice.v1.DeleteNamespaceRequest;
import io.temporal.api.operatorservice.v1.DeleteNamespaceResponse;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;

/** Temporal's OperatorService; RPCs not overridden answer UNIMPLEMENTED. */
public final class OperatorServiceHandler extends OperatorServiceGrpc.OperatorServiceImplBase {
    private final DeleteNamespaceHandler deleteNamespace;

    public OperatorServiceHandler(DeleteNamespaceHandler deleteNamespace) {
        this.deleteNamespace = deleteNamespace;
    }

    @Override
    public void deleteNamespace(DeleteNamespaceRequest request, StreamObserver<DeleteNamespaceResponse> observer) {
        UnaryCalls.respond("DeleteNamespace", observer, () -> deleteNamespace.delete(request));
    }
}
