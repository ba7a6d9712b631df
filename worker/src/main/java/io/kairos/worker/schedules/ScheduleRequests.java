package io.kairos.worker.schedules;

import io.kairos.common.TemporalCompat;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.validation.RequestValidation;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.persistence.visibility.SearchAttributeValues;
import io.kairos.worker.schedules.spec.ScheduleSpecs;
import io.temporal.api.common.v1.SearchAttributes;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.schedule.v1.Schedule;
import io.temporal.api.schedule.v1.SchedulePatch;
import io.temporal.api.workflow.v1.NewWorkflowExecutionInfo;

import java.nio.charset.StandardCharsets;

/** Temporal's frontend checks of the schedule RPCs, with its messages. */
final class ScheduleRequests {
    /** Temporal's ScheduleNotesSizeLimit. */
    static final int NOTES_LIMIT = 1000;
    /** The suffix Temporal appends to the action's workflow id, used to check the id's length (AppendedTimestampForValidation). */
    private static final String APPENDED_TIMESTAMP = "-2009-11-10T23:00:00Z";

    private ScheduleRequests() {
    }

    static void requireScheduleId(String scheduleId) {
        if (scheduleId.isEmpty()) {
            throw new InvalidArgumentException("ScheduleId is not set on request.");
        }
        int length = (ScheduleKey.WORKFLOW_ID_PREFIX + scheduleId).getBytes(StandardCharsets.UTF_8).length;
        if (length > TemporalCompat.MAX_ID_LENGTH) {
            throw new InvalidArgumentException("ScheduleId length exceeds limit.");
        }
    }

    static void requireRequestId(String requestId, boolean required) {
        if (required && requestId.isEmpty()) {
            throw new InvalidArgumentException("RequestId is not set on request.");
        }
        if (requestId.length() > TemporalCompat.MAX_ID_LENGTH) {
            throw new InvalidArgumentException("RequestId length exceeds limit.");
        }
    }

    /**
     * Checks a schedule of CreateSchedule or UpdateSchedule and returns it with the spec in canonical form and the
     * policies' defaults filled in (what DescribeSchedule then shows).
     */
    static Schedule canonical(Schedule schedule, SearchAttributeCatalog catalog) {
        if (!schedule.getAction().hasStartWorkflow()) {
            throw new InvalidArgumentException("Only StartWorkflow action is supported for schedules");
        }
        requireStartWorkflow(schedule.getAction().getStartWorkflow(), catalog);
        Schedule.Builder b = schedule.toBuilder().setSpec(ScheduleSpecs.canonicalize(schedule.getSpec()));
        var policies = schedule.getPolicies();
        if (policies.getOverlapPolicy() == ScheduleOverlapPolicy.UNRECOGNIZED) {
            throw new InvalidArgumentException("Invalid OverlapPolicy.");
        }
        if (policies.getCatchupWindow().getSeconds() < 0 || policies.getCatchupWindow().getNanos() < 0) {
            throw new InvalidArgumentException("Invalid CatchupWindow.");
        }
        // Temporal's scheduler fills these in at once, so they show in DescribeSchedule.
        var window = ScheduleViews.catchupWindow(policies);
        b.setPolicies(policies.toBuilder()
                .setOverlapPolicy(ScheduleViews.resolve(policies.getOverlapPolicy(), policies))
                .setCatchupWindow(com.google.protobuf.Duration.newBuilder().setSeconds(window.getSeconds())
                        .setNanos(window.getNano())));
        if (schedule.getState().getNotes().length() > NOTES_LIMIT) {
            throw new InvalidArgumentException("Schedule notes exceeds limit.");
        }
        return b.build();
    }

    /** Temporal's validateStartWorkflowArgsForSchedule. */
    private static void requireStartWorkflow(NewWorkflowExecutionInfo w, SearchAttributeCatalog catalog) {
        RequestValidation.requireId(w.getWorkflowId(), "WorkflowId");
        if ((w.getWorkflowId() + APPENDED_TIMESTAMP).getBytes(StandardCharsets.UTF_8).length > TemporalCompat.MAX_ID_LENGTH) {
            throw new InvalidArgumentException("WorkflowId length exceeds limit.");
        }
        RequestValidation.requireId(w.getWorkflowType().getName(), "WorkflowType");
        RequestValidation.requireTaskQueue(w.getTaskQueue());
        if (w.getTaskQueue().getName().startsWith("/_sys/")) {
            throw new InvalidArgumentException("task queue name cannot start with reserved prefix /_sys/");
        }
        RequestValidation.requireNonNegative(w.getWorkflowExecutionTimeout(), "WorkflowExecutionTimeout");
        RequestValidation.requireNonNegative(w.getWorkflowRunTimeout(), "WorkflowRunTimeout");
        RequestValidation.requireNonNegative(w.getWorkflowTaskTimeout(), "WorkflowTaskTimeout");
        if (!w.getCronSchedule().isEmpty()) {
            throw new InvalidArgumentException("Scheduled workflow must not contain CronSchedule");
        }
        if (w.getWorkflowIdReusePolicy() != WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED
                && w.getWorkflowIdReusePolicy() != WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE) {
            throw new InvalidArgumentException("Scheduled workflow must not contain WorkflowIDReusePolicy");
        }
        RequestValidation.requireBlobSize(w.getInput());
        RequestValidation.requireBlobSize(w.getMemo());
        if (w.getSearchAttributes().getIndexedFieldsCount() > 0) {
            SearchAttributeValues.validate(w.getSearchAttributes(), catalog);
        }
    }

    /** The schedule's own search attributes: custom ones only (Temporal's system attributes belong to the server). */
    static void requireScheduleSearchAttributes(SearchAttributes sa, SearchAttributeCatalog catalog) {
        if (sa.getIndexedFieldsCount() > 0) {
            SearchAttributeValues.validate(sa, catalog);
        }
    }

    static void requirePatch(SchedulePatch patch) {
        if (patch.getPause().length() > NOTES_LIMIT || patch.getUnpause().length() > NOTES_LIMIT) {
            throw new InvalidArgumentException("Schedule notes exceeds limit.");
        }
        if (patch.getTriggerImmediately().getOverlapPolicy() == ScheduleOverlapPolicy.UNRECOGNIZED) {
            throw new InvalidArgumentException("Invalid OverlapPolicy.");
        }
        for (var b : patch.getBackfillRequestList()) {
            if (b.getOverlapPolicy() == ScheduleOverlapPolicy.UNRECOGNIZED) {
                throw new InvalidArgumentException("Invalid OverlapPolicy.");
            }
        }
    }
}
