package io.kairos.matching;

import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NexusTaskToken;
import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.proto.matching.v1.DispatchNexusTaskResponse;
import io.kairos.proto.matching.v1.RespondNexusTaskRequest;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.nexus.v1.Request;
import io.temporal.api.workflowservice.v1.PollNexusTaskQueueResponse;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Nexus tasks (Temporal's matching DispatchNexusTask / PollNexusTaskQueue / RespondNexusTaskCompleted / Failed): a
 * start or cancel request is offered to a Nexus poll of its queue, never persisted, and waits for the worker's answer
 * until its timeout (DEADLINE_EXCEEDED; the task is then forgotten and a late answer is NOT_FOUND).
 */
final class NexusDispatcher {
    /** The header Temporal's matching sets to the time left (Go duration text); Java SDKs read the capitalized one. */
    static final String REQUEST_TIMEOUT = "request-timeout";
    static final String REQUEST_TIMEOUT_CAPITALIZED = "Request-Timeout";
    static final String NOT_FOUND = "Nexus task not found or already expired";

    private final MemoryTasks<NexusTask> tasks;
    private final Clock clock;

    NexusDispatcher(MatchingEngine engine, Executor executor, ScheduledExecutorService timer, Clock clock) {
        this.tasks = new MemoryTasks<>(engine, executor, timer);
        this.clock = clock;
    }

    /** Nexus tasks waiting for a poll or an answer (tests check that none is left behind). */
    int inFlight() {
        return tasks.inFlight();
    }

    /** Starts a Nexus task; its task (for cancelling) is returned at once, the answer completes its result. */
    NexusTask dispatch(TaskQueueKey key, Request request, Duration timeout) {
        if (request.getVariantCase() == Request.VariantCase.VARIANT_NOT_SET) {
            throw new InvalidArgumentException("Nexus request has neither a start nor a cancel operation.");
        }
        var now = clock.instant();
        return tasks.start(new NexusTask(UUID.randomUUID().toString(), key, request, now, now.plus(timeout)),
                TaskQueueKind.TASK_QUEUE_KIND_NORMAL, timeout);
    }

    /**
     * What the poll that took the task answers: its token, and the request with the time left before the dispatcher
     * stops waiting in its request-timeout headers (as Temporal's matching, both spellings).
     */
    PollNexusTaskQueueResponse pollResponse(NexusTask task) {
        String left = GoDuration.format(Duration.between(clock.instant(), task.deadline()));
        return PollNexusTaskQueueResponse.newBuilder()
                .setTaskToken(new NexusTaskToken(task.key().namespaceId(), task.key().name(), task.id()).toBytes())
                .setRequest(task.request().toBuilder()
                        .putHeader(REQUEST_TIMEOUT, left)
                        .putHeader(REQUEST_TIMEOUT_CAPITALIZED, left))
                .build();
    }

    /** The worker's answer; NOT_FOUND when the task already ended (timed out, cancelled, answered). */
    void respond(RespondNexusTaskRequest answer) {
        DispatchNexusTaskResponse.Builder outcome = DispatchNexusTaskResponse.newBuilder();
        switch (answer.getOutcomeCase()) {
            case RESPONSE -> outcome.setResponse(answer.getResponse());
            case HANDLER_ERROR -> outcome.setHandlerError(answer.getHandlerError());
            case FAILURE -> outcome.setFailure(answer.getFailure());
            default -> throw new InvalidArgumentException("Missing Nexus task response or error.");
        }
        NexusTask task = tasks.find(answer.getNexusTaskId());
        if (task == null || !task.answer(outcome.build())) {
            throw new NotFoundException(NOT_FOUND);
        }
    }
}
