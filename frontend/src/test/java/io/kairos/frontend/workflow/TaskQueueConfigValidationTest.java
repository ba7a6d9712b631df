package io.kairos.frontend.workflow;

import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.RateLimit;
import io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigRequest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Temporal's UpdateTaskQueueConfig checks: messages and which check wins when several fail. */
class TaskQueueConfigValidationTest {
    private static UpdateTaskQueueConfigRequest.Builder request(TaskQueueType type) {
        return UpdateTaskQueueConfigRequest.newBuilder().setNamespace("default").setTaskQueue("orders")
                .setTaskQueueType(type);
    }

    private static UpdateTaskQueueConfigRequest.RateLimitUpdate limit(Float rps, String reason) {
        var b = UpdateTaskQueueConfigRequest.RateLimitUpdate.newBuilder().setReason(reason);
        if (rps != null) {
            b.setRateLimit(RateLimit.newBuilder().setRequestsPerSecond(rps));
        }
        return b.build();
    }

    private static String rejected(UpdateTaskQueueConfigRequest.Builder r) {
        return assertThrows(InvalidArgumentException.class, () -> TaskQueueConfigValidation.validate(r.build()))
                .getMessage();
    }

    @Test
    void rateLimits() {
        TaskQueueType activity = TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
        TaskQueueType workflow = TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW;
        assertDoesNotThrow(() -> TaskQueueConfigValidation.validate(request(activity)
                .setUpdateQueueRateLimit(limit(0f, "pause")).setUpdateFairnessKeyRateLimitDefault(limit(3f, "")).build()));
        assertEquals("Setting rate limit on workflow task queues is not allowed.",
                rejected(request(workflow).setUpdateQueueRateLimit(limit(1f, ""))));
        assertEquals("Setting fairness key rate limit on workflow task queues is not allowed.",
                rejected(request(workflow).setUpdateFairnessKeyRateLimitDefault(limit(1f, ""))));
        // unsetting on a workflow queue, or with any reason, is accepted (only a set rate is checked)
        assertDoesNotThrow(() -> TaskQueueConfigValidation.validate(request(workflow)
                .setUpdateQueueRateLimit(limit(null, "x".repeat(5000))).build()));
        assertEquals("RequestsPerSecond for UpdateQueueRateLimit rate limit must be non-negative.",
                rejected(request(activity).setUpdateQueueRateLimit(limit(-1f, ""))));
        assertEquals("RequestsPerSecond for UpdateFairnessKeyRateLimitDefault rate limit must be non-negative.",
                rejected(request(activity).setUpdateFairnessKeyRateLimitDefault(limit(-1f, ""))));
        assertEquals("UpdateQueueRateLimit.Reason field too long (max 1000 characters).",
                rejected(request(activity).setUpdateQueueRateLimit(limit(1f, "é".repeat(501)))));
        assertEquals("RequestsPerSecond for UpdateQueueRateLimit rate limit must be non-negative.",
                rejected(request(TaskQueueType.TASK_QUEUE_TYPE_UNSPECIFIED).setUpdateQueueRateLimit(limit(-1f, ""))
                        .setUpdateFairnessKeyRateLimitDefault(limit(-1f, ""))), "the queue limit is checked first");
        assertEquals("Identity field too long (max 1000 characters).",
                rejected(request(activity).setIdentity("i".repeat(1001))));
    }

    @Test
    void fairnessWeightOverrides() {
        TaskQueueType type = TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW;
        assertDoesNotThrow(() -> TaskQueueConfigValidation.validate(request(type)
                .putSetFairnessWeightOverrides("tenant-a", 2.5f).addUnsetFairnessWeightOverrides("tenant-b").build()));
        assertEquals("fairness weight override key must not be empty",
                rejected(request(type).putSetFairnessWeightOverrides("", 1f)));
        assertEquals("fairness weight override key must not be empty",
                rejected(request(type).addUnsetFairnessWeightOverrides("")));
        assertEquals("fairness key length exceeds limit",
                rejected(request(type).putSetFairnessWeightOverrides("k".repeat(65), 1f)));
        assertEquals("invalid fairness weight weight for key \"a\\\"b\": must be greater than zero",
                rejected(request(type).putSetFairnessWeightOverrides("a\"b", 0f)));
        assertEquals("fairness weight override key \"x\" present in both set and unset lists",
                rejected(request(type).putSetFairnessWeightOverrides("x", 1f).addUnsetFairnessWeightOverrides("x")));
        var many = request(type);
        for (int i = 0; i < 1001; i++) {
            many.addUnsetFairnessWeightOverrides("k" + i);
        }
        assertEquals("too many fairness weight overrides in request: got 1001, maximum 1000", rejected(many));
    }

    @Test
    void taskQueueNames() {
        TaskQueueType type = TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
        assertEquals("TaskQueue is not set on request.", rejected(request(type).setTaskQueue("")));
        assertEquals("TaskQueue length exceeds limit.", rejected(request(type).setTaskQueue("q".repeat(1001))));
        assertEquals("invalid task queue partition name /_sys/orders",
                rejected(request(type).setTaskQueue("/_sys/orders")));
        assertEquals("task queue family name cannot have prefix /_sys/ /_sys/orders/3",
                rejected(request(type).setTaskQueue("/_sys/orders/3")));
        assertEquals("RequestsPerSecond for UpdateQueueRateLimit rate limit must be non-negative.",
                rejected(request(type).setTaskQueue("").setUpdateQueueRateLimit(limit(-1f, ""))),
                "Temporal's own checks come before the name's");
    }
}
