package io.kairos.common.ids;

import java.util.Objects;
import java.util.UUID;

/** One workflow run: namespace id, workflow id, run id. */
public record WorkflowKey(NamespaceId namespaceId, String workflowId, UUID runId) {
    public WorkflowKey {
        Objects.requireNonNull(namespaceId, "namespaceId");
        Objects.requireNonNull(workflowId, "workflowId");
        Objects.requireNonNull(runId, "runId");
    }

    @Override
    public String toString() {
        return namespaceId + "/" + workflowId + "/" + runId;
    }
}
