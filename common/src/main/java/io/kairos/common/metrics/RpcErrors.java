package io.kairos.common.metrics;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.temporal.api.enums.v1.ResourceExhaustedScope;
import io.temporal.api.errordetails.v1.ResourceExhaustedFailure;

import java.util.Set;

/**
 * How Temporal's error metrics see a failed call: the Go error type it would have been
 * ({@code serviceerror.NotFound}), whether it is an expected (caller's) error or a service failure, and the
 * breakdown counter it feeds. Read from the gRPC status and its {@code errordetails.v1} detail, the same
 * classification as Temporal's request error handler.
 */
public record RpcErrors(String errorType, boolean expected, String breakdownCounter, String exhaustedCause,
                        String exhaustedScope) {
    /** Codes that are the caller's doing; the rest are service failures unless the detail says otherwise. */
    private static final Set<Status.Code> EXPECTED_CODES = Set.of(Status.Code.CANCELLED, Status.Code.INVALID_ARGUMENT,
            Status.Code.NOT_FOUND, Status.Code.ALREADY_EXISTS, Status.Code.PERMISSION_DENIED,
            Status.Code.FAILED_PRECONDITION, Status.Code.OUT_OF_RANGE, Status.Code.UNAUTHENTICATED);
    /** Error types (detail names) Temporal counts as expected whatever their code. */
    private static final Set<String> EXPECTED_TYPES = Set.of("WorkflowExecutionAlreadyStarted", "WorkflowNotReady",
            "NamespaceNotActive", "NamespaceInvalidState", "NamespaceNotFound", "NamespaceAlreadyExists", "QueryFailed",
            "ClientVersionNotSupported", "ServerVersionNotSupported", "NewerBuildExists", "CancellationAlreadyRequested",
            "PermissionDenied", "StickyWorkerUnavailable", "TaskAlreadyStarted");

    public static RpcErrors of(Status status, Metadata trailers) {
        Any detail = detail(status, trailers);
        String detailName = detail == null ? null : simpleName(detail.getTypeUrl());
        String type = detailName != null && detailName.endsWith("Failure")
                ? detailName.substring(0, detailName.length() - "Failure".length()) : goName(status.getCode());
        String cause = null;
        String scope = null;
        boolean expected = EXPECTED_CODES.contains(status.getCode()) || EXPECTED_TYPES.contains(type);
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
            ResourceExhaustedFailure f = unpack(detail);
            cause = f == null ? "RESOURCE_EXHAUSTED_CAUSE_UNSPECIFIED" : f.getCause().name();
            scope = f == null ? "RESOURCE_EXHAUSTED_SCOPE_UNSPECIFIED" : f.getScope().name();
            // a namespace's own limit is the caller's doing; a system-wide one is the service's
            expected = f != null && f.getScope() == ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE;
        }
        return new RpcErrors("serviceerror." + type, expected, breakdown(status.getCode(), type), cause, scope);
    }

    /** Temporal's per-kind error counters (service_errors_entity_not_found, ...), or null for kinds without one. */
    private static String breakdown(Status.Code code, String type) {
        return switch (type) {
            case "NotFound" -> "service_errors_entity_not_found";
            case "WorkflowExecutionAlreadyStarted" -> "service_errors_execution_already_started";
            case "NamespaceNotActive" -> "service_errors_namespace_not_active";
            default -> switch (code) {
                case INVALID_ARGUMENT -> "service_errors_invalid_argument";
                case RESOURCE_EXHAUSTED -> "service_errors_resource_exhausted";
                case DEADLINE_EXCEEDED -> "service_errors_context_timeout";
                default -> null;
            };
        };
    }

    private static Any detail(Status status, Metadata trailers) {
        if (trailers == null) {
            return null;
        }
        com.google.rpc.Status proto = StatusProto.fromStatusAndTrailers(status, trailers);
        return proto.getDetailsCount() == 0 ? null : proto.getDetails(0);
    }

    private static ResourceExhaustedFailure unpack(Any detail) {
        if (detail == null || !detail.is(ResourceExhaustedFailure.class)) {
            return null;
        }
        try {
            return detail.unpack(ResourceExhaustedFailure.class);
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    private static String simpleName(String typeUrl) {
        return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
    }

    /** The Go serviceerror type Temporal maps a bare status code to (CANCELLED -> Canceled, NOT_FOUND -> NotFound). */
    static String goName(Status.Code code) {
        if (code == Status.Code.CANCELLED) {
            return "Canceled";
        }
        return MetricNames.camel(code.name());
    }
}
