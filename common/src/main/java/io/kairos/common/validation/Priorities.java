package io.kairos.common.validation;

import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.common.v1.Priority;

/** Temporal's task priority rules: what a request may carry, and how an override merges onto its workflow's. */
public final class Priorities {
    static final int FAIRNESS_KEY_MAX_LENGTH = 64;

    private Priorities() {
    }

    /** Field by field, the override's non-zero values win (Temporal's priorities.Merge). */
    public static Priority merge(Priority base, Priority override) {
        Priority.Builder b = base.toBuilder();
        if (override.getPriorityKey() != 0) {
            b.setPriorityKey(override.getPriorityKey());
        }
        if (!override.getFairnessKey().isEmpty()) {
            b.setFairnessKey(override.getFairnessKey());
        }
        if (override.getFairnessWeight() != 0) {
            b.setFairnessWeight(override.getFairnessWeight());
        }
        return b.build();
    }

    public static void requireValid(Priority p) {
        if (p.getPriorityKey() < 0) {
            throw new InvalidArgumentException("priority key can't be negative");
        }
        if (p.getFairnessKey().length() > FAIRNESS_KEY_MAX_LENGTH) {
            throw new InvalidArgumentException("fairness key length exceeds limit");
        }
        if (p.getFairnessWeight() < 0) {
            throw new InvalidArgumentException("must be greater than zero");
        }
    }
}
