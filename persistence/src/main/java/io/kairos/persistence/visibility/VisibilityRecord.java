package io.kairos.persistence.visibility;

import java.time.Instant;
import java.util.UUID;

/**
 * One row of executions_visibility. {@code searchAttributes} is a JSON object (name to JSON value);
 * {@code version} orders writes of one run: a lower version never overwrites a higher one.
 */
public record VisibilityRecord(UUID namespaceId, UUID runId, String workflowId, String workflowType,
                               Instant startTime, Instant executionTime, Instant closeTime, int status,
                               Long historyLength, Long historySizeBytes, Long executionDuration,
                               Long stateTransitionCount, String taskQueue, String parentWorkflowId, UUID parentRunId,
                               String rootWorkflowId, UUID rootRunId, byte[] memo, String memoEncoding,
                               String searchAttributes, String namespaceDivision, long version) {
}
