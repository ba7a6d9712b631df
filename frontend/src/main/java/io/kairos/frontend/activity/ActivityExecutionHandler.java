package io.kairos.frontend.activity;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import io.kairos.common.TemporalCompat;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.StandaloneIds;
import io.kairos.common.validation.RequestValidation;
import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.frontend.visibility.StandaloneQueries;
import io.kairos.persistence.visibility.ActivityAttributes;
import io.kairos.persistence.visibility.ExecutionInfos;
import io.kairos.persistence.visibility.PostgresVisibilityStore;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.SearchAttributeValues;
import io.kairos.persistence.visibility.VisibilityPage;
import io.kairos.persistence.visibility.VisibilityRecord;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.temporal.api.activity.v1.ActivityExecutionListInfo;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.enums.v1.ActivityExecutionStatus;
import io.temporal.api.enums.v1.ActivityIdConflictPolicy;
import io.temporal.api.enums.v1.ActivityIdReusePolicy;
import io.temporal.api.workflowservice.v1.*;

import java.util.UUID;

/**
 * The standalone activity RPCs (Temporal's chasm/lib/activity frontend): validation with Temporal's messages, then the
 * activity's history shard; List and Count read the activities' visibility rows (their own division, with the
 * archetype's ActivityId, ActivityType and TaskQueue).
 */
public final class ActivityExecutionHandler {
    /** limit.reasonLength */
    static final int MAX_REASON_LENGTH = 1000;

    private final NamespaceResolver namespaces;
    private final HistoryServiceGrpc.HistoryServiceBlockingStub history;
    private final PostgresVisibilityStore visibility;
    private final StandaloneQueries queries;

    public ActivityExecutionHandler(NamespaceResolver namespaces, HistoryServiceGrpc.HistoryServiceBlockingStub history,
                                    PostgresVisibilityStore visibility) {
        this.namespaces = namespaces;
        this.history = history;
        this.visibility = visibility;
        this.queries = visibility == null ? null : new StandaloneQueries(visibility, StandaloneIds.ACTIVITY_DIVISION);
    }

    public StartActivityExecutionResponse start(StartActivityExecutionRequest in) {
        NamespaceId ns = namespaces.forExistingWork(in.getNamespace());
        var req = in.toBuilder();
        if (req.getRequestId().isEmpty()) {
            req.setRequestId(UUID.randomUUID().toString());
        }
        limit("request_id", req.getRequestId().length(), TemporalCompat.MAX_ID_LENGTH);
        if (req.getActivityId().isEmpty()) {
            throw new InvalidArgumentException("activityId is not set");
        }
        if (req.getActivityType().getName().isEmpty()) {
            throw new InvalidArgumentException("activityType is not set");
        }
        limit("activityId", req.getActivityId().length(), TemporalCompat.MAX_ID_LENGTH);
        limit("activityType", req.getActivityType().getName().length(), TemporalCompat.MAX_ID_LENGTH);
        RequestValidation.requireTaskQueue(req.getTaskQueue());
        RequestValidation.requireIdentityWithinLimit(req.getIdentity());
        duration("ScheduleToCloseTimeout", req.getScheduleToCloseTimeout());
        duration("ScheduleToStartTimeout", req.getScheduleToStartTimeout());
        duration("StartToCloseTimeout", req.getStartToCloseTimeout());
        duration("HeartbeatTimeout", req.getHeartbeatTimeout());
        if (!positive(req.getScheduleToCloseTimeout()) && !positive(req.getStartToCloseTimeout())) {
            throw new InvalidArgumentException("a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity."
                    + " ActivityId=" + req.getActivityId() + " ActivityType=" + req.getActivityType().getName());
        }
        if (positive(req.getStartDelay())) {
            throw new InvalidArgumentException("start_delay is not enabled for this namespace");
        }
        if (req.getCompletionCallbacksCount() > 0) {
            throw new InvalidArgumentException("completion callbacks are not enabled for this namespace");
        }
        RequestValidation.requireBlobSize(req.getInput());
        for (String name : req.getSearchAttributes().getIndexedFieldsMap().keySet()) {
            if (ActivityAttributes.BUILT_IN.contains(name) || name.equals(SearchAttributeCatalog.NAMESPACE_DIVISION)) {
                throw new InvalidArgumentException(name + " attribute can't be set in SearchAttributes");
            }
        }
        if (req.getSearchAttributes().getIndexedFieldsCount() > 0) {
            SearchAttributeValues.validate(req.getSearchAttributes(), new SearchAttributeCatalog(visibility.searchAttributes(ns)));
        }
        if (req.getIdReusePolicy() == ActivityIdReusePolicy.ACTIVITY_ID_REUSE_POLICY_UNSPECIFIED) {
            req.setIdReusePolicy(ActivityIdReusePolicy.ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE);
        }
        if (req.getIdConflictPolicy() == ActivityIdConflictPolicy.ACTIVITY_ID_CONFLICT_POLICY_UNSPECIFIED) {
            req.setIdConflictPolicy(ActivityIdConflictPolicy.ACTIVITY_ID_CONFLICT_POLICY_FAIL);
        }
        return history.startActivityExecution(io.kairos.proto.history.v1.StartActivityExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public DescribeActivityExecutionResponse describe(DescribeActivityExecutionRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        activityId(req.getActivityId());
        if (!req.getLongPollToken().isEmpty() && req.getRunId().isEmpty()) {
            throw new InvalidArgumentException("run id is required for long poll requests");
        }
        runId(req.getRunId());
        return history.describeActivityExecution(io.kairos.proto.history.v1.DescribeActivityExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public PollActivityExecutionResponse poll(PollActivityExecutionRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        activityId(req.getActivityId());
        runId(req.getRunId());
        return history.pollActivityExecution(io.kairos.proto.history.v1.PollActivityExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public RequestCancelActivityExecutionResponse requestCancel(RequestCancelActivityExecutionRequest in) {
        NamespaceId ns = namespaces.forExistingWork(in.getNamespace());
        var req = in.toBuilder();
        if (req.getRequestId().isEmpty()) {
            req.setRequestId(UUID.randomUUID().toString());
        }
        cancelOrTerminate(req.getActivityId(), req.getRunId(), req.getIdentity(), req.getReason(), req.getRequestId());
        return history.requestCancelActivityExecution(io.kairos.proto.history.v1.RequestCancelActivityExecutionRequest
                .newBuilder().setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public TerminateActivityExecutionResponse terminate(TerminateActivityExecutionRequest in) {
        NamespaceId ns = namespaces.forExistingWork(in.getNamespace());
        var req = in.toBuilder();
        if (req.getRequestId().isEmpty()) {
            req.setRequestId(UUID.randomUUID().toString());
        }
        cancelOrTerminate(req.getActivityId(), req.getRunId(), req.getIdentity(), req.getReason(), req.getRequestId());
        return history.terminateActivityExecution(io.kairos.proto.history.v1.TerminateActivityExecutionRequest
                .newBuilder().setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public DeleteActivityExecutionResponse delete(DeleteActivityExecutionRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        activityId(req.getActivityId());
        runId(req.getRunId());
        return history.deleteActivityExecution(io.kairos.proto.history.v1.DeleteActivityExecutionRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    // ---- visibility ----

    public ListActivityExecutionsResponse list(ListActivityExecutionsRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        SearchAttributeCatalog catalog = ActivityAttributes.catalog(visibility.searchAttributes(ns));
        VisibilityPage page = queries.page(ns, req.getQuery(), catalog, req.getPageSize(), req.getNextPageToken());
        var r = ListActivityExecutionsResponse.newBuilder().setNextPageToken(ByteString.copyFrom(page.nextPageToken()));
        for (VisibilityRecord rec : page.records()) {
            var info = ExecutionInfos.of(rec, catalog);
            var sa = info.getSearchAttributes();
            var a = ActivityExecutionListInfo.newBuilder()
                    .setActivityId(StandaloneIds.activityId(rec.workflowId()).orElse(rec.workflowId()))
                    .setRunId(rec.runId().toString())
                    .setActivityType(ActivityType.newBuilder().setName(
                            io.kairos.persistence.visibility.NexusOperationAttributes.value(sa, ActivityAttributes.ACTIVITY_TYPE)))
                    .setScheduleTime(info.getStartTime())
                    .setExecutionTime(info.getStartTime())
                    .setStatus(status(rec.status()))
                    .setSearchAttributes(ActivityAttributes.user(sa))
                    .setTaskQueue(rec.taskQueue())
                    .setStateTransitionCount(info.getStateTransitionCount());
            if (info.hasCloseTime()) {
                a.setCloseTime(info.getCloseTime());
                a.setExecutionDuration(com.google.protobuf.util.Timestamps.between(info.getStartTime(), info.getCloseTime()));
            }
            r.addExecutions(a);
        }
        return r.build();
    }

    public CountActivityExecutionsResponse count(CountActivityExecutionsRequest req) {
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        SearchAttributeCatalog catalog = ActivityAttributes.catalog(visibility.searchAttributes(ns));
        StandaloneQueries.Counts counts = queries.count(ns, req.getQuery(), catalog);
        var b = CountActivityExecutionsResponse.newBuilder().setCount(counts.total());
        if (counts.byStatus() != null) {
            counts.byStatus().forEach((status, n) -> b.addGroups(CountActivityExecutionsResponse.AggregationGroup.newBuilder()
                    .addGroupValues(StandaloneQueries.statusGroupValue(status(status), "ACTIVITY_EXECUTION_STATUS_")).setCount(n)));
        }
        return b.build();
    }

    /** The hidden run's WorkflowExecutionStatus number as the activity's (same names, same numbers up to TIMED_OUT). */
    static ActivityExecutionStatus status(int workflowStatus) {
        ActivityExecutionStatus s = workflowStatus >= 1 && workflowStatus <= 6 ? ActivityExecutionStatus.forNumber(workflowStatus) : null;
        return s == null ? ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_UNSPECIFIED : s;
    }

    // ---- validation ----

    private static void cancelOrTerminate(String activityId, String runId, String identity, String reason, String requestId) {
        activityId(activityId);
        runId(runId);
        RequestValidation.requireIdentityWithinLimit(identity);
        limit("request_id", requestId.length(), TemporalCompat.MAX_ID_LENGTH);
        limit("reason", reason.length(), MAX_REASON_LENGTH);
    }

    private static void activityId(String id) {
        if (id.isEmpty()) {
            throw new InvalidArgumentException("activity id is required");
        }
        limit("activityId", id.length(), TemporalCompat.MAX_ID_LENGTH);
    }

    private static void runId(String runId) {
        if (runId.isEmpty()) {
            return;
        }
        try {
            UUID.fromString(runId);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("invalid run id: " + runId);
        }
    }

    private static void limit(String field, int length, int limit) {
        if (length > limit) {
            throw new InvalidArgumentException(field + " exceeds length limit. Length=" + length + " Limit=" + limit);
        }
    }

    private static boolean positive(Duration d) {
        return d.getSeconds() > 0 || (d.getSeconds() == 0 && d.getNanos() > 0);
    }

    private static void duration(String field, Duration d) {
        if (d.getSeconds() < 0 || d.getNanos() < 0) {
            throw new InvalidArgumentException("invalid " + field + ": negative duration");
        }
    }
}
