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
    private final Instant operationDeadline;

    /** @param operationDeadline from the request's operation-timeout header at dispatch; null without one */
    NexusTask(String id, TaskQueueKey key, Request request, Instant created, Instant deadline,
              Instant operationDeadline) {
        super(id, key, created);
        this.request = request;
        this.deadline = deadline;
        this.operationDeadline = operationDeadline;
    }

    Request request() {
        return request;
    }

    /** When its dispatcher stops waiting: the worker is told the time left as the request-timeout header. */
    Instant deadline() {
        return deadline;
    }

    /** When the operation's schedule-to-close ends (the worker is told the time left); null when not given. */
    Instant operationDeadline() {
        return operationDeadline;
    }
}
