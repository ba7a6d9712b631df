package io.kairos.matching;

import io.grpc.Status;

/**
 * What became of a task handed to a poller, once history answered Record*TaskStarted.
 *
 * @param error history's status when the outcome is {@link Kind#STALE} or {@link Kind#FAILED}, else null
 */
record DispatchOutcome(Kind kind, Status error) {
    enum Kind {
        /** History started the task; the poller got it. The task is done. */
        STARTED,
        /** History answered NOT_FOUND: the task is already started, or its workflow or activity is gone. Drop it. */
        STALE,
        /** Any other failure: the task may still be pending, so it must be kept. The poller got the error. */
        FAILED
    }

    static final DispatchOutcome STARTED = new DispatchOutcome(Kind.STARTED, null);

    static DispatchOutcome of(Status status) {
        return new DispatchOutcome(status.getCode() == Status.Code.NOT_FOUND ? Kind.STALE : Kind.FAILED, status);
    }
}
