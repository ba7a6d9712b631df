package io.kairos.common.errors;

/**
 * An error a caller can act on, carrying the gRPC code and, where Temporal sends one, its error detail.
 * Thrown anywhere below the edge; translated to a gRPC status only by the frontend's error mapper.
 */
public abstract sealed class ApiException extends RuntimeException
        permits InvalidArgumentException, NamespaceNotFoundException, NamespaceAlreadyExistsException,
                FailedPreconditionException, ResourceExhaustedException, UnavailableException,
                NamespaceInvalidStateException, NotFoundException, WorkflowAlreadyStartedException,
                DeadlineExceededException, QueryFailedException, WorkflowNotReadyException,
                PermissionDeniedException, MultiOperationExecutionException, OwnershipMovedException,
                AlreadyExistsException {
    protected ApiException(String message) {
        super(message, null, false, false);
    }

    protected ApiException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
