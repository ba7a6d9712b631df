package io.kairos.matching;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.Code;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.kairos.common.errors.ApiException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.grpc.ErrorMapper;
import io.kairos.common.errors.OwnershipMovedException;
import io.kairos.persistence.matching.TaskQueueLeaseLostException;
import io.kairos.persistence.sql.TransientPersistenceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/** Turns matching's failures into gRPC statuses. */
final class MatchingErrors {
    private static final Logger log = LoggerFactory.getLogger(MatchingErrors.class);

    /**
     * Temporal's detail for "sticky worker unavailable". It is an internal server message
     * ({@code temporal.server.api.errordetails.v1}, empty), absent from the public API jar, so it is packed by
     * type URL; history recognises the UNAVAILABLE status by this detail and falls back to the normal queue.
     */
    static final String STICKY_WORKER_UNAVAILABLE_TYPE_URL =
            "type.googleapis.com/temporal.server.api.errordetails.v1.StickyWorkerUnavailableFailure";

    private MatchingErrors() {
    }

    static StatusRuntimeException toStatus(String rpc, Throwable error) {
        Throwable t = MatchingEngine.unwrap(error);
        StatusRuntimeException sre = statusCause(t);
        if (sre != null) {
            return sre;
        }
        return switch (t) {
            case InvalidArgumentException e -> status(Code.INVALID_ARGUMENT, e.getMessage(), null);
            case ApiException e -> ErrorMapper.toStatus(rpc, e);
            case StickyWorkerUnavailableException e -> status(Code.UNAVAILABLE, e.getMessage(),
                    Any.newBuilder().setTypeUrl(STICKY_WORKER_UNAVAILABLE_TYPE_URL).setValue(ByteString.EMPTY).build());
            case TransientPersistenceException e -> {
                log.warn("component=matching rpc={} outcome=unavailable sqlstate={} msg=\"{}\"", rpc, e.sqlState(),
                        e.getMessage());
                yield status(Code.UNAVAILABLE, "Persistence unavailable: " + e.getMessage(), null);
            }
            // The queue was unloaded under the call (moved to another host, lease taken, host stopping): the caller's
            // routing channel asks the owner it now sees.
            case TaskQueueUnloadedException e -> ErrorMapper.toStatus(rpc,
                    new OwnershipMovedException(OwnershipMovedException.MATCHING, e.getMessage(), ""));
            case TaskQueueLeaseLostException e -> ErrorMapper.toStatus(rpc,
                    new OwnershipMovedException(OwnershipMovedException.MATCHING, e.getMessage(), ""));
            default -> {
                String errorId = UUID.randomUUID().toString().substring(0, 8);
                log.error("component=matching rpc={} outcome=internal_error error_id={}", rpc, errorId, t);
                yield status(Code.INTERNAL, "internal error (" + errorId + "), see the server log", null);
            }
        };
    }

    /** The gRPC status exception in a cause chain (history's answer, with its trailers), or null. */
    static StatusRuntimeException statusCause(Throwable t) {
        for (Throwable e = t; e != null; e = e.getCause()) {
            if (e instanceof StatusRuntimeException sre) {
                return sre;
            }
            if (e instanceof StatusException se) {
                return new StatusRuntimeException(se.getStatus(), se.getTrailers());
            }
        }
        return null;
    }

    private static StatusRuntimeException status(Code code, String message, Any detail) {
        com.google.rpc.Status.Builder s = com.google.rpc.Status.newBuilder().setCode(code.getNumber())
                .setMessage(message == null ? "" : message);
        if (detail != null) {
            s.addDetails(detail);
        }
        return StatusProto.toStatusRuntimeException(s.build());
    }
}
