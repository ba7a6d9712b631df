package io.kairos.history.nexus;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.kairos.proto.persistence.v1.NexusOperationInfo;
import io.temporal.api.enums.v1.NexusHandlerErrorRetryBehavior;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.failure.v1.ApplicationFailureInfo;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.failure.v1.NexusHandlerFailureInfo;
import io.temporal.api.failure.v1.NexusOperationFailureInfo;
import io.temporal.api.failure.v1.TimeoutFailureInfo;
import io.temporal.api.nexus.v1.HandlerError;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Failures of Nexus operations as the SDKs read them (Temporal's common/nexus failure conversions): the outcome is
 * a NexusOperationFailureInfo wrapping the cause, a handler error is a NexusHandlerFailureInfo, and Nexus failures
 * that carry a serialized Temporal failure are read back as that failure.
 */
public final class NexusFailures {
    static final String TEMPORAL_FAILURE_TYPE = "temporal.api.failure.v1.Failure";
    /** Handler error types that are not retried unless the handler says otherwise (nexus-go HandlerError.Retryable). */
    private static final Set<String> NON_RETRYABLE_TYPES = Set.of("BAD_REQUEST", "UNAUTHENTICATED", "UNAUTHORIZED",
            "NOT_FOUND", "NOT_IMPLEMENTED", "CONFLICT");

    private NexusFailures() {
    }

    /** The failure of a NexusOperationFailed/Canceled/TimedOut event. */
    static Failure operationFailure(NexusOperationInfo op, Failure cause) {
        return Failure.newBuilder().setMessage("nexus operation completed unsuccessfully")
                .setNexusOperationExecutionFailureInfo(NexusOperationFailureInfo.newBuilder()
                        .setScheduledEventId(op.getScheduledEventId()).setEndpoint(op.getEndpoint())
                        .setService(op.getService()).setOperation(op.getOperation())
                        .setOperationToken(op.getOperationToken()).setOperationId(op.getOperationToken()))
                .setCause(cause).build();
    }

    static Failure timeout(TimeoutType type) {
        return Failure.newBuilder().setMessage("operation timed out")
                .setTimeoutFailureInfo(TimeoutFailureInfo.newBuilder().setTimeoutType(type)).build();
    }

    /** A failure of the call itself (no answer, matching unavailable): retried. */
    static Failure callError(String message, boolean retryable) {
        return Failure.newBuilder().setMessage(message).setApplicationFailureInfo(ApplicationFailureInfo.newBuilder()
                .setType("CallError").setNonRetryable(!retryable)).build();
    }

    static boolean retryable(HandlerError e) {
        if (e.getRetryBehavior() == NexusHandlerErrorRetryBehavior.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_RETRYABLE) {
            return true;
        }
        if (e.getRetryBehavior() == NexusHandlerErrorRetryBehavior.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE) {
            return false;
        }
        return !NON_RETRYABLE_TYPES.contains(e.getErrorType());
    }

    /** A handler error sent as a Temporal failure: its retry behavior, else its type decides. */
    static boolean retryable(Failure f) {
        var info = f.getNexusHandlerFailureInfo();
        return retryable(HandlerError.newBuilder().setErrorType(info.getType()).setRetryBehavior(info.getRetryBehavior()).build());
    }

    /** A worker's handler error as a Temporal failure: NexusHandlerFailureInfo wrapping the handler's cause. */
    static Failure handlerFailure(HandlerError e) {
        Failure.Builder f = Failure.newBuilder()
                .setNexusHandlerFailureInfo(NexusHandlerFailureInfo.newBuilder().setType(e.getErrorType())
                        .setRetryBehavior(e.getRetryBehavior()));
        if (e.hasFailure()) {
            Failure cause = toTemporal(e.getFailure());
            if (cause.hasNexusHandlerFailureInfo()) {
                return cause; // the worker already sent the handler error as a Temporal failure
            }
            f.setMessage(cause.getMessage()).setCause(cause);
        } else {
            f.setMessage("handler error (" + e.getErrorType() + ")");
        }
        return f.build();
    }

    private static com.google.protobuf.Struct json(io.temporal.api.nexus.v1.Failure nf) throws InvalidProtocolBufferException {
        com.google.protobuf.Struct.Builder b = com.google.protobuf.Struct.newBuilder();
        JsonFormat.parser().merge(nf.getDetails().toString(StandardCharsets.UTF_8), b);
        return b.build();
    }

    /** A Nexus failure as a Temporal failure (Temporal's NexusFailureToTemporalFailure). */
    static Failure toTemporal(io.temporal.api.nexus.v1.Failure nf) {
        Failure.Builder f = Failure.newBuilder();
        String type = nf.getMetadataOrDefault("type", "");
        try {
            switch (type) {
                case TEMPORAL_FAILURE_TYPE -> JsonFormat.parser().ignoringUnknownFields()
                        .merge(nf.getDetails().toString(StandardCharsets.UTF_8), f);
                case "nexus.HandlerError" -> {
                    var d = json(nf);
                    NexusHandlerFailureInfo.Builder info = NexusHandlerFailureInfo.newBuilder()
                            .setType(d.getFieldsOrDefault("type", com.google.protobuf.Value.getDefaultInstance()).getStringValue());
                    if (d.containsFields("retryableOverride") && d.getFieldsOrThrow("retryableOverride").hasBoolValue()) {
                        info.setRetryBehavior(d.getFieldsOrThrow("retryableOverride").getBoolValue()
                                ? NexusHandlerErrorRetryBehavior.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_RETRYABLE
                                : NexusHandlerErrorRetryBehavior.NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE);
                    }
                    f.setNexusHandlerFailureInfo(info);
                }
                case "nexus.OperationError" -> {
                    var d = json(nf);
                    if ("canceled".equals(d.getFieldsOrDefault("state", com.google.protobuf.Value.getDefaultInstance()).getStringValue())) {
                        f.setCanceledFailureInfo(io.temporal.api.failure.v1.CanceledFailureInfo.getDefaultInstance());
                    } else {
                        f.setApplicationFailureInfo(ApplicationFailureInfo.newBuilder().setType("OperationError").setNonRetryable(true));
                    }
                }
                default -> {
                    if (!nf.getMetadataMap().isEmpty() || !nf.getDetails().isEmpty()) {
                        f.setApplicationFailureInfo(ApplicationFailureInfo.getDefaultInstance());
                    }
                }
            }
        } catch (InvalidProtocolBufferException | RuntimeException malformed) {
            f.clear().setApplicationFailureInfo(ApplicationFailureInfo.getDefaultInstance());
        }
        f.setMessage(nf.getMessage()).setStackTrace(nf.getStackTrace());
        if (nf.hasCause()) {
            f.setCause(toTemporal(nf.getCause()));
        }
        return f.build();
    }
}
