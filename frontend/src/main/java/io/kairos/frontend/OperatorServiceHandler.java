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
import io.kairos.frontend.nexus.NexusEndpointHandler;
import io.kairos.frontend.visibility.SearchAttributesHandler;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointResponse;
import io.temporal.api.operatorservice.v1.DeleteNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.DeleteNexusEndpointResponse;
import io.temporal.api.operatorservice.v1.GetNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.GetNexusEndpointResponse;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsRequest;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsResponse;
import io.temporal.api.operatorservice.v1.UpdateNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.UpdateNexusEndpointResponse;

/** Temporal's OperatorService; RPCs not overridden answer UNIMPLEMENTED. */
public final class OperatorServiceHandler extends OperatorServiceGrpc.OperatorServiceImplBase {
    private final DeleteNamespaceHandler deleteNamespace;
    private final SearchAttributesHandler searchAttributes;
    private NexusEndpointHandler nexusEndpoints;

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

    /** The Nexus endpoint registry; without it those RPCs answer UNIMPLEMENTED. */
    public OperatorServiceHandler nexusEndpoints(NexusEndpointHandler handler) {
        this.nexusEndpoints = handler;
        return this;
    }

    @Override
    public void createNexusEndpoint(CreateNexusEndpointRequest request, StreamObserver<CreateNexusEndpointResponse> o) {
        if (nexusEndpoints == null) {
            super.createNexusEndpoint(request, o);
            return;
        }
        UnaryCalls.respond("CreateNexusEndpoint", o, () -> nexusEndpoints.create(request));
    }

    @Override
    public void updateNexusEndpoint(UpdateNexusEndpointRequest request, StreamObserver<UpdateNexusEndpointResponse> o) {
        if (nexusEndpoints == null) {
            super.updateNexusEndpoint(request, o);
            return;
        }
        UnaryCalls.respond("UpdateNexusEndpoint", o, () -> nexusEndpoints.update(request));
    }

    @Override
    public void deleteNexusEndpoint(DeleteNexusEndpointRequest request, StreamObserver<DeleteNexusEndpointResponse> o) {
        if (nexusEndpoints == null) {
            super.deleteNexusEndpoint(request, o);
            return;
        }
        UnaryCalls.respond("DeleteNexusEndpoint", o, () -> nexusEndpoints.delete(request));
    }

    @Override
    public void getNexusEndpoint(GetNexusEndpointRequest request, StreamObserver<GetNexusEndpointResponse> o) {
        if (nexusEndpoints == null) {
            super.getNexusEndpoint(request, o);
            return;
        }
        UnaryCalls.respond("GetNexusEndpoint", o, () -> nexusEndpoints.get(request));
    }

    @Override
    public void listNexusEndpoints(ListNexusEndpointsRequest request, StreamObserver<ListNexusEndpointsResponse> o) {
        if (nexusEndpoints == null) {
            super.listNexusEndpoints(request, o);
            return;
        }
        UnaryCalls.respond("ListNexusEndpoints", o, () -> nexusEndpoints.list(request));
    }

    @Override
    public void deleteNamespace(DeleteNamespaceRequest request, StreamObserver<DeleteNamespaceResponse> observer) {
        UnaryCalls.respond("DeleteNamespace", observer, () -> deleteNamespace.delete(request));
    }
}
