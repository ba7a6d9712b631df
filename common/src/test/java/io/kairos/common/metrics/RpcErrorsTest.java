package io.kairos.common.metrics;

import com.google.protobuf.Any;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.temporal.api.enums.v1.ResourceExhaustedCause;
import io.temporal.api.enums.v1.ResourceExhaustedScope;
import io.temporal.api.errordetails.v1.ResourceExhaustedFailure;
import io.temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RpcErrorsTest {
    @Test
    void bareCodesMapToTemporalsServiceErrorTypes() {
        RpcErrors notFound = RpcErrors.of(Status.NOT_FOUND, new Metadata());
        assertEquals("serviceerror.NotFound", notFound.errorType());
        assertTrue(notFound.expected());
        assertEquals("service_errors_entity_not_found", notFound.breakdownCounter());

        RpcErrors invalid = RpcErrors.of(Status.INVALID_ARGUMENT, null);
        assertEquals("serviceerror.InvalidArgument", invalid.errorType());
        assertTrue(invalid.expected());
        assertEquals("service_errors_invalid_argument", invalid.breakdownCounter());

        assertEquals("serviceerror.Canceled", RpcErrors.of(Status.CANCELLED, null).errorType());

        RpcErrors unavailable = RpcErrors.of(Status.UNAVAILABLE, null);
        assertEquals("serviceerror.Unavailable", unavailable.errorType());
        assertFalse(unavailable.expected(), "a service failure counts in service_errors");
        assertNull(unavailable.breakdownCounter());
        assertFalse(RpcErrors.of(Status.INTERNAL, null).expected());
        assertEquals("service_errors_context_timeout", RpcErrors.of(Status.DEADLINE_EXCEEDED, null).breakdownCounter());
    }

    @Test
    void theErrorDetailNamesTheType() {
        RpcErrors started = RpcErrors.of(Status.ALREADY_EXISTS, trailers(Status.ALREADY_EXISTS,
                WorkflowExecutionAlreadyStartedFailure.newBuilder().setRunId("r").build()));
        assertEquals("serviceerror.WorkflowExecutionAlreadyStarted", started.errorType());
        assertTrue(started.expected());
        assertEquals("service_errors_execution_already_started", started.breakdownCounter());
    }

    @Test
    void resourceExhaustedIsTheCallersOnlyWithinItsNamespace() {
        RpcErrors namespace = RpcErrors.of(Status.RESOURCE_EXHAUSTED, trailers(Status.RESOURCE_EXHAUSTED,
                ResourceExhaustedFailure.newBuilder().setCause(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT)
                        .setScope(ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE).build()));
        assertTrue(namespace.expected());
        assertEquals("service_errors_resource_exhausted", namespace.breakdownCounter());
        assertEquals("RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT", namespace.exhaustedCause());
        assertEquals("RESOURCE_EXHAUSTED_SCOPE_NAMESPACE", namespace.exhaustedScope());

        RpcErrors system = RpcErrors.of(Status.RESOURCE_EXHAUSTED, trailers(Status.RESOURCE_EXHAUSTED,
                ResourceExhaustedFailure.newBuilder().setCause(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT)
                        .setScope(ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_SYSTEM).build()));
        assertFalse(system.expected());
        assertEquals("serviceerror.ResourceExhausted", system.errorType());
    }

    private static Metadata trailers(Status status, com.google.protobuf.Message detail) {
        com.google.rpc.Status proto = com.google.rpc.Status.newBuilder().setCode(status.getCode().value())
                .setMessage("x").addDetails(Any.pack(detail)).build();
        return StatusProto.toStatusException(proto).getTrailers();
    }
}
