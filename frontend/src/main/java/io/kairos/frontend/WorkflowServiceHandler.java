package io.kairos.frontend;

import io.grpc.stub.StreamObserver;
import io.kairos.frontend.cluster.ClusterInfoHandler;
import io.kairos.frontend.grpc.UnaryCalls;
import io.kairos.frontend.namespace.NamespaceHandler;
import io.temporal.api.workflowservice.v1.DeprecateNamespaceRequest;
import io.temporal.api.workflowservice.v1.DeprecateNamespaceResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.GetClusterInfoRequest;
import io.temporal.api.workflowservice.v1.GetClusterInfoResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.ListNamespacesRequest;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.api.workflowservice.v1.RegisterNamespaceResponse;
import io.temporal.api.workflowservice.v1.UpdateNamespaceRequest;
import io.temporal.api.workflowservice.v1.UpdateNamespaceResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;

/**
 * Temporal's public WorkflowService. Each RPC delegates to the handler named after it; every RPC not
 * overridden here answers UNIMPLEMENTED (the generated base class does that).
 */
public final class WorkflowServiceHandler extends WorkflowServiceGrpc.WorkflowServiceImplBase {
    private final NamespaceHandler namespaces;
    private final ClusterInfoHandler cluster;

    public WorkflowServiceHandler(NamespaceHandler namespaces, ClusterInfoHandler cluster) {
        this.namespaces = namespaces;
        this.cluster = cluster;
    }

    @Override
    public void registerNamespace(RegisterNamespaceRequest request, StreamObserver<RegisterNamespaceResponse> observer) {
        UnaryCalls.respond("RegisterNamespace", observer, () -> namespaces.register(request));
    }

    @Override
    public void describeNamespace(DescribeNamespaceRequest request, StreamObserver<DescribeNamespaceResponse> observer) {
        UnaryCalls.respond("DescribeNamespace", observer, () -> namespaces.describe(request));
    }

    @Override
    public void listNamespaces(ListNamespacesRequest request, StreamObserver<ListNamespacesResponse> observer) {
        UnaryCalls.respond("ListNamespaces", observer, () -> namespaces.list(request));
    }

    @Override
    public void updateNamespace(UpdateNamespaceRequest request, StreamObserver<UpdateNamespaceResponse> observer) {
        UnaryCalls.respond("UpdateNamespace", observer, () -> namespaces.update(request));
    }

    @Override
    public void deprecateNamespace(DeprecateNamespaceRequest request, StreamObserver<DeprecateNamespaceResponse> observer) {
        UnaryCalls.respond("DeprecateNamespace", observer, () -> namespaces.deprecate(request));
    }

    @Override
    public void getSystemInfo(GetSystemInfoRequest request, StreamObserver<GetSystemInfoResponse> observer) {
        UnaryCalls.respond("GetSystemInfo", observer, cluster::systemInfo);
    }

    @Override
    public void getClusterInfo(GetClusterInfoRequest request, StreamObserver<GetClusterInfoResponse> observer) {
        UnaryCalls.respond("GetClusterInfo", observer, cluster::clusterInfo);
    }
}
