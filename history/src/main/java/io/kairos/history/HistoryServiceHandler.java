package io.kairos.history;

import com.google.protobuf.util.Timestamps;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.kairos.common.grpc.UnaryCalls;
import io.kairos.common.ids.NamespaceId;
import io.kairos.history.engine.activities.Activities;
import io.kairos.history.engine.workflow.ExternalRequests;
import io.kairos.history.engine.HistoryReads;
import io.kairos.history.engine.queries.Queries;
import io.kairos.history.engine.children.RemoteWorkflows;
import io.kairos.history.engine.reset.ResetWorkflow;
import io.kairos.history.engine.workflow.StartWorkflow;
import io.kairos.history.engine.workflow.WorkflowTasks;
import io.kairos.history.shard.ShardController;
import io.kairos.proto.history.v1.DescribeHistoryHostRequest;
import io.kairos.proto.history.v1.DescribeHistoryHostResponse;
import io.kairos.proto.history.v1.DescribeWorkflowExecutionRequest;
import io.kairos.proto.history.v1.GetActivityTaskTokenRequest;
import io.kairos.proto.history.v1.GetActivityTaskTokenResponse;
import io.kairos.proto.history.v1.GetWorkflowExecutionHistoryRequest;
import io.kairos.proto.history.v1.GetWorkflowExecutionHistoryReverseRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryReverseResponse;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.kairos.proto.history.v1.RecordActivityTaskHeartbeatRequest;
import io.kairos.proto.history.v1.RecordActivityTaskStartedRequest;
import io.kairos.proto.history.v1.RecordWorkflowTaskStartedRequest;
import io.kairos.proto.history.v1.ResetStickyTaskQueueRequest;
import io.kairos.proto.history.v1.RespondActivityTaskCanceledRequest;
import io.temporal.api.workflowservice.v1.ResetStickyTaskQueueResponse;
import io.kairos.proto.history.v1.RespondActivityTaskCompletedRequest;
import io.kairos.proto.history.v1.RespondActivityTaskFailedRequest;
import io.kairos.proto.history.v1.RespondWorkflowTaskCompletedRequest;
import io.kairos.proto.history.v1.RespondWorkflowTaskFailedRequest;
import io.kairos.proto.history.v1.ShardStatus;
import io.kairos.proto.history.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RecordActivityTaskHeartbeatResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCanceledResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskFailedResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskFailedResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/** Internal HistoryService API: each RPC delegates to the engine class named after its Temporal concept. */
public final class HistoryServiceHandler extends HistoryServiceGrpc.HistoryServiceImplBase {
    private final ShardController shards;
    private final Instant startedAt;
    private final StartWorkflow start;
    private final WorkflowTasks workflowTasks;
    private final Activities activities;
    private final HistoryReads reads;
    private final ExternalRequests external;
    private final Queries queries;
    private final ResetWorkflow reset;

    public HistoryServiceHandler(ShardController shards, Instant startedAt, StartWorkflow start, WorkflowTasks workflowTasks,
                                 Activities activities, HistoryReads reads, ExternalRequests external, Queries queries,
                                 ResetWorkflow reset) {
        this.reset = reset;
        this.external = external;
        this.queries = queries;
        this.shards = shards;
        this.startedAt = startedAt;
        this.start = start;
        this.workflowTasks = workflowTasks;
        this.activities = activities;
        this.reads = reads;
    }

    @Override
    public void describeHistoryHost(DescribeHistoryHostRequest request, StreamObserver<DescribeHistoryHostResponse> observer) {
        if (!shards.ready()) {
            observer.onError(Status.UNAVAILABLE.withDescription("history host has not placed its shards yet").asRuntimeException());
            return;
        }
        var owned = shards.ownedShards();
        DescribeHistoryHostResponse.Builder b = DescribeHistoryHostResponse.newBuilder()
                .setHostIdentity(shards.address())
                .setHistoryShardCount(shards.shardCount())
                .setStartedTime(Timestamps.fromMillis(startedAt.toEpochMilli()));
        owned.entrySet().stream()
                .sorted(Comparator.comparingInt(e -> e.getKey().value()))
                .forEach(e -> b.addOwnedShards(ShardStatus.newBuilder().setShardId(e.getKey().value()).setRangeId(e.getValue())));
        observer.onNext(b.build());
        observer.onCompleted();
    }

    @Override
    public void startWorkflowExecution(StartWorkflowExecutionRequest r, StreamObserver<StartWorkflowExecutionResponse> o) {
        UnaryCalls.respond("StartWorkflowExecution", o, () -> start.start(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void recordWorkflowTaskStarted(RecordWorkflowTaskStartedRequest r, StreamObserver<PollWorkflowTaskQueueResponse> o) {
        UnaryCalls.respond("RecordWorkflowTaskStarted", o, () -> workflowTasks.recordStarted(r));
    }

    @Override
    public void recordActivityTaskStarted(RecordActivityTaskStartedRequest r, StreamObserver<PollActivityTaskQueueResponse> o) {
        UnaryCalls.respond("RecordActivityTaskStarted", o, () -> activities.recordStarted(r));
    }

    @Override
    public void respondWorkflowTaskCompleted(RespondWorkflowTaskCompletedRequest r,
                                             StreamObserver<RespondWorkflowTaskCompletedResponse> o) {
        UnaryCalls.respond("RespondWorkflowTaskCompleted", o, () -> workflowTasks.completed(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void respondWorkflowTaskFailed(RespondWorkflowTaskFailedRequest r, StreamObserver<RespondWorkflowTaskFailedResponse> o) {
        UnaryCalls.respond("RespondWorkflowTaskFailed", o, () -> workflowTasks.failed(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void recordActivityTaskHeartbeat(RecordActivityTaskHeartbeatRequest r,
                                            StreamObserver<RecordActivityTaskHeartbeatResponse> o) {
        UnaryCalls.respond("RecordActivityTaskHeartbeat", o, () -> activities.heartbeat(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void respondActivityTaskCompleted(RespondActivityTaskCompletedRequest r,
                                             StreamObserver<RespondActivityTaskCompletedResponse> o) {
        UnaryCalls.respond("RespondActivityTaskCompleted", o, () -> {
            activities.completed(ns(r.getNamespaceId()), r.getRequest());
            return RespondActivityTaskCompletedResponse.getDefaultInstance();
        });
    }

    @Override
    public void respondActivityTaskFailed(RespondActivityTaskFailedRequest r, StreamObserver<RespondActivityTaskFailedResponse> o) {
        UnaryCalls.respond("RespondActivityTaskFailed", o, () -> {
            activities.failed(ns(r.getNamespaceId()), r.getRequest());
            return RespondActivityTaskFailedResponse.getDefaultInstance();
        });
    }

    @Override
    public void respondActivityTaskCanceled(RespondActivityTaskCanceledRequest r,
                                            StreamObserver<RespondActivityTaskCanceledResponse> o) {
        UnaryCalls.respond("RespondActivityTaskCanceled", o, () -> {
            activities.canceled(ns(r.getNamespaceId()), r.getRequest());
            return RespondActivityTaskCanceledResponse.getDefaultInstance();
        });
    }

    @Override
    public void getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest r,
                                            StreamObserver<GetWorkflowExecutionHistoryResponse> o) {
        Deadline d = Context.current().getDeadline();
        Duration left = d == null ? Duration.ofSeconds(70) : Duration.ofMillis(d.timeRemaining(TimeUnit.MILLISECONDS));
        UnaryCalls.respond("GetWorkflowExecutionHistory", o, () -> reads.history(ns(r.getNamespaceId()), r.getRequest(), left));
    }

    @Override
    public void describeWorkflowExecution(DescribeWorkflowExecutionRequest r, StreamObserver<DescribeWorkflowExecutionResponse> o) {
        UnaryCalls.respond("DescribeWorkflowExecution", o, () -> reads.describe(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void resetStickyTaskQueue(ResetStickyTaskQueueRequest r, StreamObserver<ResetStickyTaskQueueResponse> o) {
        UnaryCalls.respond("ResetStickyTaskQueue", o, () -> {
            workflowTasks.resetSticky(ns(r.getNamespaceId()), r.getExecution());
            return ResetStickyTaskQueueResponse.getDefaultInstance();
        });
    }

    @Override
    public void getWorkflowExecutionHistoryReverse(GetWorkflowExecutionHistoryReverseRequest r,
                                                   StreamObserver<GetWorkflowExecutionHistoryReverseResponse> o) {
        UnaryCalls.respond("GetWorkflowExecutionHistoryReverse", o, () -> reads.reverse(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void getActivityTaskToken(GetActivityTaskTokenRequest r, StreamObserver<GetActivityTaskTokenResponse> o) {
        UnaryCalls.respond("GetActivityTaskToken", o, () -> {
            NamespaceId ns = ns(r.getNamespaceId());
            var key = reads.resolve(ns, r.getWorkflowId(), r.getRunId());
            return GetActivityTaskTokenResponse.newBuilder().setTaskToken(activities.tokenFor(key, r.getActivityId())).build();
        });
    }

    private io.kairos.history.engine.activities.ActivityOperations activityOperations;

    /** PauseActivity and the other activity operations (set once at wiring, before the service is bound). */
    void activityOperations(io.kairos.history.engine.activities.ActivityOperations operations) {
        this.activityOperations = operations;
    }

    @Override
    public void pauseActivity(io.kairos.proto.history.v1.PauseActivityRequest r,
                              StreamObserver<io.temporal.api.workflowservice.v1.PauseActivityResponse> o) {
        UnaryCalls.respond("PauseActivity", o, () -> activityOperations.pauseActivity(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void unpauseActivity(io.kairos.proto.history.v1.UnpauseActivityRequest r,
                                StreamObserver<io.temporal.api.workflowservice.v1.UnpauseActivityResponse> o) {
        UnaryCalls.respond("UnpauseActivity", o, () -> activityOperations.unpauseActivity(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void resetActivity(io.kairos.proto.history.v1.ResetActivityRequest r,
                              StreamObserver<io.temporal.api.workflowservice.v1.ResetActivityResponse> o) {
        UnaryCalls.respond("ResetActivity", o, () -> activityOperations.resetActivity(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void updateActivityOptions(io.kairos.proto.history.v1.UpdateActivityOptionsRequest r,
                                      StreamObserver<io.temporal.api.workflowservice.v1.UpdateActivityOptionsResponse> o) {
        UnaryCalls.respond("UpdateActivityOptions", o,
                () -> activityOperations.updateActivityOptions(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void signalWorkflowExecution(io.kairos.proto.history.v1.SignalWorkflowExecutionRequest r,
                                        StreamObserver<io.temporal.api.workflowservice.v1.SignalWorkflowExecutionResponse> o) {
        UnaryCalls.respond("SignalWorkflowExecution", o, () -> external.signal(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void signalWithStartWorkflowExecution(io.kairos.proto.history.v1.SignalWithStartWorkflowExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.SignalWithStartWorkflowExecutionResponse> o) {
        UnaryCalls.respond("SignalWithStartWorkflowExecution", o, () -> external.signalWithStart(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void terminateWorkflowExecution(io.kairos.proto.history.v1.TerminateWorkflowExecutionRequest r,
                                           StreamObserver<io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionResponse> o) {
        UnaryCalls.respond("TerminateWorkflowExecution", o, () -> {
            external.terminate(ns(r.getNamespaceId()), r.getRequest());
            return io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionResponse.getDefaultInstance();
        });
    }

    private volatile io.kairos.history.engine.workflow.WorkflowDeletion deletion;

    void deletion(io.kairos.history.engine.workflow.WorkflowDeletion d) {
        this.deletion = d;
    }

    @Override
    public void deleteWorkflowExecution(io.kairos.proto.history.v1.DeleteWorkflowExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.DeleteWorkflowExecutionResponse> o) {
        if (deletion == null) {
            super.deleteWorkflowExecution(r, o);
            return;
        }
        UnaryCalls.respond("DeleteWorkflowExecution", o, () -> {
            deletion.deleteWorkflowExecution(ns(r.getNamespaceId()), r.getRequest().getWorkflowExecution());
            return io.temporal.api.workflowservice.v1.DeleteWorkflowExecutionResponse.getDefaultInstance();
        });
    }

    @Override
    public void requestCancelWorkflowExecution(io.kairos.proto.history.v1.RequestCancelWorkflowExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.RequestCancelWorkflowExecutionResponse> o) {
        UnaryCalls.respond("RequestCancelWorkflowExecution", o, () -> {
            external.requestCancel(ns(r.getNamespaceId()), r.getRequest());
            return io.temporal.api.workflowservice.v1.RequestCancelWorkflowExecutionResponse.getDefaultInstance();
        });
    }

    @Override
    public void resetWorkflowExecution(io.kairos.proto.history.v1.ResetWorkflowExecutionRequest r,
                                       StreamObserver<io.temporal.api.workflowservice.v1.ResetWorkflowExecutionResponse> o) {
        UnaryCalls.respond("ResetWorkflowExecution", o, () -> reset.reset(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void queryWorkflow(io.kairos.proto.history.v1.QueryWorkflowRequest r,
                              StreamObserver<io.temporal.api.workflowservice.v1.QueryWorkflowResponse> o) {
        UnaryCalls.respond("QueryWorkflow", o, () -> queries.query(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void getQueryTaskPollResponse(io.kairos.proto.history.v1.GetQueryTaskPollResponseRequest r,
                                         StreamObserver<PollWorkflowTaskQueueResponse> o) {
        UnaryCalls.respond("GetQueryTaskPollResponse", o,
                () -> queries.queryTaskPollResponse(ns(r.getNamespaceId()), r.getExecution(), r.getPollTaskQueue()));
    }

    private io.kairos.history.engine.updates.Updates updates;
    private io.kairos.history.engine.updates.UpdateWithStart updateWithStart;

    /** Workflow updates (set once at wiring, before the service is bound). */
    void updates(io.kairos.history.engine.updates.Updates updates, io.kairos.history.engine.updates.UpdateWithStart updateWithStart) {
        this.updates = updates;
        this.updateWithStart = updateWithStart;
    }

    @Override
    public void updateWorkflowExecution(io.kairos.proto.history.v1.UpdateWorkflowExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionResponse> o) {
        UnaryCalls.respond("UpdateWorkflowExecution", o, () -> updates.update(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void pollWorkflowExecutionUpdate(io.kairos.proto.history.v1.PollWorkflowExecutionUpdateRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.PollWorkflowExecutionUpdateResponse> o) {
        UnaryCalls.respond("PollWorkflowExecutionUpdate", o, () -> updates.poll(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void executeMultiOperation(io.kairos.proto.history.v1.ExecuteMultiOperationRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.ExecuteMultiOperationResponse> o) {
        UnaryCalls.respond("ExecuteMultiOperation", o, () -> updateWithStart.execute(ns(r.getNamespaceId()), r.getRequest()));
    }

    private io.kairos.history.engine.children.ChildWorkflows children;
    private io.kairos.history.nexus.NexusOperations nexus;

    void nexus(io.kairos.history.nexus.NexusOperations nexus) {
        this.nexus = nexus;
    }

    @Override
    public void completeNexusOperation(io.kairos.proto.history.v1.CompleteNexusOperationRequest r,
            StreamObserver<io.kairos.proto.history.v1.CompleteNexusOperationResponse> o) {
        UnaryCalls.respond("CompleteNexusOperation", o, () -> {
            nexus.complete(r);
            return io.kairos.proto.history.v1.CompleteNexusOperationResponse.getDefaultInstance();
        });
    }

    private volatile io.kairos.history.standalone.StandaloneNexusOperations standaloneNexus;

    void standaloneNexus(io.kairos.history.standalone.StandaloneNexusOperations s) {
        this.standaloneNexus = s;
    }

    @Override
    public void startNexusOperationExecution(io.kairos.proto.history.v1.StartNexusOperationExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.StartNexusOperationExecutionResponse> o) {
        UnaryCalls.respond("StartNexusOperationExecution", o, () -> standaloneNexus.start(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void describeNexusOperationExecution(io.kairos.proto.history.v1.DescribeNexusOperationExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.DescribeNexusOperationExecutionResponse> o) {
        UnaryCalls.respond("DescribeNexusOperationExecution", o,
                () -> standaloneNexus.describe(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void pollNexusOperationExecution(io.kairos.proto.history.v1.PollNexusOperationExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.PollNexusOperationExecutionResponse> o) {
        UnaryCalls.respond("PollNexusOperationExecution", o, () -> standaloneNexus.poll(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void requestCancelNexusOperationExecution(io.kairos.proto.history.v1.RequestCancelNexusOperationExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.RequestCancelNexusOperationExecutionResponse> o) {
        UnaryCalls.respond("RequestCancelNexusOperationExecution", o, () -> {
            standaloneNexus.requestCancel(ns(r.getNamespaceId()), r.getRequest());
            return io.temporal.api.workflowservice.v1.RequestCancelNexusOperationExecutionResponse.getDefaultInstance();
        });
    }

    @Override
    public void terminateNexusOperationExecution(io.kairos.proto.history.v1.TerminateNexusOperationExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.TerminateNexusOperationExecutionResponse> o) {
        UnaryCalls.respond("TerminateNexusOperationExecution", o, () -> {
            standaloneNexus.terminate(ns(r.getNamespaceId()), r.getRequest());
            return io.temporal.api.workflowservice.v1.TerminateNexusOperationExecutionResponse.getDefaultInstance();
        });
    }

    @Override
    public void deleteNexusOperationExecution(io.kairos.proto.history.v1.DeleteNexusOperationExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.DeleteNexusOperationExecutionResponse> o) {
        UnaryCalls.respond("DeleteNexusOperationExecution", o, () -> {
            standaloneNexus.delete(ns(r.getNamespaceId()), r.getRequest());
            return io.temporal.api.workflowservice.v1.DeleteNexusOperationExecutionResponse.getDefaultInstance();
        });
    }

    private volatile io.kairos.history.standalone.StandaloneActivities standaloneActivities;

    void standaloneActivities(io.kairos.history.standalone.StandaloneActivities s) {
        this.standaloneActivities = s;
    }

    @Override
    public void startActivityExecution(io.kairos.proto.history.v1.StartActivityExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.StartActivityExecutionResponse> o) {
        UnaryCalls.respond("StartActivityExecution", o, () -> standaloneActivities.start(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void describeActivityExecution(io.kairos.proto.history.v1.DescribeActivityExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.DescribeActivityExecutionResponse> o) {
        UnaryCalls.respond("DescribeActivityExecution", o,
                () -> standaloneActivities.describe(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void pollActivityExecution(io.kairos.proto.history.v1.PollActivityExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.PollActivityExecutionResponse> o) {
        UnaryCalls.respond("PollActivityExecution", o, () -> standaloneActivities.poll(ns(r.getNamespaceId()), r.getRequest()));
    }

    @Override
    public void requestCancelActivityExecution(io.kairos.proto.history.v1.RequestCancelActivityExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.RequestCancelActivityExecutionResponse> o) {
        UnaryCalls.respond("RequestCancelActivityExecution", o, () -> {
            standaloneActivities.requestCancel(ns(r.getNamespaceId()), r.getRequest());
            return io.temporal.api.workflowservice.v1.RequestCancelActivityExecutionResponse.getDefaultInstance();
        });
    }

    @Override
    public void terminateActivityExecution(io.kairos.proto.history.v1.TerminateActivityExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.TerminateActivityExecutionResponse> o) {
        UnaryCalls.respond("TerminateActivityExecution", o, () -> {
            standaloneActivities.terminate(ns(r.getNamespaceId()), r.getRequest());
            return io.temporal.api.workflowservice.v1.TerminateActivityExecutionResponse.getDefaultInstance();
        });
    }

    @Override
    public void deleteActivityExecution(io.kairos.proto.history.v1.DeleteActivityExecutionRequest r,
            StreamObserver<io.temporal.api.workflowservice.v1.DeleteActivityExecutionResponse> o) {
        UnaryCalls.respond("DeleteActivityExecution", o, () -> {
            standaloneActivities.delete(ns(r.getNamespaceId()), r.getRequest());
            return io.temporal.api.workflowservice.v1.DeleteActivityExecutionResponse.getDefaultInstance();
        });
    }

    /** Cross-shard calls of child workflows (set once at wiring, before the service is bound). */
    void children(io.kairos.history.engine.children.ChildWorkflows children) {
        this.children = children;
    }

    @Override
    public void startChildWorkflowExecution(io.kairos.proto.history.v1.StartChildWorkflowExecutionRequest r,
            StreamObserver<io.kairos.proto.history.v1.StartChildWorkflowExecutionResponse> o) {
        UnaryCalls.respond("StartChildWorkflowExecution", o, () -> io.kairos.proto.history.v1.StartChildWorkflowExecutionResponse
                .newBuilder().setRunId(children.startChildHere(ns(r.getNamespaceId()), r.getRequest(), r.getParentNamespace(),
                        key(r.getParentNamespaceId(), r.getParentExecution()), r.getParentInitiatedEventId(),
                        r.getRootExecution())).build());
    }

    @Override
    public void recordChildExecutionCompleted(io.kairos.proto.history.v1.RecordChildExecutionCompletedRequest r,
            StreamObserver<io.kairos.proto.history.v1.RecordChildExecutionCompletedResponse> o) {
        UnaryCalls.respond("RecordChildExecutionCompleted", o, () -> {
            children.recordClosedHere(key(r.getParentNamespaceId(), r.getParentExecution()), r.getParentInitiatedEventId(),
                    key(r.getParentNamespaceId(), r.getChildExecution()), r.getChildFirstExecutionRunId(), r.getCloseEvent());
            return io.kairos.proto.history.v1.RecordChildExecutionCompletedResponse.getDefaultInstance();
        });
    }

    @Override
    public void signalExternalWorkflowExecution(io.kairos.proto.history.v1.SignalExternalWorkflowExecutionRequest r,
            StreamObserver<io.kairos.proto.history.v1.ExternalWorkflowResponse> o) {
        UnaryCalls.respond("SignalExternalWorkflowExecution", o, () -> {
            external.signal(RemoteWorkflows.target(r.getTarget()), r.getSignalName(), r.getInput(), r.getHeader(),
                    r.getRequestId(), r.getIdentity());
            return io.kairos.proto.history.v1.ExternalWorkflowResponse.getDefaultInstance();
        });
    }

    @Override
    public void requestCancelExternalWorkflowExecution(io.kairos.proto.history.v1.RequestCancelExternalWorkflowExecutionRequest r,
            StreamObserver<io.kairos.proto.history.v1.ExternalWorkflowResponse> o) {
        UnaryCalls.respond("RequestCancelExternalWorkflowExecution", o, () -> {
            external.requestCancel(RemoteWorkflows.target(r.getTarget()), r.getReason(), r.getRequestId(),
                    r.getExternalInitiatedEventId(), r.getIdentity());
            return io.kairos.proto.history.v1.ExternalWorkflowResponse.getDefaultInstance();
        });
    }

    @Override
    public void terminateExternalWorkflowExecution(io.kairos.proto.history.v1.TerminateExternalWorkflowExecutionRequest r,
            StreamObserver<io.kairos.proto.history.v1.ExternalWorkflowResponse> o) {
        UnaryCalls.respond("TerminateExternalWorkflowExecution", o, () -> {
            external.terminate(RemoteWorkflows.target(r.getTarget()), r.getReason(), r.getIdentity());
            return io.kairos.proto.history.v1.ExternalWorkflowResponse.getDefaultInstance();
        });
    }

    /** The run a cross-shard call names (a child is keyed by the parent namespace: only its ids are read). */
    private static io.kairos.common.ids.WorkflowKey key(String namespaceId, io.temporal.api.common.v1.WorkflowExecution e) {
        return new io.kairos.common.ids.WorkflowKey(ns(namespaceId), e.getWorkflowId(), java.util.UUID.fromString(e.getRunId()));
    }

    private static NamespaceId ns(String id) {
        return NamespaceId.parse(id);
    }
}
