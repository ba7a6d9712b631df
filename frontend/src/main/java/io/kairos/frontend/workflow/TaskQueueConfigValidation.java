package io.kairos.frontend.workflow;

import io.kairos.common.validation.RequestValidation;

import io.kairos.common.TemporalCompat;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigRequest;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** UpdateTaskQueueConfig's checks, in Temporal's order and with its messages (lengths are UTF-8 bytes, as in Go). */
final class TaskQueueConfigValidation {
    /** Temporal's maxReasonLength for a rate-limit update's reason. */
    static final int MAX_REASON_LENGTH = 1000;
    /** Temporal's matching.maxFairnessKeyWeightOverrides, which its frontend also applies to one request. */
    static final int MAX_FAIRNESS_WEIGHT_OVERRIDES = 1000;
    static final int MAX_FAIRNESS_KEY_LENGTH = 64;
    private static final String SYS_PREFIX = "/_sys/";

    private TaskQueueConfigValidation() {
    }

    /** Everything Temporal's frontend checks after resolving the namespace. */
    static void validate(UpdateTaskQueueConfigRequest req) {
        boolean workflow = req.getTaskQueueType() == TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW;
        if (req.getUpdateQueueRateLimit().hasRateLimit() && workflow) {
            throw new InvalidArgumentException("Setting rate limit on workflow task queues is not allowed.");
        }
        rateLimit(req.hasUpdateQueueRateLimit(), req.getUpdateQueueRateLimit(), "UpdateQueueRateLimit");
        if (req.getUpdateFairnessKeyRateLimitDefault().hasRateLimit() && workflow) {
            throw new InvalidArgumentException(
                    "Setting fairness key rate limit on workflow task queues is not allowed.");
        }
        rateLimit(req.hasUpdateFairnessKeyRateLimitDefault(), req.getUpdateFairnessKeyRateLimitDefault(),
                "UpdateFairnessKeyRateLimitDefault");
        if (bytes(req.getIdentity()) > TemporalCompat.MAX_ID_LENGTH) {
            throw new InvalidArgumentException(
                    "Identity field too long (max " + TemporalCompat.MAX_ID_LENGTH + " characters).");
        }
        fairnessWeights(req.getSetFairnessWeightOverridesMap(), req.getUnsetFairnessWeightOverridesList());
        taskQueue(req.getTaskQueue());
    }

    /** As Temporal, an unset (no rate) is not checked further, not even its reason. */
    private static void rateLimit(boolean present, UpdateTaskQueueConfigRequest.RateLimitUpdate update, String label) {
        if (!present || !update.hasRateLimit()) {
            return;
        }
        if (update.getRateLimit().getRequestsPerSecond() < 0) {
            throw new InvalidArgumentException("RequestsPerSecond for " + label + " rate limit must be non-negative.");
        }
        if (bytes(update.getReason()) > MAX_REASON_LENGTH) {
            throw new InvalidArgumentException(
                    label + ".Reason field too long (max " + MAX_REASON_LENGTH + " characters).");
        }
    }

    private static void fairnessWeights(Map<String, Float> set, java.util.List<String> unset) {
        int total = set.size() + unset.size();
        if (total > MAX_FAIRNESS_WEIGHT_OVERRIDES) {
            throw new InvalidArgumentException("too many fairness weight overrides in request: got " + total
                    + ", maximum " + MAX_FAIRNESS_WEIGHT_OVERRIDES);
        }
        set.forEach((key, weight) -> {
            fairnessKey(key);
            if (weight <= 0) {
                throw new InvalidArgumentException("invalid fairness weight weight for key " + quote(key)
                        + ": must be greater than zero");
            }
        });
        unset.forEach(TaskQueueConfigValidation::fairnessKey);
        for (String key : unset) {
            if (set.containsKey(key)) {
                throw new InvalidArgumentException(
                        "fairness weight override key " + quote(key) + " present in both set and unset lists");
            }
        }
    }

    private static void fairnessKey(String key) {
        if (key.isEmpty()) {
            throw new InvalidArgumentException("fairness weight override key must not be empty");
        }
        if (bytes(key) > MAX_FAIRNESS_KEY_LENGTH) {
            throw new InvalidArgumentException("fairness key length exceeds limit");
        }
    }

    /**
     * Temporal checks nothing else of the name but the reserved partition prefix (in its matching client and
     * engine); an empty or over-long name, which it would store a configuration for, Kairos refuses as its other
     * task-queue APIs do.
     */
    private static void taskQueue(String name) {
        if (name.startsWith(SYS_PREFIX)) {
            int slash = name.lastIndexOf('/');
            if (slash <= SYS_PREFIX.length() || !positiveInt(name.substring(slash + 1))) {
                throw new InvalidArgumentException("invalid task queue partition name " + name);
            }
            String base = name.substring(SYS_PREFIX.length(), slash);
            throw new InvalidArgumentException("task queue family name cannot have prefix /_sys/ "
                    + (base.startsWith(SYS_PREFIX) ? base : name));
        }
        RequestValidation.requireTaskQueue(io.temporal.api.taskqueue.v1.TaskQueue.newBuilder().setName(name).build());
    }

    private static boolean positiveInt(String s) {
        try {
            return Integer.parseInt(s) > 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Go's %q for the keys in messages. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
