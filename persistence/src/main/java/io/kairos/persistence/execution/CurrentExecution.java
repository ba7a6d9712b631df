package io.kairos.persistence.execution;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;

import java.time.Instant;
import java.util.UUID;

/** The current_executions row: which run of a workflow id is current, and whether it is still running. */
public record CurrentExecution(UUID runId, String createRequestId, boolean running, WorkflowExecutionStatus status,
                               Instant startTime) {
}
