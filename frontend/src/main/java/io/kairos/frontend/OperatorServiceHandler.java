package io.kairos.frontend;

import io.grpc.stub.StreamObserver;
import io.kairos.common.grpc.UnaryCalls;
import io.kairos.frontend.namespace.DeleteNamespaceHandler;
import io.temporal.api.operatorservice.v1.DeleteNamespaceRequest;
import io.temporal.api.operatorservice.v1.DeleteNamespaceResponse;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.AddSearchAttributesResponse;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.api.operatorservice.v1.RemoveSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.RemoveSearchAttributesResponse;
import io.kairos.frontend.visibility.SearchAttributesHandler;

/** Temporal's OperatorService; RPCs not overridden answer UNIMPLEMENTED. */
public final class OperatorServiceHandler extends OperatorServiceGrpc.OperatorServiceImplBase {
    private final DeleteNamespaceHandler deleteNamespace;
    private final SearchAttributesHandler searchAttributes;

    public OperatorServiceHandler(DeleteNamespaceHandler deleteNamespace) {
        this(deleteNamespace, null);
    }

    /** @param searchAttributes null without a visibility database: those RPCs answer UNIMPLEMENTED */
    public OperatorServiceHandler(DeleteNamespaceHandler deleteNamespace, SearchAttributesHandler searchAttributes) {
        this.deleteNamespace = deleteNamespace;
        this.searchAttributes = searchAttributes;
    }

    @Override
    public void addSearchAttributes(AddSearchAttributesRequest request, StreamObserver<AddSearchAttributesResponse> o) {
        if (searchAttributes == null) {
            super.addSearchAttributes(request, o);
            return;
        }
        UnaryCalls.respond("AddSearchAttributes", o, () -> searchAttributes.add(request));
    }

    @Override
    public void removeSearchAttributes(RemoveSearchAttributesRequest request, StreamObserver<RemoveSearchAttributesResponse> o) {
        if (searchAttributes == null) {
            super.removeSearchAttributes(request, o);
            return;
        }
        UnaryCalls.respond("RemoveSearchAttributes", o, () -> searchAttributes.remove(request));
    }

    @Override
    public void listSearchAttributes(ListSearchAttributesRequest request, StreamObserver<ListSearchAttributesResponse> o) {
        if (searchAttributes == null) {
            super.listSearchAttributes(request, o);
            return;
        }
        UnaryCalls.respond("ListSearchAttributes", o, () -> searchAttributes.list(request));
    }

    @Override
    public void deleteNamespace(DeleteNamespaceRequest request, StreamObserver<DeleteNamespaceResponse> observer) {
        UnaryCalls.respond("DeleteNamespace", observer, () -> deleteNamespace.delete(request));
    }
}
