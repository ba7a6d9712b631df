package io.kairos.worker.schedules.spec;

/**
 * A spec problem, carrying Temporal's error text without the "Invalid schedule spec: " prefix
 * that the public entry points add when they turn it into an InvalidArgumentException.
 */
final class SpecError extends RuntimeException {
    SpecError(String detail) {
        super(detail, null, false, false);
    }
}
