package io.kairos.frontend.schedule;

import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.proto.worker.v1.NamespaceRef;
import io.kairos.proto.worker.v1.WorkerServiceGrpc;
import io.temporal.api.workflowservice.v1.*;

/**
 * The schedule RPCs: the namespace is resolved here, everything else is the worker service's (validation, storage,
 * the scheduler), reached over its internal API. Temporal's frontend starts, signals and queries its scheduler
 * workflow the same way.
 */
public final class ScheduleHandler {
    private final NamespaceResolver namespaces;
    private final WorkerServiceGrpc.WorkerServiceBlockingStub worker;

    public ScheduleHandler(NamespaceResolver namespaces, WorkerServiceGrpc.WorkerServiceBlockingStub worker) {
        this.namespaces = namespaces;
        this.worker = worker;
    }

    private NamespaceRef forNewWork(String namespace) {
        return NamespaceRef.newBuilder().setId(namespaces.forNewWork(namespace).toString()).setName(namespace).build();
    }

    private NamespaceRef forExistingWork(String namespace) {
        return NamespaceRef.newBuilder().setId(namespaces.forExistingWork(namespace).toString()).setName(namespace).build();
    }

    public CreateScheduleResponse create(CreateScheduleRequest req) {
        return worker.createSchedule(io.kairos.proto.worker.v1.CreateScheduleRequest.newBuilder()
                .setNamespace(forNewWork(req.getNamespace())).setRequest(req).build());
    }

    public DescribeScheduleResponse describe(DescribeScheduleRequest req) {
        return worker.describeSchedule(io.kairos.proto.worker.v1.DescribeScheduleRequest.newBuilder()
                .setNamespace(forExistingWork(req.getNamespace())).setRequest(req).build());
    }

    public UpdateScheduleResponse update(UpdateScheduleRequest req) {
        return worker.updateSchedule(io.kairos.proto.worker.v1.UpdateScheduleRequest.newBuilder()
                .setNamespace(forExistingWork(req.getNamespace())).setRequest(req).build());
    }

    public PatchScheduleResponse patch(PatchScheduleRequest req) {
        return worker.patchSchedule(io.kairos.proto.worker.v1.PatchScheduleRequest.newBuilder()
                .setNamespace(forExistingWork(req.getNamespace())).setRequest(req).build());
    }

    public DeleteScheduleResponse delete(DeleteScheduleRequest req) {
        return worker.deleteSchedule(io.kairos.proto.worker.v1.DeleteScheduleRequest.newBuilder()
                .setNamespace(forExistingWork(req.getNamespace())).setRequest(req).build());
    }

    public ListSchedulesResponse list(ListSchedulesRequest req) {
        return worker.listSchedules(io.kairos.proto.worker.v1.ListSchedulesRequest.newBuilder()
                .setNamespace(forExistingWork(req.getNamespace())).setRequest(req).build());
    }

    public CountSchedulesResponse count(CountSchedulesRequest req) {
        return worker.countSchedules(io.kairos.proto.worker.v1.CountSchedulesRequest.newBuilder()
                .setNamespace(forExistingWork(req.getNamespace())).setRequest(req).build());
    }

    public ListScheduleMatchingTimesResponse matchingTimes(ListScheduleMatchingTimesRequest req) {
        return worker.listScheduleMatchingTimes(io.kairos.proto.worker.v1.ListScheduleMatchingTimesRequest.newBuilder()
                .setNamespace(forExistingWork(req.getNamespace())).setRequest(req).build());
    }
}
