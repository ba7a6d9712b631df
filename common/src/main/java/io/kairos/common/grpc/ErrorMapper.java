package io.kairos.common.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.kairos.common.errors.ApiException;
import io.kairos.common.errors.DeadlineExceededException;
import io.kairos.common.errors.FailedPreconditionException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NamespaceAlreadyExistsException;
import io.kairos.common.errors.NamespaceInvalidStateException;
import io.kairos.common.errors.NamespaceNotFoundException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.errors.OwnershipMovedException;
import io.kairos.proto.cluster.v1.OwnershipMovedFailure;
import io.kairos.common.errors.QueryFailedException;
import io.kairos.common.errors.Retryable;
import io.kairos.common.errors.WorkflowAlreadyStartedException;
import io.kairos.common.errors.WorkflowNotReadyException;
import io.kairos.common.errors.ResourceExhaustedException;
import io.kairos.common.errors.UnavailableException;
import io.temporal.api.errordetails.v1.NamespaceAlreadyExistsFailure;
import io.temporal.api.errordetails.v1.NamespaceInvalidStateFailure;
import io.temporal.api.errordetails.v1.NamespaceNotFoundFailure;
import io.temporal.api.errordetails.v1.NotFoundFailure;
import io.temporal.api.errordetails.v1.QueryFailedFailure;
import io.temporal.api.errordetails.v1.WorkflowNotReadyFailure;
import io.temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure;
import io.temporal.api.errordetails.v1.ResourceExhaustedFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * The one place where exceptions become gRPC statuses, with Temporal's errordetails.v1 payloads. Anything
 * unexpected becomes INTERNAL with an error id that is also in the log line explaining it.
 */
public final class ErrorMapper {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

    private ErrorMapper() {
    }

    public static StatusRuntimeException toStatus(String method, Throwable t) {
        if (t instanceof StatusRuntimeException sre) {
            return sre;
        }
        if (t instanceof ApiException api) {
            return fromApi(api);
        }
        if (t instanceof io.kairos.common.errors.RejectedValue) {
            log.warn("rpc={} outcome=invalid_argument cause=database_refused_value msg=\"{}\"", method,
                    ErrorText.bound(t.getMessage(), 1000));
            return status(Code.INVALID_ARGUMENT, "A value of the request cannot be stored.", null);
        }
        if (t instanceof Retryable) {
            log.warn("rpc={} outcome=unavailable msg=\"{}\"", method, t.getMessage());
            return status(Code.UNAVAILABLE, "Persistence unavailable: " + t.getMessage(), null);
        }
        String errorId = UUID.randomUUID().toString().substring(0, 8);
        log.error("rpc={} outcome=internal_error error_id={}", method, errorId, t);
        return status(Code.INTERNAL, "internal error (" + errorId + "), see the server log", null);
    }

    private static StatusRuntimeException fromApi(ApiException e) {
        return switch (e) {
            case InvalidArgumentException x -> status(Code.INVALID_ARGUMENT, x.getMessage(), null);
            case FailedPreconditionException x -> status(Code.FAILED_PRECONDITION, x.getMessage(), null);
            case UnavailableException x -> status(Code.UNAVAILABLE, x.getMessage(), null);
            case NamespaceNotFoundException x -> status(Code.NOT_FOUND, x.getMessage(),
                    NamespaceNotFoundFailure.newBuilder().setNamespace(x.namespace()).build());
            case NamespaceAlreadyExistsException x -> status(Code.ALREADY_EXISTS, x.getMessage(),
                    NamespaceAlreadyExistsFailure.getDefaultInstance());
            case NamespaceInvalidStateException x -> status(Code.FAILED_PRECONDITION, x.getMessage(),
                    NamespaceInvalidStateFailure.newBuilder().setNamespace(x.namespace()).setState(x.state())
                            .addAllAllowedStates(x.allowed()).build());
            case NotFoundException x -> status(Code.NOT_FOUND, x.getMessage(), NotFoundFailure.getDefaultInstance());
            case io.kairos.common.errors.AlreadyExistsException x -> status(Code.ALREADY_EXISTS, x.getMessage(), null);
            case WorkflowAlreadyStartedException x -> status(Code.ALREADY_EXISTS, x.getMessage(),
                    switch (x.archetype()) {
                        case NEXUS_OPERATION -> io.temporal.api.errordetails.v1.NexusOperationExecutionAlreadyStartedFailure
                                .newBuilder().setStartRequestId(x.startRequestId()).setRunId(x.runId()).build();
                        case ACTIVITY -> io.temporal.api.errordetails.v1.ActivityExecutionAlreadyStartedFailure
                                .newBuilder().setStartRequestId(x.startRequestId()).setRunId(x.runId()).build();
                        case WORKFLOW -> WorkflowExecutionAlreadyStartedFailure.newBuilder()
                                .setStartRequestId(x.startRequestId()).setRunId(x.runId()).build();
                    });
            case ResourceExhaustedException x -> status(Code.RESOURCE_EXHAUSTED, x.getMessage(),
                    ResourceExhaustedFailure.newBuilder().setCause(x.resourceCause()).build());
            case DeadlineExceededException x -> status(Code.DEADLINE_EXCEEDED, x.getMessage(), null);
            case QueryFailedException x -> status(Code.INVALID_ARGUMENT, x.getMessage(), x.failure() == null
                    ? QueryFailedFailure.getDefaultInstance() : QueryFailedFailure.newBuilder().setFailure(x.failure()).build());
            case WorkflowNotReadyException x -> status(Code.FAILED_PRECONDITION, x.getMessage(),
                    WorkflowNotReadyFailure.getDefaultInstance());
            case io.kairos.common.errors.PermissionDeniedException x -> status(Code.PERMISSION_DENIED, x.getMessage(),
                    io.temporal.api.errordetails.v1.PermissionDeniedFailure.getDefaultInstance());
            case io.kairos.common.errors.MultiOperationExecutionException x -> multiOperation(x);
            case OwnershipMovedException x -> status(Code.UNAVAILABLE, x.getMessage(),
                    OwnershipMovedFailure.newBuilder().setRole(x.role()).setOwnerAddress(x.ownerAddress()).build());
        };
    }

    /** The OwnershipMovedFailure of a status (another host's answer), or null. */
    public static OwnershipMovedFailure ownershipMoved(StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
            return null;
        }
        com.google.rpc.Status s = StatusProto.fromThrowable(e);
        if (s == null) {
            return null;
        }
        for (Any d : s.getDetailsList()) {
            if (d.is(OwnershipMovedFailure.class)) {
                try {
                    return d.unpack(OwnershipMovedFailure.class);
                } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
                    return null;
                }
            }
        }
        return null;
    }

    /**
     * The other direction, for one service calling another: a status a peer answered becomes the exception the
     * peer's handler threw, so engine code catches the same types whether the target was local or remote. Statuses
     * without a matching type come back as they are.
     */
    public static RuntimeException fromStatus(StatusRuntimeException e) {
        com.google.rpc.Status s = StatusProto.fromThrowable(e);
        String message = e.getStatus().getDescription() == null ? "" : e.getStatus().getDescription();
        java.util.List<Any> details = s == null ? java.util.List.of() : s.getDetailsList();
        try {
            return switch (e.getStatus().getCode()) {
                case NOT_FOUND -> {
                    for (Any d : details) {
                        if (d.is(NamespaceNotFoundFailure.class)) {
                            yield new NamespaceNotFoundException(d.unpack(NamespaceNotFoundFailure.class).getNamespace());
                        }
                    }
                    yield new NotFoundException(message);
                }
                case ALREADY_EXISTS -> {
                    for (Any d : details) {
                        if (d.is(WorkflowExecutionAlreadyStartedFailure.class)) {
                            var f = d.unpack(WorkflowExecutionAlreadyStartedFailure.class);
                            yield new WorkflowAlreadyStartedException(message, f.getStartRequestId(), f.getRunId());
                        }
                        if (d.is(io.temporal.api.errordetails.v1.ActivityExecutionAlreadyStartedFailure.class)) {
                            var f = d.unpack(io.temporal.api.errordetails.v1.ActivityExecutionAlreadyStartedFailure.class);
                            yield new WorkflowAlreadyStartedException(message, f.getStartRequestId(), f.getRunId(),
                                    WorkflowAlreadyStartedException.Archetype.ACTIVITY);
                        }
                        if (d.is(io.temporal.api.errordetails.v1.NexusOperationExecutionAlreadyStartedFailure.class)) {
                            var f = d.unpack(io.temporal.api.errordetails.v1.NexusOperationExecutionAlreadyStartedFailure.class);
                            yield new WorkflowAlreadyStartedException(message, f.getStartRequestId(), f.getRunId(),
                                    WorkflowAlreadyStartedException.Archetype.NEXUS_OPERATION);
                        }
                    }
                    yield e;
                }
                case INVALID_ARGUMENT -> details.isEmpty() ? new InvalidArgumentException(message) : e;
                case UNAVAILABLE -> new UnavailableException(message, e);
                default -> e;
            };
        } catch (com.google.protobuf.InvalidProtocolBufferException bad) {
            return e;
        }
    }

    /**
     * Temporal's MultiOperationExecution status: one status per operation in MultiOperationExecutionFailure; the
     * whole call takes the code of the first operation that failed (not OK, not aborted), else ABORTED.
     */
    private static StatusRuntimeException multiOperation(io.kairos.common.errors.MultiOperationExecutionException e) {
        var failure = io.temporal.api.errordetails.v1.MultiOperationExecutionFailure.newBuilder();
        Code code = null;
        for (Throwable op : e.operationErrors()) {
            var st = io.temporal.api.errordetails.v1.MultiOperationExecutionFailure.OperationStatus.newBuilder();
            if (op == io.kairos.common.errors.MultiOperationExecutionException.ABORTED) {
                st.setCode(Code.ABORTED.getNumber()).setMessage(op.getMessage())
                        .addDetails(Any.pack(io.temporal.api.failure.v1.MultiOperationExecutionAborted.getDefaultInstance()));
            } else if (op != null) {
                com.google.rpc.Status s = StatusProto.fromThrowable(toStatus("MultiOperation", op));
                if (s == null) {
                    Status plain = Status.fromThrowable(op);
                    s = com.google.rpc.Status.newBuilder().setCode(plain.getCode().value())
                            .setMessage(plain.getDescription() == null ? "" : plain.getDescription()).build();
                }
                st.setCode(s.getCode()).setMessage(ErrorText.bound(s.getMessage(), ErrorText.BUDGET / 4))
                        .addAllDetails(s.getDetailsList());
                if (code == null && s.getCode() != Code.OK.getNumber()) {
                    code = Code.forNumber(s.getCode());
                }
            }
            failure.addStatuses(st);
        }
        return status(code == null ? Code.ABORTED : code, e.getMessage(), failure.build());
    }

    static StatusRuntimeException status(Code code, String message, Message detail) {
        com.google.rpc.Status.Builder s = com.google.rpc.Status.newBuilder().setCode(code.getNumber())
                .setMessage(ErrorText.bound(message));
        if (detail != null) {
            s.addDetails(Any.pack(detail));
        }
        return StatusProto.toStatusRuntimeException(s.build());
    }

    /** For code paths that must answer with a plain status (interceptors). */
    public static StatusRuntimeException unavailable(String message) {
        return Status.UNAVAILABLE.withDescription(message).asRuntimeException();
    }
}
