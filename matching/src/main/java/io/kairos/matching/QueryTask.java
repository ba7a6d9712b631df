package io.kairos.matching;

import io.kairos.persistence.matching.TaskQueueKey;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.api.workflowservice.v1.QueryWorkflowResponse;

import java.time.Instant;

/** One legacy query task: in memory only, like Temporal's, answered by the worker's RespondQueryTaskCompleted. */
final class QueryTask extends MemoryTask<QueryWorkflowResponse> {
    private final QueryWorkflowRequest request;

    QueryTask(String id, TaskQueueKey key, QueryWorkflowRequest request, Instant created) {
        super(id, key, created);
        this.request = request;
    }

    QueryWorkflowRequest request() {
        return request;
    }
}
