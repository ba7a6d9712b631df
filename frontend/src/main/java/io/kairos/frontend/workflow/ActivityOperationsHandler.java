package io.kairos.frontend.workflow;

import com.google.protobuf.Duration;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.frontend.namespace.NamespaceResolver;
import io.kairos.proto.history.v1.HistoryServiceGrpc;
import io.temporal.api.workflowservice.v1.PauseActivityRequest;
import io.temporal.api.workflowservice.v1.PauseActivityResponse;
import io.temporal.api.workflowservice.v1.ResetActivityRequest;
import io.temporal.api.workflowservice.v1.ResetActivityResponse;
import io.temporal.api.workflowservice.v1.UnpauseActivityRequest;
import io.temporal.api.workflowservice.v1.UnpauseActivityResponse;
import io.temporal.api.workflowservice.v1.UpdateActivityOptionsRequest;
import io.temporal.api.workflowservice.v1.UpdateActivityOptionsResponse;

/**
 * PauseActivity, UnpauseActivity, ResetActivity and UpdateActivityOptions: Temporal's frontend checks (workflow id,
 * an activity selected by id, type or all; a valid priority), the namespace, then history.
 */
public final class ActivityOperationsHandler {
    static final String NO_WORKFLOW_ID = "WorkflowId is not set on request.";
    static final String NO_ACTIVITY = "Either Activity.Id or Activity.Type should be set on request.";

    private final NamespaceResolver namespaces;
    private final HistoryServiceGrpc.HistoryServiceBlockingStub history;

    public ActivityOperationsHandler(NamespaceResolver namespaces, HistoryServiceGrpc.HistoryServiceBlockingStub history) {
        this.namespaces = namespaces;
        this.history = history;
    }

    public PauseActivityResponse pause(PauseActivityRequest req) {
        requireTarget(req.getExecution().getWorkflowId(), req.getActivityCase() != PauseActivityRequest.ActivityCase.ACTIVITY_NOT_SET);
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.pauseActivity(io.kairos.proto.history.v1.PauseActivityRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public UnpauseActivityResponse unpause(UnpauseActivityRequest req) {
        requireTarget(req.getExecution().getWorkflowId(), req.getActivityCase() != UnpauseActivityRequest.ActivityCase.ACTIVITY_NOT_SET);
        requireJitter(req.getJitter());
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.unpauseActivity(io.kairos.proto.history.v1.UnpauseActivityRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public ResetActivityResponse reset(ResetActivityRequest req) {
        requireTarget(req.getExecution().getWorkflowId(), req.getActivityCase() != ResetActivityRequest.ActivityCase.ACTIVITY_NOT_SET);
        requireJitter(req.getJitter());
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.resetActivity(io.kairos.proto.history.v1.ResetActivityRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    public UpdateActivityOptionsResponse updateOptions(UpdateActivityOptionsRequest req) {
        requireTarget(req.getExecution().getWorkflowId(),
                req.getActivityCase() != UpdateActivityOptionsRequest.ActivityCase.ACTIVITY_NOT_SET);
        if (req.getActivityOptions().hasPriority()) {
            io.kairos.common.validation.Priorities.requireValid(req.getActivityOptions().getPriority());
        }
        NamespaceId ns = namespaces.forExistingWork(req.getNamespace());
        return history.updateActivityOptions(io.kairos.proto.history.v1.UpdateActivityOptionsRequest.newBuilder()
                .setNamespaceId(ns.toString()).setRequest(req).build());
    }

    /** Temporal checks only that both are there (a set but empty id is looked for, and not found, by history). */
    static void requireTarget(String workflowId, boolean activitySelected) {
        if (workflowId.isEmpty()) {
            throw new InvalidArgumentException(NO_WORKFLOW_ID);
        }
        if (!activitySelected) {
            throw new InvalidArgumentException(NO_ACTIVITY);
        }
    }

    /** A negative jitter is refused with the message of Temporal's standalone-activity validator. */
    static void requireJitter(Duration jitter) {
        if ((jitter.getSeconds() > 0 && jitter.getNanos() < 0) || (jitter.getSeconds() < 0 && jitter.getNanos() > 0)) {
            throw new InvalidArgumentException("invalid jitter: duration has seconds and nanos with different signs");
        }
        if (jitter.getSeconds() < 0 || jitter.getNanos() < 0) {
            throw new InvalidArgumentException("invalid jitter: negative duration");
        }
    }
}
