package io.kairos.matching;

import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.proto.matching.v1.DispatchNexusTaskResponse;
import io.temporal.api.nexus.v1.Request;

import java.time.Instant;

/**
 * One Nexus task (Temporal's matching DispatchNexusTask): in memory only, handed to a Nexus poll of its queue and
 * answered by the worker's RespondNexusTaskCompleted / RespondNexusTaskFailed before {@link #deadline()}.
 */
final class NexusTask extends MemoryTask<DispatchNexusTaskResponse> {
    private final Request request;
    private final Instant deadline;

    NexusTask(String id, TaskQueueKey key, Request request, Instant created, Instant deadline) {
        super(id, key, created);
        this.request = request;
        this.deadline = deadline;
    }

    Request request() {
        return request;
    }

    /** When its dispatcher stops waiting: the worker is told the time left as the request-timeout header. */
    Instant deadline() {
        return deadline;
    }
}
