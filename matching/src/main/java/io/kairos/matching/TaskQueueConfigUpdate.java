package io.kairos.matching;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.taskqueue.v1.ConfigMetadata;
import io.temporal.api.taskqueue.v1.RateLimitConfig;
import io.temporal.api.taskqueue.v1.TaskQueueConfig;
import io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigRequest;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * How an UpdateTaskQueueConfig request (validated by the frontend) changes a stored configuration, as Temporal's
 * matching engine does: a rate-limit update present in the request replaces that limit (without a rate: unset),
 * stamped with the update's time, identity and reason, so an unset limit keeps its metadata; fairness weight
 * overrides are merged.
 */
final class TaskQueueConfigUpdate {
    /** Temporal's matching.maxFairnessKeyWeightOverrides. */
    static final int MAX_FAIRNESS_WEIGHT_OVERRIDES = 1000;

    private TaskQueueConfigUpdate() {
    }

    static UnaryOperator<TaskQueueConfig> of(UpdateTaskQueueConfigRequest request, Instant now) {
        Timestamp time = Timestamps.fromMillis(now.toEpochMilli());
        return current -> {
            TaskQueueConfig.Builder b = current.toBuilder();
            if (request.hasUpdateQueueRateLimit()) {
                b.setQueueRateLimit(limit(request.getUpdateQueueRateLimit(), time, request.getIdentity()));
            }
            if (request.hasUpdateFairnessKeyRateLimitDefault()) {
                b.setFairnessKeysRateLimitDefault(
                        limit(request.getUpdateFairnessKeyRateLimitDefault(), time, request.getIdentity()));
            }
            if (request.getSetFairnessWeightOverridesCount() > 0 || request.getUnsetFairnessWeightOverridesCount() > 0) {
                b.clearFairnessWeightOverrides().putAllFairnessWeightOverrides(mergeOverrides(
                        current.getFairnessWeightOverridesMap(), request.getSetFairnessWeightOverridesMap(),
                        request.getUnsetFairnessWeightOverridesList()));
            }
            return b.build();
        };
    }

    private static RateLimitConfig limit(UpdateTaskQueueConfigRequest.RateLimitUpdate update, Timestamp time,
                                         String identity) {
        RateLimitConfig.Builder b = RateLimitConfig.newBuilder().setMetadata(ConfigMetadata.newBuilder()
                .setReason(update.getReason()).setUpdateIdentity(identity).setUpdateTime(time));
        if (update.hasRateLimit()) {
            b.setRateLimit(update.getRateLimit());
        }
        return b.build();
    }

    /** With nothing stored, the new overrides are taken as they are (the frontend capped the request's size). */
    static Map<String, Float> mergeOverrides(Map<String, Float> existing, Map<String, Float> set,
                                             java.util.List<String> unset) {
        if (existing.isEmpty()) {
            return set;
        }
        Map<String, Float> merged = new LinkedHashMap<>(existing);
        unset.forEach(merged::remove);
        merged.putAll(set);
        if (merged.size() > MAX_FAIRNESS_WEIGHT_OVERRIDES) {
            throw new InvalidArgumentException("fairness weight overrides update rejected: exceeding maximum key size");
        }
        return merged;
    }
}
