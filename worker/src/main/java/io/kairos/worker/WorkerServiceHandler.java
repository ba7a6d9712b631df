package io.kairos.worker;

import io.grpc.stub.StreamObserver;
import io.kairos.common.grpc.UnaryCalls;
import io.kairos.proto.worker.v1.*;
import io.kairos.worker.batch.BatchOperations;
import io.kairos.worker.schedules.ScheduleOperations;
import io.temporal.api.workflowservice.v1.CountSchedulesResponse;
import io.temporal.api.workflowservice.v1.CreateScheduleResponse;
import io.temporal.api.workflowservice.v1.DeleteScheduleResponse;
import io.temporal.api.workflowservice.v1.DescribeBatchOperationResponse;
import io.temporal.api.workflowservice.v1.DescribeScheduleResponse;
import io.temporal.api.workflowservice.v1.ListBatchOperationsResponse;
import io.temporal.api.workflowservice.v1.ListScheduleMatchingTimesResponse;
import io.temporal.api.workflowservice.v1.ListSchedulesResponse;
import io.temporal.api.workflowservice.v1.PatchScheduleResponse;
import io.temporal.api.workflowservice.v1.StartBatchOperationResponse;
import io.temporal.api.workflowservice.v1.StopBatchOperationResponse;
import io.temporal.api.workflowservice.v1.UpdateScheduleResponse;

/** The worker's internal API: each RPC is Temporal's of the same name, answered by the schedules or batch module. */
final class WorkerServiceHandler extends WorkerServiceGrpc.WorkerServiceImplBase {
    private final ScheduleOperations schedules;
    private final BatchOperations batches;

    WorkerServiceHandler(ScheduleOperations schedules, BatchOperations batches) {
        this.schedules = schedules;
        this.batches = batches;
    }

    @Override
    public void createSchedule(CreateScheduleRequest r, StreamObserver<CreateScheduleResponse> o) {
        UnaryCalls.respond("CreateSchedule", o, () -> schedules.create(r.getNamespace(), r.getRequest()));
    }

    @Override
    public void describeSchedule(DescribeScheduleRequest r, StreamObserver<DescribeScheduleResponse> o) {
        UnaryCalls.respond("DescribeSchedule", o, () -> schedules.describe(r.getNamespace(), r.getRequest()));
    }

    @Override
    public void updateSchedule(UpdateScheduleRequest r, StreamObserver<UpdateScheduleResponse> o) {
        UnaryCalls.respond("UpdateSchedule", o, () -> schedules.update(r.getNamespace(), r.getRequest()));
    }

    @Override
    public void patchSchedule(PatchScheduleRequest r, StreamObserver<PatchScheduleResponse> o) {
        UnaryCalls.respond("PatchSchedule", o, () -> schedules.patch(r.getNamespace(), r.getRequest()));
    }

    @Override
    public void deleteSchedule(DeleteScheduleRequest r, StreamObserver<DeleteScheduleResponse> o) {
        UnaryCalls.respond("DeleteSchedule", o, () -> schedules.delete(r.getNamespace(), r.getRequest()));
    }

    @Override
    public void listSchedules(ListSchedulesRequest r, StreamObserver<ListSchedulesResponse> o) {
        UnaryCalls.respond("ListSchedules", o, () -> schedules.list(r.getNamespace(), r.getRequest()));
    }

    @Override
    public void countSchedules(CountSchedulesRequest r, StreamObserver<CountSchedulesResponse> o) {
        UnaryCalls.respond("CountSchedules", o, () -> schedules.count(r.getNamespace(), r.getRequest()));
    }

    @Override
    public void listScheduleMatchingTimes(ListScheduleMatchingTimesRequest r,
                                          StreamObserver<ListScheduleMatchingTimesResponse> o) {
        UnaryCalls.respond("ListScheduleMatchingTimes", o, () -> schedules.matchingTimes(r.getNamespace(), r.getRequest()));
    }

    @Override
    public void startBatchOperation(StartBatchOperationRequest r, StreamObserver<StartBatchOperationResponse> o) {
        UnaryCalls.respond("StartBatchOperation", o, () -> batches.start(r.getNamespace(), r.getRequest()));
    }

    @Override
    public void stopBatchOperation(StopBatchOperationRequest r, StreamObserver<StopBatchOperationResponse> o) {
        UnaryCalls.respond("StopBatchOperation", o, () -> batches.stop(r.getNamespace(), r.getRequest()));
    }

    @Override
    public void describeBatchOperation(DescribeBatchOperationRequest r, StreamObserver<DescribeBatchOperationResponse> o) {
        UnaryCalls.respond("DescribeBatchOperation", o, () -> batches.describe(r.getNamespace(), r.getRequest()));
    }

    @Override
    public void listBatchOperations(ListBatchOperationsRequest r, StreamObserver<ListBatchOperationsResponse> o) {
        UnaryCalls.respond("ListBatchOperations", o, () -> batches.list(r.getNamespace(), r.getRequest()));
    }
}
