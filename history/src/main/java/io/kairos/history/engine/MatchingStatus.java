package io.kairos.history.engine;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/** How history reads matching's answers. */
public final class MatchingStatus {
    private MatchingStatus() {
    }

    /** Matching's fast failure for a sticky queue nobody polls (detail type as in Temporal's server errors). */
    public static boolean isStickyWorkerUnavailable(StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
            return false;
        }
        com.google.rpc.Status s = StatusProto.fromThrowable(e);
        return s != null && s.getDetailsList().stream().anyMatch(d -> d.getTypeUrl().endsWith("StickyWorkerUnavailableFailure"));
    }
}
