package io.kairos.frontend.batch;

import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.proto.worker.v1.NamespaceRef;
import io.kairos.proto.worker.v1.WorkerServiceGrpc;
import io.temporal.api.workflowservice.v1.*;

/** The batch-operation RPCs: the namespace is resolved here, the jobs are the worker service's. */
public final class BatchOperationHandler {
    private final NamespaceResolver namespaces;
    private final WorkerServiceGrpc.WorkerServiceBlockingStub worker;

    public BatchOperationHandler(NamespaceResolver namespaces, WorkerServiceGrpc.WorkerServiceBlockingStub worker) {
        this.namespaces = namespaces;
        this.worker = worker;
    }

    private NamespaceRef ref(String namespace, boolean newWork) {
        var id = newWork ? namespaces.forNewWork(namespace) : namespaces.forExistingWork(namespace);
        return NamespaceRef.newBuilder().setId(id.toString()).setName(namespace).build();
    }

    public StartBatchOperationResponse start(StartBatchOperationRequest req) {
        return worker.startBatchOperation(io.kairos.proto.worker.v1.StartBatchOperationRequest.newBuilder()
                .setNamespace(ref(req.getNamespace(), true)).setRequest(req).build());
    }

    public StopBatchOperationResponse stop(StopBatchOperationRequest req) {
        return worker.stopBatchOperation(io.kairos.proto.worker.v1.StopBatchOperationRequest.newBuilder()
                .setNamespace(ref(req.getNamespace(), false)).setRequest(req).build());
    }

    public DescribeBatchOperationResponse describe(DescribeBatchOperationRequest req) {
        return worker.describeBatchOperation(io.kairos.proto.worker.v1.DescribeBatchOperationRequest.newBuilder()
                .setNamespace(ref(req.getNamespace(), false)).setRequest(req).build());
    }

    public ListBatchOperationsResponse list(ListBatchOperationsRequest req) {
        return worker.listBatchOperations(io.kairos.proto.worker.v1.ListBatchOperationsRequest.newBuilder()
                .setNamespace(ref(req.getNamespace(), false)).setRequest(req).build());
    }
}
