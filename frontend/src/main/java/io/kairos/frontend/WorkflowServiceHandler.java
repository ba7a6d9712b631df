package io.kairos.frontend;

import io.grpc.stub.StreamObserver;
import io.kairos.frontend.cluster.ClusterInfoHandler;
import io.kairos.common.grpc.UnaryCalls;
import io.kairos.frontend.namespace.NamespaceHandler;
import io.temporal.api.workflowservice.v1.*;
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
import io.temporal.api.workflowservice.v1.*;
import io.kairos.frontend.workflow.TaskHandler;
import io.kairos.frontend.workflow.WorkflowHandler;
import io.kairos.frontend.visibility.VisibilityHandler;

/**
 * Temporal's public WorkflowService. Each RPC delegates to the handler named after it; every RPC not
 * overridden here answers UNIMPLEMENTED (the generated base class does that).
 */
public final class WorkflowServiceHandler extends WorkflowServiceGrpc.WorkflowServiceImplBase {
    private final NamespaceHandler namespaces;
    private final ClusterInfoHandler cluster;
    private final WorkflowHandler workflows;
    private final TaskHandler tasks;
    private final VisibilityHandler visibility;
    private io.kairos.frontend.schedule.ScheduleHandler schedules;
    private io.kairos.frontend.batch.BatchOperationHandler batches;

    /** The worker service's RPCs; without them (no worker channel) they answer UNIMPLEMENTED. */
    public WorkflowServiceHandler workerRpcs(io.kairos.frontend.schedule.ScheduleHandler schedules,
                                             io.kairos.frontend.batch.BatchOperationHandler batches) {
        this.schedules = schedules;
        this.batches = batches;
        return this;
    }

    public WorkflowServiceHandler(NamespaceHandler namespaces, ClusterInfoHandler cluster, WorkflowHandler workflows,
                                  TaskHandler tasks) {
        this(namespaces, cluster, workflows, tasks, null);
    }

    /** @param visibility null when there is no visibility database: those RPCs answer UNIMPLEMENTED */
    public WorkflowServiceHandler(NamespaceHandler namespaces, ClusterInfoHandler cluster, WorkflowHandler workflows,
                                  TaskHandler tasks, VisibilityHandler visibility) {
        this.visibility = visibility;
        this.namespaces = namespaces;
        this.cluster = cluster;
        this.workflows = workflows;
        this.tasks = tasks;
    }

    @Override
    public void startWorkflowExecution(StartWorkflowExecutionRequest request, StreamObserver<StartWorkflowExecutionResponse> o) {
        UnaryCalls.respond("StartWorkflowExecution", o, () -> workflows.start(request));
    }

    @Override
    public void describeWorkflowExecution(DescribeWorkflowExecutionRequest request,
                                          StreamObserver<DescribeWorkflowExecutionResponse> o) {
        UnaryCalls.respond("DescribeWorkflowExecution", o, () -> workflows.describe(request));
    }

    @Override
    public void getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest request,
                                            StreamObserver<GetWorkflowExecutionHistoryResponse> o) {
        UnaryCalls.respond("GetWorkflowExecutionHistory", o, () -> workflows.history(request));
    }

    private io.kairos.frontend.archival.ArchivedReads archived;

    /** ListArchivedWorkflowExecutions; without it the RPC answers UNIMPLEMENTED. */
    public WorkflowServiceHandler archivedReads(io.kairos.frontend.archival.ArchivedReads reads) {
        this.archived = reads;
        return this;
    }

    @Override
    public void listArchivedWorkflowExecutions(ListArchivedWorkflowExecutionsRequest request,
                                               StreamObserver<ListArchivedWorkflowExecutionsResponse> o) {
        if (archived == null) {
            super.listArchivedWorkflowExecutions(request, o);
            return;
        }
        UnaryCalls.respond("ListArchivedWorkflowExecutions", o, () -> archived.list(request));
    }

    @Override
    public void pollWorkflowTaskQueue(PollWorkflowTaskQueueRequest request, StreamObserver<PollWorkflowTaskQueueResponse> o) {
        tasks.pollWorkflowTaskQueue(request, o);
    }

    @Override
    public void pollActivityTaskQueue(PollActivityTaskQueueRequest request, StreamObserver<PollActivityTaskQueueResponse> o) {
        tasks.pollActivityTaskQueue(request, o);
    }

    @Override
    public void describeTaskQueue(DescribeTaskQueueRequest request, StreamObserver<DescribeTaskQueueResponse> o) {
        UnaryCalls.respond("DescribeTaskQueue", o, () -> tasks.describeTaskQueue(request));
    }

    @Override
    public void respondWorkflowTaskCompleted(RespondWorkflowTaskCompletedRequest request,
                                             StreamObserver<RespondWorkflowTaskCompletedResponse> o) {
        UnaryCalls.respond("RespondWorkflowTaskCompleted", o, () -> tasks.workflowTaskCompleted(request));
    }

    @Override
    public void respondWorkflowTaskFailed(RespondWorkflowTaskFailedRequest request,
                                          StreamObserver<RespondWorkflowTaskFailedResponse> o) {
        UnaryCalls.respond("RespondWorkflowTaskFailed", o, () -> tasks.workflowTaskFailed(request));
    }

    @Override
    public void recordActivityTaskHeartbeat(RecordActivityTaskHeartbeatRequest request,
                                            StreamObserver<RecordActivityTaskHeartbeatResponse> o) {
        UnaryCalls.respond("RecordActivityTaskHeartbeat", o, () -> tasks.heartbeat(request));
    }

    @Override
    public void respondActivityTaskCompleted(RespondActivityTaskCompletedRequest request,
                                             StreamObserver<RespondActivityTaskCompletedResponse> o) {
        UnaryCalls.respond("RespondActivityTaskCompleted", o, () -> tasks.activityCompleted(request));
    }

    @Override
    public void respondActivityTaskFailed(RespondActivityTaskFailedRequest request,
                                          StreamObserver<RespondActivityTaskFailedResponse> o) {
        UnaryCalls.respond("RespondActivityTaskFailed", o, () -> tasks.activityFailed(request));
    }

    @Override
    public void respondActivityTaskCanceled(RespondActivityTaskCanceledRequest request,
                                            StreamObserver<RespondActivityTaskCanceledResponse> o) {
        UnaryCalls.respond("RespondActivityTaskCanceled", o, () -> tasks.activityCanceled(request));
    }

    @Override
    public void signalWorkflowExecution(SignalWorkflowExecutionRequest request, StreamObserver<SignalWorkflowExecutionResponse> o) {
        UnaryCalls.respond("SignalWorkflowExecution", o, () -> workflows.signal(request));
    }

    @Override
    public void signalWithStartWorkflowExecution(SignalWithStartWorkflowExecutionRequest request,
                                                 StreamObserver<SignalWithStartWorkflowExecutionResponse> o) {
        UnaryCalls.respond("SignalWithStartWorkflowExecution", o, () -> workflows.signalWithStart(request));
    }

    @Override
    public void terminateWorkflowExecution(TerminateWorkflowExecutionRequest request,
                                           StreamObserver<TerminateWorkflowExecutionResponse> o) {
        UnaryCalls.respond("TerminateWorkflowExecution", o, () -> workflows.terminate(request));
    }

    @Override
    public void deleteWorkflowExecution(DeleteWorkflowExecutionRequest request,
                                        StreamObserver<DeleteWorkflowExecutionResponse> o) {
        UnaryCalls.respond("DeleteWorkflowExecution", o, () -> workflows.delete(request));
    }

    @Override
    public void requestCancelWorkflowExecution(RequestCancelWorkflowExecutionRequest request,
                                               StreamObserver<RequestCancelWorkflowExecutionResponse> o) {
        UnaryCalls.respond("RequestCancelWorkflowExecution", o, () -> workflows.requestCancel(request));
    }

    @Override
    public void resetWorkflowExecution(io.temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest request,
                                       StreamObserver<io.temporal.api.workflowservice.v1.ResetWorkflowExecutionResponse> o) {
        UnaryCalls.respond("ResetWorkflowExecution", o, () -> workflows.reset(request));
    }

    @Override
    public void queryWorkflow(QueryWorkflowRequest request, StreamObserver<QueryWorkflowResponse> o) {
        UnaryCalls.respond("QueryWorkflow", o, () -> workflows.query(request));
    }

    @Override
    public void updateWorkflowExecution(UpdateWorkflowExecutionRequest request, StreamObserver<UpdateWorkflowExecutionResponse> o) {
        UnaryCalls.respond("UpdateWorkflowExecution", o, () -> workflows.update(request));
    }

    @Override
    public void pollWorkflowExecutionUpdate(PollWorkflowExecutionUpdateRequest request,
                                            StreamObserver<PollWorkflowExecutionUpdateResponse> o) {
        UnaryCalls.respond("PollWorkflowExecutionUpdate", o, () -> workflows.pollUpdate(request));
    }

    @Override
    public void executeMultiOperation(ExecuteMultiOperationRequest request, StreamObserver<ExecuteMultiOperationResponse> o) {
        UnaryCalls.respond("ExecuteMultiOperation", o, () -> workflows.executeMultiOperation(request));
    }

    @Override
    public void pauseActivity(PauseActivityRequest request, StreamObserver<PauseActivityResponse> o) {
        UnaryCalls.respond("PauseActivity", o, () -> workflows.activityOperations().pause(request));
    }

    @Override
    public void unpauseActivity(UnpauseActivityRequest request, StreamObserver<UnpauseActivityResponse> o) {
        UnaryCalls.respond("UnpauseActivity", o, () -> workflows.activityOperations().unpause(request));
    }

    @Override
    public void resetActivity(ResetActivityRequest request, StreamObserver<ResetActivityResponse> o) {
        UnaryCalls.respond("ResetActivity", o, () -> workflows.activityOperations().reset(request));
    }

    @Override
    public void updateActivityOptions(UpdateActivityOptionsRequest request, StreamObserver<UpdateActivityOptionsResponse> o) {
        UnaryCalls.respond("UpdateActivityOptions", o, () -> workflows.activityOperations().updateOptions(request));
    }

    @Override
    public void pollNexusTaskQueue(PollNexusTaskQueueRequest request, StreamObserver<PollNexusTaskQueueResponse> o) {
        tasks.nexus().poll(request, o);
    }

    @Override
    public void respondNexusTaskCompleted(RespondNexusTaskCompletedRequest request,
                                          StreamObserver<RespondNexusTaskCompletedResponse> o) {
        UnaryCalls.respond("RespondNexusTaskCompleted", o, () -> tasks.nexus().completed(request));
    }

    @Override
    public void respondNexusTaskFailed(RespondNexusTaskFailedRequest request,
                                       StreamObserver<RespondNexusTaskFailedResponse> o) {
        UnaryCalls.respond("RespondNexusTaskFailed", o, () -> tasks.nexus().failed(request));
    }

    private io.kairos.frontend.nexus.NexusOperationExecutionHandler nexusOperations;

    /** Standalone Nexus operations; without an endpoint registry and visibility they answer UNIMPLEMENTED. */
    public WorkflowServiceHandler nexusOperations(io.kairos.frontend.nexus.NexusOperationExecutionHandler h) {
        this.nexusOperations = h;
        return this;
    }

    @Override
    public void startNexusOperationExecution(StartNexusOperationExecutionRequest request,
                                             StreamObserver<StartNexusOperationExecutionResponse> o) {
        if (nexusOperations == null) {
            super.startNexusOperationExecution(request, o);
            return;
        }
        UnaryCalls.respond("StartNexusOperationExecution", o, () -> nexusOperations.start(request));
    }

    @Override
    public void describeNexusOperationExecution(DescribeNexusOperationExecutionRequest request,
                                                StreamObserver<DescribeNexusOperationExecutionResponse> o) {
        if (nexusOperations == null) {
            super.describeNexusOperationExecution(request, o);
            return;
        }
        UnaryCalls.respond("DescribeNexusOperationExecution", o, () -> nexusOperations.describe(request));
    }

    @Override
    public void pollNexusOperationExecution(PollNexusOperationExecutionRequest request,
                                            StreamObserver<PollNexusOperationExecutionResponse> o) {
        if (nexusOperations == null) {
            super.pollNexusOperationExecution(request, o);
            return;
        }
        UnaryCalls.respond("PollNexusOperationExecution", o, () -> nexusOperations.poll(request));
    }

    @Override
    public void listNexusOperationExecutions(ListNexusOperationExecutionsRequest request,
                                             StreamObserver<ListNexusOperationExecutionsResponse> o) {
        if (nexusOperations == null) {
            super.listNexusOperationExecutions(request, o);
            return;
        }
        UnaryCalls.respond("ListNexusOperationExecutions", o, () -> nexusOperations.list(request));
    }

    @Override
    public void countNexusOperationExecutions(CountNexusOperationExecutionsRequest request,
                                              StreamObserver<CountNexusOperationExecutionsResponse> o) {
        if (nexusOperations == null) {
            super.countNexusOperationExecutions(request, o);
            return;
        }
        UnaryCalls.respond("CountNexusOperationExecutions", o, () -> nexusOperations.count(request));
    }

    @Override
    public void requestCancelNexusOperationExecution(RequestCancelNexusOperationExecutionRequest request,
                                                     StreamObserver<RequestCancelNexusOperationExecutionResponse> o) {
        if (nexusOperations == null) {
            super.requestCancelNexusOperationExecution(request, o);
            return;
        }
        UnaryCalls.respond("RequestCancelNexusOperationExecution", o, () -> nexusOperations.requestCancel(request));
    }

    @Override
    public void terminateNexusOperationExecution(TerminateNexusOperationExecutionRequest request,
                                                 StreamObserver<TerminateNexusOperationExecutionResponse> o) {
        if (nexusOperations == null) {
            super.terminateNexusOperationExecution(request, o);
            return;
        }
        UnaryCalls.respond("TerminateNexusOperationExecution", o, () -> nexusOperations.terminate(request));
    }

    @Override
    public void deleteNexusOperationExecution(DeleteNexusOperationExecutionRequest request,
                                              StreamObserver<DeleteNexusOperationExecutionResponse> o) {
        if (nexusOperations == null) {
            super.deleteNexusOperationExecution(request, o);
            return;
        }
        UnaryCalls.respond("DeleteNexusOperationExecution", o, () -> nexusOperations.delete(request));
    }

    private io.kairos.frontend.activity.ActivityExecutionHandler activityExecutions;

    /** Standalone activities; without visibility they answer UNIMPLEMENTED. */
    public WorkflowServiceHandler activityExecutions(io.kairos.frontend.activity.ActivityExecutionHandler h) {
        this.activityExecutions = h;
        return this;
    }

    @Override
    public void startActivityExecution(StartActivityExecutionRequest request, StreamObserver<StartActivityExecutionResponse> o) {
        if (activityExecutions == null) {
            super.startActivityExecution(request, o);
            return;
        }
        UnaryCalls.respond("StartActivityExecution", o, () -> activityExecutions.start(request));
    }

    @Override
    public void describeActivityExecution(DescribeActivityExecutionRequest request, StreamObserver<DescribeActivityExecutionResponse> o) {
        if (activityExecutions == null) {
            super.describeActivityExecution(request, o);
            return;
        }
        UnaryCalls.respond("DescribeActivityExecution", o, () -> activityExecutions.describe(request));
    }

    @Override
    public void pollActivityExecution(PollActivityExecutionRequest request, StreamObserver<PollActivityExecutionResponse> o) {
        if (activityExecutions == null) {
            super.pollActivityExecution(request, o);
            return;
        }
        UnaryCalls.respond("PollActivityExecution", o, () -> activityExecutions.poll(request));
    }

    @Override
    public void requestCancelActivityExecution(RequestCancelActivityExecutionRequest request, StreamObserver<RequestCancelActivityExecutionResponse> o) {
        if (activityExecutions == null) {
            super.requestCancelActivityExecution(request, o);
            return;
        }
        UnaryCalls.respond("RequestCancelActivityExecution", o, () -> activityExecutions.requestCancel(request));
    }

    @Override
    public void terminateActivityExecution(TerminateActivityExecutionRequest request, StreamObserver<TerminateActivityExecutionResponse> o) {
        if (activityExecutions == null) {
            super.terminateActivityExecution(request, o);
            return;
        }
        UnaryCalls.respond("TerminateActivityExecution", o, () -> activityExecutions.terminate(request));
    }

    @Override
    public void deleteActivityExecution(DeleteActivityExecutionRequest request, StreamObserver<DeleteActivityExecutionResponse> o) {
        if (activityExecutions == null) {
            super.deleteActivityExecution(request, o);
            return;
        }
        UnaryCalls.respond("DeleteActivityExecution", o, () -> activityExecutions.delete(request));
    }

    @Override
    public void listActivityExecutions(ListActivityExecutionsRequest request, StreamObserver<ListActivityExecutionsResponse> o) {
        if (activityExecutions == null) {
            super.listActivityExecutions(request, o);
            return;
        }
        UnaryCalls.respond("ListActivityExecutions", o, () -> activityExecutions.list(request));
    }

    @Override
    public void countActivityExecutions(CountActivityExecutionsRequest request, StreamObserver<CountActivityExecutionsResponse> o) {
        if (activityExecutions == null) {
            super.countActivityExecutions(request, o);
            return;
        }
        UnaryCalls.respond("CountActivityExecutions", o, () -> activityExecutions.count(request));
    }

    @Override
    public void respondQueryTaskCompleted(RespondQueryTaskCompletedRequest request,
                                          StreamObserver<RespondQueryTaskCompletedResponse> o) {
        UnaryCalls.respond("RespondQueryTaskCompleted", o, () -> tasks.queryTaskCompleted(request));
    }

    @Override
    public void getWorkflowExecutionHistoryReverse(GetWorkflowExecutionHistoryReverseRequest request,
                                                   StreamObserver<GetWorkflowExecutionHistoryReverseResponse> o) {
        UnaryCalls.respond("GetWorkflowExecutionHistoryReverse", o, () -> workflows.historyReverse(request));
    }

    @Override
    public void respondActivityTaskCompletedById(RespondActivityTaskCompletedByIdRequest request,
                                                 StreamObserver<RespondActivityTaskCompletedByIdResponse> o) {
        UnaryCalls.respond("RespondActivityTaskCompletedById", o, () -> tasks.activityCompletedById(request));
    }

    @Override
    public void respondActivityTaskFailedById(RespondActivityTaskFailedByIdRequest request,
                                              StreamObserver<RespondActivityTaskFailedByIdResponse> o) {
        UnaryCalls.respond("RespondActivityTaskFailedById", o, () -> tasks.activityFailedById(request));
    }

    @Override
    public void respondActivityTaskCanceledById(RespondActivityTaskCanceledByIdRequest request,
                                                StreamObserver<RespondActivityTaskCanceledByIdResponse> o) {
        UnaryCalls.respond("RespondActivityTaskCanceledById", o, () -> tasks.activityCanceledById(request));
    }

    @Override
    public void recordActivityTaskHeartbeatById(RecordActivityTaskHeartbeatByIdRequest request,
                                                StreamObserver<RecordActivityTaskHeartbeatByIdResponse> o) {
        UnaryCalls.respond("RecordActivityTaskHeartbeatById", o, () -> tasks.heartbeatById(request));
    }

    @Override
    public void resetStickyTaskQueue(ResetStickyTaskQueueRequest request, StreamObserver<ResetStickyTaskQueueResponse> o) {
        UnaryCalls.respond("ResetStickyTaskQueue", o, () -> tasks.resetSticky(request));
    }

    @Override
    public void listTaskQueuePartitions(io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsRequest request,
            StreamObserver<io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsResponse> o) {
        UnaryCalls.respond("ListTaskQueuePartitions", o, () -> tasks.listTaskQueuePartitions(request));
    }

    @Override
    public void updateTaskQueueConfig(io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigRequest request,
            StreamObserver<io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigResponse> o) {
        UnaryCalls.respond("UpdateTaskQueueConfig", o, () -> tasks.updateTaskQueueConfig(request));
    }

    @Override
    public void shutdownWorker(ShutdownWorkerRequest request, StreamObserver<ShutdownWorkerResponse> o) {
        UnaryCalls.respond("ShutdownWorker", o, () -> tasks.shutdownWorker(request));
    }

    @Override
    public void listWorkflowExecutions(ListWorkflowExecutionsRequest request, StreamObserver<ListWorkflowExecutionsResponse> o) {
        if (visibility == null) {
            super.listWorkflowExecutions(request, o);
            return;
        }
        UnaryCalls.respond("ListWorkflowExecutions", o, () -> visibility.list(request));
    }

    @Override
    public void scanWorkflowExecutions(ScanWorkflowExecutionsRequest request, StreamObserver<ScanWorkflowExecutionsResponse> o) {
        if (visibility == null) {
            super.scanWorkflowExecutions(request, o);
            return;
        }
        UnaryCalls.respond("ScanWorkflowExecutions", o, () -> visibility.scan(request));
    }

    @Override
    public void countWorkflowExecutions(CountWorkflowExecutionsRequest request, StreamObserver<CountWorkflowExecutionsResponse> o) {
        if (visibility == null) {
            super.countWorkflowExecutions(request, o);
            return;
        }
        UnaryCalls.respond("CountWorkflowExecutions", o, () -> visibility.count(request));
    }

    @Override
    public void listOpenWorkflowExecutions(ListOpenWorkflowExecutionsRequest request,
                                           StreamObserver<ListOpenWorkflowExecutionsResponse> o) {
        if (visibility == null) {
            super.listOpenWorkflowExecutions(request, o);
            return;
        }
        UnaryCalls.respond("ListOpenWorkflowExecutions", o, () -> visibility.listOpen(request));
    }

    @Override
    public void listClosedWorkflowExecutions(ListClosedWorkflowExecutionsRequest request,
                                             StreamObserver<ListClosedWorkflowExecutionsResponse> o) {
        if (visibility == null) {
            super.listClosedWorkflowExecutions(request, o);
            return;
        }
        UnaryCalls.respond("ListClosedWorkflowExecutions", o, () -> visibility.listClosed(request));
    }

    @Override
    public void getSearchAttributes(GetSearchAttributesRequest request, StreamObserver<GetSearchAttributesResponse> o) {
        if (visibility == null) {
            super.getSearchAttributes(request, o);
            return;
        }
        UnaryCalls.respond("GetSearchAttributes", o, () -> visibility.getSearchAttributes(request));
    }

    @Override
    public void createSchedule(CreateScheduleRequest request, StreamObserver<CreateScheduleResponse> o) {
        if (schedules == null) {
            super.createSchedule(request, o);
            return;
        }
        UnaryCalls.respond("CreateSchedule", o, () -> schedules.create(request));
    }

    @Override
    public void describeSchedule(DescribeScheduleRequest request, StreamObserver<DescribeScheduleResponse> o) {
        if (schedules == null) {
            super.describeSchedule(request, o);
            return;
        }
        UnaryCalls.respond("DescribeSchedule", o, () -> schedules.describe(request));
    }

    @Override
    public void updateSchedule(UpdateScheduleRequest request, StreamObserver<UpdateScheduleResponse> o) {
        if (schedules == null) {
            super.updateSchedule(request, o);
            return;
        }
        UnaryCalls.respond("UpdateSchedule", o, () -> schedules.update(request));
    }

    @Override
    public void patchSchedule(PatchScheduleRequest request, StreamObserver<PatchScheduleResponse> o) {
        if (schedules == null) {
            super.patchSchedule(request, o);
            return;
        }
        UnaryCalls.respond("PatchSchedule", o, () -> schedules.patch(request));
    }

    @Override
    public void deleteSchedule(DeleteScheduleRequest request, StreamObserver<DeleteScheduleResponse> o) {
        if (schedules == null) {
            super.deleteSchedule(request, o);
            return;
        }
        UnaryCalls.respond("DeleteSchedule", o, () -> schedules.delete(request));
    }

    @Override
    public void listSchedules(ListSchedulesRequest request, StreamObserver<ListSchedulesResponse> o) {
        if (schedules == null) {
            super.listSchedules(request, o);
            return;
        }
        UnaryCalls.respond("ListSchedules", o, () -> schedules.list(request));
    }

    @Override
    public void countSchedules(CountSchedulesRequest request, StreamObserver<CountSchedulesResponse> o) {
        if (schedules == null) {
            super.countSchedules(request, o);
            return;
        }
        UnaryCalls.respond("CountSchedules", o, () -> schedules.count(request));
    }

    @Override
    public void listScheduleMatchingTimes(ListScheduleMatchingTimesRequest request, StreamObserver<ListScheduleMatchingTimesResponse> o) {
        if (schedules == null) {
            super.listScheduleMatchingTimes(request, o);
            return;
        }
        UnaryCalls.respond("ListScheduleMatchingTimes", o, () -> schedules.matchingTimes(request));
    }

    @Override
    public void startBatchOperation(StartBatchOperationRequest request, StreamObserver<StartBatchOperationResponse> o) {
        if (batches == null) {
            super.startBatchOperation(request, o);
            return;
        }
        UnaryCalls.respond("StartBatchOperation", o, () -> batches.start(request));
    }

    @Override
    public void stopBatchOperation(StopBatchOperationRequest request, StreamObserver<StopBatchOperationResponse> o) {
        if (batches == null) {
            super.stopBatchOperation(request, o);
            return;
        }
        UnaryCalls.respond("StopBatchOperation", o, () -> batches.stop(request));
    }

    @Override
    public void describeBatchOperation(DescribeBatchOperationRequest request, StreamObserver<DescribeBatchOperationResponse> o) {
        if (batches == null) {
            super.describeBatchOperation(request, o);
            return;
        }
        UnaryCalls.respond("DescribeBatchOperation", o, () -> batches.describe(request));
    }

    @Override
    public void listBatchOperations(ListBatchOperationsRequest request, StreamObserver<ListBatchOperationsResponse> o) {
        if (batches == null) {
            super.listBatchOperations(request, o);
            return;
        }
        UnaryCalls.respond("ListBatchOperations", o, () -> batches.list(request));
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
