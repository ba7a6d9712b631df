package io.kairos.membership.routing;

import com.google.protobuf.ByteString;
import io.kairos.common.config.ServiceRole;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardMapper;
import io.kairos.common.ids.TaskToken;
import io.kairos.membership.MembershipView;
import io.kairos.membership.ShardOwnership;
import io.kairos.proto.history.v1.*;

import java.util.List;
import java.util.function.Supplier;

/**
 * Where each internal history call goes: the owner of the shard of the workflow it names (by namespace id and
 * workflow id, or by the task token's), found by {@link ShardOwnership}. A request naming no workflow (a host
 * description) or one whose ids do not parse goes to any live history host, which answers it or rejects it.
 */
public final class HistoryRoutes implements RoutingChannel.Router {
    private final Supplier<MembershipView> views;
    private final ShardOwnership shards;

    public HistoryRoutes(Supplier<MembershipView> views, ShardOwnership shards) {
        this.views = views;
        this.shards = shards;
    }

    @Override
    public String route(Object request) {
        Key k = key(request);
        if (k != null) {
            try {
                return shards.ownerOf(ShardMapper.shardFor(NamespaceId.parse(k.namespaceId), k.workflowId,
                        shards.shardCount()));
            } catch (IllegalArgumentException invalid) {
                // fall through: any host answers the request's INVALID_ARGUMENT
            }
        }
        List<String> hosts = views.get().addresses(ServiceRole.HISTORY);
        return hosts.isEmpty() ? null : hosts.get(0);
    }

    private record Key(String namespaceId, String workflowId) {
    }

    /** The workflow a request is about, or null. */
    static Key key(Object request) {
        return switch (request) {
            case StartWorkflowExecutionRequest r -> new Key(r.getNamespaceId(), r.getRequest().getWorkflowId());
            case RecordWorkflowTaskStartedRequest r -> new Key(r.getNamespaceId(), r.getExecution().getWorkflowId());
            case RecordActivityTaskStartedRequest r -> new Key(r.getNamespaceId(), r.getExecution().getWorkflowId());
            case RespondWorkflowTaskCompletedRequest r -> token(r.getRequest().getTaskToken());
            case RespondWorkflowTaskFailedRequest r -> token(r.getRequest().getTaskToken());
            case RecordActivityTaskHeartbeatRequest r -> token(r.getRequest().getTaskToken());
            case RespondActivityTaskCompletedRequest r -> token(r.getRequest().getTaskToken());
            case RespondActivityTaskFailedRequest r -> token(r.getRequest().getTaskToken());
            case RespondActivityTaskCanceledRequest r -> token(r.getRequest().getTaskToken());
            case GetWorkflowExecutionHistoryRequest r -> new Key(r.getNamespaceId(), r.getRequest().getExecution().getWorkflowId());
            case GetWorkflowExecutionHistoryReverseRequest r ->
                    new Key(r.getNamespaceId(), r.getRequest().getExecution().getWorkflowId());
            case DescribeWorkflowExecutionRequest r -> new Key(r.getNamespaceId(), r.getRequest().getExecution().getWorkflowId());
            case ResetStickyTaskQueueRequest r -> new Key(r.getNamespaceId(), r.getExecution().getWorkflowId());
            case GetActivityTaskTokenRequest r -> new Key(r.getNamespaceId(), r.getWorkflowId());
            case SignalWorkflowExecutionRequest r -> new Key(r.getNamespaceId(), r.getRequest().getWorkflowExecution().getWorkflowId());
            case SignalWithStartWorkflowExecutionRequest r -> new Key(r.getNamespaceId(), r.getRequest().getWorkflowId());
            case TerminateWorkflowExecutionRequest r ->
                    new Key(r.getNamespaceId(), r.getRequest().getWorkflowExecution().getWorkflowId());
            case DeleteWorkflowExecutionRequest r ->
                    new Key(r.getNamespaceId(), r.getRequest().getWorkflowExecution().getWorkflowId());
            case RequestCancelWorkflowExecutionRequest r ->
                    new Key(r.getNamespaceId(), r.getRequest().getWorkflowExecution().getWorkflowId());
            case ResetWorkflowExecutionRequest r ->
                    new Key(r.getNamespaceId(), r.getRequest().getWorkflowExecution().getWorkflowId());
            case QueryWorkflowRequest r -> new Key(r.getNamespaceId(), r.getRequest().getExecution().getWorkflowId());
            case PauseActivityRequest r -> new Key(r.getNamespaceId(), r.getRequest().getExecution().getWorkflowId());
            case UnpauseActivityRequest r -> new Key(r.getNamespaceId(), r.getRequest().getExecution().getWorkflowId());
            case ResetActivityRequest r -> new Key(r.getNamespaceId(), r.getRequest().getExecution().getWorkflowId());
            case UpdateActivityOptionsRequest r -> new Key(r.getNamespaceId(), r.getRequest().getExecution().getWorkflowId());
            case GetQueryTaskPollResponseRequest r -> new Key(r.getNamespaceId(), r.getExecution().getWorkflowId());
            case UpdateWorkflowExecutionRequest r ->
                    new Key(r.getNamespaceId(), r.getRequest().getWorkflowExecution().getWorkflowId());
            case PollWorkflowExecutionUpdateRequest r ->
                    new Key(r.getNamespaceId(), r.getRequest().getUpdateRef().getWorkflowExecution().getWorkflowId());
            case ExecuteMultiOperationRequest r -> r.getRequest().getOperationsCount() == 0 ? null
                    : new Key(r.getNamespaceId(), r.getRequest().getOperations(0).getStartWorkflow().getWorkflowId());
            case StartChildWorkflowExecutionRequest r -> new Key(r.getNamespaceId(), r.getRequest().getWorkflowId());
            case RecordChildExecutionCompletedRequest r ->
                    new Key(r.getParentNamespaceId(), r.getParentExecution().getWorkflowId());
            case CompleteNexusOperationRequest r -> new Key(r.getToken().getNamespaceId(), r.getToken().getWorkflowId());
            case StartNexusOperationExecutionRequest r -> nexus(r.getNamespaceId(), r.getRequest().getOperationId());
            case DescribeNexusOperationExecutionRequest r -> nexus(r.getNamespaceId(), r.getRequest().getOperationId());
            case PollNexusOperationExecutionRequest r -> nexus(r.getNamespaceId(), r.getRequest().getOperationId());
            case RequestCancelNexusOperationExecutionRequest r -> nexus(r.getNamespaceId(), r.getRequest().getOperationId());
            case TerminateNexusOperationExecutionRequest r -> nexus(r.getNamespaceId(), r.getRequest().getOperationId());
            case DeleteNexusOperationExecutionRequest r -> nexus(r.getNamespaceId(), r.getRequest().getOperationId());
            case StartActivityExecutionRequest r -> activity(r.getNamespaceId(), r.getRequest().getActivityId());
            case DescribeActivityExecutionRequest r -> activity(r.getNamespaceId(), r.getRequest().getActivityId());
            case PollActivityExecutionRequest r -> activity(r.getNamespaceId(), r.getRequest().getActivityId());
            case RequestCancelActivityExecutionRequest r -> activity(r.getNamespaceId(), r.getRequest().getActivityId());
            case TerminateActivityExecutionRequest r -> activity(r.getNamespaceId(), r.getRequest().getActivityId());
            case DeleteActivityExecutionRequest r -> activity(r.getNamespaceId(), r.getRequest().getActivityId());
            case SignalExternalWorkflowExecutionRequest r -> target(r.getTarget());
            case RequestCancelExternalWorkflowExecutionRequest r -> target(r.getTarget());
            case TerminateExternalWorkflowExecutionRequest r -> target(r.getTarget());
            default -> null;
        };
    }

    /** A standalone Nexus operation's hidden run lives on the shard of its hidden workflow id. */
    private static Key nexus(String namespaceId, String operationId) {
        return new Key(namespaceId, io.kairos.common.ids.StandaloneIds.nexusOperation(operationId));
    }

    private static Key activity(String namespaceId, String activityId) {
        return new Key(namespaceId, io.kairos.common.ids.StandaloneIds.activity(activityId));
    }

    private static Key target(ExternalTarget t) {
        return new Key(t.getNamespaceId(), t.getWorkflowId());
    }

    private static Key token(ByteString bytes) {
        try {
            TaskToken t = TaskToken.parse(bytes);
            return new Key(t.data().getNamespaceId(), t.data().getWorkflowId());
        } catch (IllegalArgumentException bad) {
            return null;
        }
    }
}
