package io.kairos.frontend.workflow;

import io.kairos.common.validation.RequestValidation;

import io.grpc.stub.StreamObserver;
import io.kairos.common.grpc.ErrorMapper;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import java.util.List;
import io.temporal.api.enums.v1.TaskQueueType;
import io.kairos.common.ids.TaskToken;
import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;
import io.temporal.api.workflowservice.v1.*;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RecordActivityTaskHeartbeatRequest;
import io.temporal.api.workflowservice.v1.RecordActivityTaskHeartbeatResponse;
import io.temporal.api.workflowservice.v1.ResetStickyTaskQueueRequest;
import io.temporal.api.workflowservice.v1.ResetStickyTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCanceledRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCanceledResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskFailedRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskFailedResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskFailedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskFailedResponse;

import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * The worker-facing RPCs. Polls go to matching asynchronously, so a waiting poll holds no thread in the
 * frontend either; task completions go to history.
 */
public final class TaskHandler {
    private final NamespaceResolver namespaces;
    private final HistoryServiceGrpc.HistoryServiceBlockingStub history;
    private final MatchingServiceGrpc.MatchingServiceStub matchingAsync;
    private final MatchingServiceGrpc.MatchingServiceBlockingStub matching;
    private final TaskQueueOwners owners;
    private TaskReachability reachability = new TaskReachability(null);
    private final NexusTaskHandler nexus;

    public TaskHandler(NamespaceResolver namespaces, HistoryServiceGrpc.HistoryServiceBlockingStub history,
                       MatchingServiceGrpc.MatchingServiceStub matchingAsync,
                       MatchingServiceGrpc.MatchingServiceBlockingStub matching, TaskQueueOwners owners) {
        this.owners = owners;
        this.namespaces = namespaces;
        this.history = history;
        this.matchingAsync = matchingAsync;
        this.matching = matching;
        this.nexus = new NexusTaskHandler(namespaces, matchingAsync, matching);
    }

    /** PollNexusTaskQueue, RespondNexusTaskCompleted, RespondNexusTaskFailed. */
    public NexusTaskHandler nexus() {
        return nexus;
    }

    /** Lets ENHANCED DescribeTaskQueue ask visibility for task reachability (CountWorkflowExecutions). */
    public void reachabilityCount(java.util.function.ToLongFunction<CountWorkflowExecutionsRequest> count) {
        this.reachability = new TaskReachability(count);
    }

    public void pollWorkflowTaskQueue(PollWorkflowTaskQueueRequest req, StreamObserver<PollWorkflowTaskQueueResponse> out) {
        NamespaceId ns;
        try {
            RequestValidation.requireIdentityWithinLimit(req.getIdentity());
            RequestValidation.requireTaskQueue(req.getTaskQueue());
            ns = namespaces.forExistingWork(req.getNamespace());
        } catch (RuntimeException e) {
            out.onError(ErrorMapper.toStatus("PollWorkflowTaskQueue", e));
            return;
        }
        matchingAsync.pollWorkflowTaskQueue(io.kairos.proto.matching.v1.PollWorkflowTaskQueueRequest.newBuilder()
                .setNamespaceId(ns.toString()).setPollerId(UUID.randomUUID().toString()).setPollRequest(req).build(),
                forward("PollWorkflowTaskQueue", out, UnaryOperator.identity()));
    }

    public void pollActivityTaskQueue(PollActivityTaskQueueRequest req, StreamObserver<PollActivityTaskQueueResponse> out) {
        NamespaceId ns;
        try {
            RequestValidation.requireIdentityWithinLimit(req.getIdentity());
            RequestValidation.requireTaskQueue(req.getTaskQueue());
            ns = namespaces.forExistingWork(req.getNamespace());
        } catch (RuntimeException e) {
            out.onError(ErrorMapper.toStatus("PollActivityTaskQueue", e));
            return;
        }
        matchingAsync.pollActivityTaskQueue(io.kairos.proto.matching.v1.PollActivityTaskQueueRequest.newBuilder()
                .setNamespaceId(ns.toString()).setPollerId(UUID.randomUUID().toString()).setPollRequest(req).build(),
                forward("PollActivityTaskQueue", out, r -> r.getTaskToken().isEmpty() ? r
                        : r.toBuilder().setWorkflowNamespace(req.getNamespace()).build()));
    }

    /** ShutdownWorker: a worker going away says so; its sticky queue stops taking tasks at once. */
    public io.temporal.api.workflowservice.v1.ShutdownWorkerResponse shutdownWorker(
            io.temporal.api.workflowservice.v1.ShutdownWorkerRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        if (!req.getStickyTaskQueue().isEmpty()) {
            matching.shutdownStickyQueue(io.kairos.proto.matching.v1.ShutdownStickyQueueRequest.newBuilder()
                    .setNamespaceId(ns.toString()).setStickyTaskQueue(req.getStickyTaskQueue()).build());
        }
        return io.temporal.api.workflowservice.v1.ShutdownWorkerResponse.getDefaultInstance();
    }

    public DescribeTaskQueueResponse describeTaskQueue(DescribeTaskQueueRequest req) {
        RequestValidation.requireTaskQueue(req.getTaskQueue());
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        if (req.getReportTaskReachability() && req.getVersions().getBuildIdsCount() > TaskReachability.BUILD_ID_LIMIT) {
            throw new InvalidArgumentException("Too many build ids queried at once with ReportTaskReachability==true, "
                    + "limit: " + TaskReachability.BUILD_ID_LIMIT);
        }
        if (req.getApiMode() == io.temporal.api.enums.v1.DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED) {
            return describeEnhanced(ns, req);
        }
        return matching.describeTaskQueue(io.kairos.proto.matching.v1.DescribeTaskQueueRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    /**
     * UpdateTaskQueueConfig: validated here as Temporal's frontend does, then stored and applied by the matching host
     * owning the queue of that task type.
     */
    public io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigResponse updateTaskQueueConfig(
            io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        TaskQueueConfigValidation.validate(req);
        return matching.updateTaskQueueConfig(io.kairos.proto.matching.v1.UpdateTaskQueueConfigRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    /**
     * ENHANCED mode (what {@code temporal task-queue describe} sends): one describe per task type, each answered by
     * the matching host owning that half of the queue, merged under the unversioned key "" (Kairos has no worker
     * versioning, so a requested build id gets the types with no pollers and an empty backlog), with
     * {@code report_task_reachability} from {@link TaskReachability}.
     */
    private DescribeTaskQueueResponse describeEnhanced(NamespaceId ns, DescribeTaskQueueRequest req) {
        List<TaskQueueType> types = req.getTaskQueueTypesCount() > 0 ? req.getTaskQueueTypesList()
                : List.of(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
                        TaskQueueType.TASK_QUEUE_TYPE_NEXUS);
        var unversioned = io.temporal.api.taskqueue.v1.TaskQueueVersionInfo.newBuilder();
        var noVersion = io.temporal.api.taskqueue.v1.TaskQueueVersionInfo.newBuilder();
        for (TaskQueueType type : types) {
            if (type == TaskQueueType.TASK_QUEUE_TYPE_UNSPECIFIED || type == TaskQueueType.UNRECOGNIZED) {
                throw new io.kairos.common.errors.InvalidArgumentException("Invalid task queue type: " + type);
            }
            DescribeTaskQueueResponse one = matching.describeTaskQueue(io.kairos.proto.matching.v1.DescribeTaskQueueRequest
                    .newBuilder().setNamespaceId(ns.toString()).setRequest(DescribeTaskQueueRequest.newBuilder()
                            .setNamespace(req.getNamespace()).setTaskQueue(req.getTaskQueue()).setTaskQueueType(type)
                            .setReportStats(req.getReportStats())).build());
            var info = io.temporal.api.taskqueue.v1.TaskQueueTypeInfo.newBuilder();
            var empty = io.temporal.api.taskqueue.v1.TaskQueueTypeInfo.newBuilder();
            if (req.getReportPollers()) {
                info.addAllPollers(one.getPollersList());
            }
            if (req.getReportStats()) {
                info.setStats(one.getStats());
                empty.setStats(io.temporal.api.taskqueue.v1.TaskQueueStats.newBuilder()
                        .setApproximateBacklogAge(com.google.protobuf.Duration.getDefaultInstance()));
            }
            unversioned.putTypesInfo(type.getNumber(), info.build());
            noVersion.putTypesInfo(type.getNumber(), empty.build());
        }
        DescribeTaskQueueResponse.Builder out = DescribeTaskQueueResponse.newBuilder();
        if (!req.hasVersions() || req.getVersions().getUnversioned()) {
            if (req.getReportTaskReachability()) {
                unversioned.setTaskReachability(reachability.of(req.getNamespace(), req.getTaskQueue().getName(), ""));
            }
            out.putVersionsInfo("", unversioned.build());
        }
        for (String buildId : req.getVersions().getBuildIdsList()) {
            var info = noVersion.clone();
            if (req.getReportTaskReachability()) {
                info.setTaskReachability(reachability.of(req.getNamespace(), req.getTaskQueue().getName(), buildId));
            }
            out.putVersionsInfo(buildId, info.build());
        }
        return out.build();
    }

    /**
     * ListTaskQueuePartitions: Kairos serves each task queue as one partition (its root, keyed by the queue's name),
     * owned by one matching host per task type.
     */
    public io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsResponse listTaskQueuePartitions(
            io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsRequest req) {
        RequestValidation.requireTaskQueue(req.getTaskQueue());
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        String name = req.getTaskQueue().getName();
        return io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsResponse.newBuilder()
                .addWorkflowTaskQueuePartitions(io.temporal.api.taskqueue.v1.TaskQueuePartitionMetadata.newBuilder()
                        .setKey(name).setOwnerHostName(owners.ownerOf(ns, name, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)))
                .addActivityTaskQueuePartitions(io.temporal.api.taskqueue.v1.TaskQueuePartitionMetadata.newBuilder()
                        .setKey(name).setOwnerHostName(owners.ownerOf(ns, name, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)))
                .build();
    }

    public RespondWorkflowTaskCompletedResponse workflowTaskCompleted(RespondWorkflowTaskCompletedRequest req) {
        return history.respondWorkflowTaskCompleted(io.kairos.proto.history.v1.RespondWorkflowTaskCompletedRequest.newBuilder()
                .setNamespaceId(namespaces.forExistingWork(req.getNamespace()).toString()).setRequest(req).build());
    }

    public RespondWorkflowTaskFailedResponse workflowTaskFailed(RespondWorkflowTaskFailedRequest req) {
        return history.respondWorkflowTaskFailed(io.kairos.proto.history.v1.RespondWorkflowTaskFailedRequest.newBuilder()
                .setNamespaceId(namespaces.forExistingWork(req.getNamespace()).toString()).setRequest(req).build());
    }

    public RecordActivityTaskHeartbeatResponse heartbeat(RecordActivityTaskHeartbeatRequest req) {
        return history.recordActivityTaskHeartbeat(io.kairos.proto.history.v1.RecordActivityTaskHeartbeatRequest.newBuilder()
                .setNamespaceId(namespaces.forExistingWork(req.getNamespace()).toString()).setRequest(req).build());
    }

    /**
     * A result over the blob size limit is recorded as a non-retryable activity failure, as Temporal does,
     * so the workflow sees why instead of the worker retrying forever.
     */
    public RespondActivityTaskCompletedResponse activityCompleted(RespondActivityTaskCompletedRequest req) {
        if (req.getResult().getSerializedSize() > RequestValidation.BLOB_SIZE_LIMIT) {
            activityFailed(RespondActivityTaskFailedRequest.newBuilder().setNamespace(req.getNamespace())
                    .setTaskToken(req.getTaskToken()).setIdentity(req.getIdentity())
                    .setFailure(io.temporal.api.failure.v1.Failure.newBuilder().setMessage("Complete result exceeds size limit.")
                            .setSource("Server").setServerFailureInfo(
                                    io.temporal.api.failure.v1.ServerFailureInfo.newBuilder().setNonRetryable(true)))
                    .build());
            return RespondActivityTaskCompletedResponse.getDefaultInstance();
        }
        return history.respondActivityTaskCompleted(io.kairos.proto.history.v1.RespondActivityTaskCompletedRequest.newBuilder()
                .setNamespaceId(namespaces.forExistingWork(req.getNamespace()).toString()).setRequest(req).build());
    }

    public RespondActivityTaskFailedResponse activityFailed(RespondActivityTaskFailedRequest req) {
        return history.respondActivityTaskFailed(io.kairos.proto.history.v1.RespondActivityTaskFailedRequest.newBuilder()
                .setNamespaceId(namespaces.forExistingWork(req.getNamespace()).toString()).setRequest(req).build());
    }

    public RespondActivityTaskCanceledResponse activityCanceled(RespondActivityTaskCanceledRequest req) {
        return history.respondActivityTaskCanceled(io.kairos.proto.history.v1.RespondActivityTaskCanceledRequest.newBuilder()
                .setNamespaceId(namespaces.forExistingWork(req.getNamespace()).toString()).setRequest(req).build());
    }

    /** The *ById RPCs act on the activity's current running attempt, found by its id. */
    private com.google.protobuf.ByteString tokenById(String namespace, String workflowId, String runId, String activityId) {
        if (workflowId.isEmpty() && !activityId.isEmpty()) {
            // No workflow: a standalone activity, by its activity id (and run id), as Temporal routes it.
            workflowId = io.kairos.common.ids.StandaloneIds.activity(activityId);
        }
        RequestValidation.requireId(workflowId, "WorkflowId");
        RequestValidation.requireId(activityId, "ActivityId");
        return history.getActivityTaskToken(io.kairos.proto.history.v1.GetActivityTaskTokenRequest.newBuilder()
                .setNamespaceId(namespaces.forExistingWork(namespace).toString()).setWorkflowId(workflowId)
                .setRunId(runId).setActivityId(activityId).build()).getTaskToken();
    }

    public RespondActivityTaskCompletedByIdResponse activityCompletedById(RespondActivityTaskCompletedByIdRequest r) {
        activityCompleted(RespondActivityTaskCompletedRequest.newBuilder().setNamespace(r.getNamespace())
                .setTaskToken(tokenById(r.getNamespace(), r.getWorkflowId(), r.getRunId(), r.getActivityId()))
                .setResult(r.getResult()).setIdentity(r.getIdentity()).build());
        return RespondActivityTaskCompletedByIdResponse.getDefaultInstance();
    }

    public RespondActivityTaskFailedByIdResponse activityFailedById(RespondActivityTaskFailedByIdRequest r) {
        activityFailed(RespondActivityTaskFailedRequest.newBuilder().setNamespace(r.getNamespace())
                .setTaskToken(tokenById(r.getNamespace(), r.getWorkflowId(), r.getRunId(), r.getActivityId()))
                .setFailure(r.getFailure()).setIdentity(r.getIdentity()).setLastHeartbeatDetails(r.getLastHeartbeatDetails())
                .build());
        return RespondActivityTaskFailedByIdResponse.getDefaultInstance();
    }

    public RespondActivityTaskCanceledByIdResponse activityCanceledById(RespondActivityTaskCanceledByIdRequest r) {
        activityCanceled(RespondActivityTaskCanceledRequest.newBuilder().setNamespace(r.getNamespace())
                .setTaskToken(tokenById(r.getNamespace(), r.getWorkflowId(), r.getRunId(), r.getActivityId()))
                .setDetails(r.getDetails()).setIdentity(r.getIdentity()).build());
        return RespondActivityTaskCanceledByIdResponse.getDefaultInstance();
    }

    public RecordActivityTaskHeartbeatByIdResponse heartbeatById(RecordActivityTaskHeartbeatByIdRequest r) {
        RecordActivityTaskHeartbeatResponse resp = heartbeat(RecordActivityTaskHeartbeatRequest.newBuilder()
                .setNamespace(r.getNamespace())
                .setTaskToken(tokenById(r.getNamespace(), r.getWorkflowId(), r.getRunId(), r.getActivityId()))
                .setDetails(r.getDetails()).setIdentity(r.getIdentity()).build());
        return RecordActivityTaskHeartbeatByIdResponse.newBuilder().setCancelRequested(resp.getCancelRequested())
                .setActivityPaused(resp.getActivityPaused()).setActivityReset(resp.getActivityReset()).build();
    }

    /**
     * A worker's answer to a legacy query task, delivered to the matching task its token names. An answer over the
     * blob size limit becomes a failed query, as in Temporal.
     */
    public RespondQueryTaskCompletedResponse queryTaskCompleted(RespondQueryTaskCompletedRequest req) {
        TaskToken token;
        try {
            token = TaskToken.parse(req.getTaskToken());
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("Error deserializing task token. Error: " + e.getMessage());
        }
        if (!token.isQuery() || token.data().getQueryTaskQueue().isEmpty()) {
            throw new InvalidArgumentException("Invalid TaskToken.");
        }
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        if (!token.data().getNamespaceId().equals(ns.toString())) {
            throw new InvalidArgumentException("Operation requested with a token from a different namespace.");
        }
        RespondQueryTaskCompletedRequest answer = req;
        if (req.getQueryResult().getSerializedSize() > RequestValidation.BLOB_SIZE_LIMIT) {
            answer = req.toBuilder().clearQueryResult()
                    .setCompletedType(io.temporal.api.enums.v1.QueryResultType.QUERY_RESULT_TYPE_FAILED)
                    .setErrorMessage("Blob data size exceeds limit.").build();
        }
        matching.respondQueryTaskCompleted(io.kairos.proto.matching.v1.RespondQueryTaskCompletedRequest.newBuilder()
                .setNamespaceId(ns.toString()).setTaskQueue(token.data().getQueryTaskQueue())
                .setQueryTaskId(token.data().getQueryTaskId()).setRequest(answer).build());
        return RespondQueryTaskCompletedResponse.getDefaultInstance();
    }

    public ResetStickyTaskQueueResponse resetSticky(ResetStickyTaskQueueRequest req) {
        RequestValidation.requireId(req.getExecution().getWorkflowId(), "WorkflowId");
        return history.resetStickyTaskQueue(io.kairos.proto.history.v1.ResetStickyTaskQueueRequest.newBuilder()
                .setNamespaceId(namespaces.forExistingWork(req.getNamespace()).toString())
                .setExecution(req.getExecution()).build());
    }

    static <T> StreamObserver<T> forward(String method, StreamObserver<T> out, UnaryOperator<T> transform) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                out.onNext(transform.apply(value));
            }

            @Override
            public void onError(Throwable t) {
                out.onError(ErrorMapper.toStatus(method, t));
            }

            @Override
            public void onCompleted() {
                out.onCompleted();
            }
        };
    }
}
