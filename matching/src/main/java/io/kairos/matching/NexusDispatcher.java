package io.kairos.matching;

import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
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
    /** History's operation-timeout header (the operation's time left), rewritten at hand-over as Temporal does. */
    static final String OPERATION_TIMEOUT = "operation-timeout";
    static final String NOT_FOUND = "Nexus task not found or already expired";

    private final MemoryTasks<NexusTask> tasks;
    private final Clock clock;
    private final MatchingMetrics metrics;

    NexusDispatcher(MatchingEngine engine, Executor executor, ScheduledExecutorService timer, Clock clock,
                    MatchingMetrics metrics) {
        this.tasks = new MemoryTasks<>(engine, executor, timer);
        this.clock = clock;
        this.metrics = metrics;
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
        // as Temporal: an unparsable operation-timeout is passed on untouched, not refused (the header is optional)
        Duration operationTimeout = GoDuration.parse(header(request, OPERATION_TIMEOUT));
        return tasks.start(new NexusTask(UUID.randomUUID().toString(), key, request, now, now.plus(timeout),
                operationTimeout == null ? null : now.plus(operationTimeout)), TaskQueueKind.TASK_QUEUE_KIND_NORMAL, timeout);
    }

    /**
     * What the poll that took the task answers: its token, and the request with the time left before the dispatcher
     * stops waiting in its request-timeout headers (as Temporal's matching, both spellings, Go's duration text) and,
     * when history gave one, the operation's time left in its operation-timeout header (in milliseconds, "1500ms").
     */
    PollNexusTaskQueueResponse pollResponse(NexusTask task) {
        var now = clock.instant();
        String left = GoDuration.format(Duration.between(now, task.deadline()));
        Request.Builder request = task.request().toBuilder()
                .putHeader(REQUEST_TIMEOUT, left)
                .putHeader(REQUEST_TIMEOUT_CAPITALIZED, left);
        if (task.operationDeadline() != null) {
            task.request().getHeaderMap().keySet().stream().filter(OPERATION_TIMEOUT::equalsIgnoreCase)
                    .forEach(request::removeHeader);
            request.putHeader(OPERATION_TIMEOUT, Duration.between(now, task.operationDeadline()).toMillis() + "ms");
        }
        return PollNexusTaskQueueResponse.newBuilder()
                .setTaskToken(new NexusTaskToken(task.key().namespaceId(), task.key().name(), task.id()).toBytes())
                .setRequest(request)
                .build();
    }

    /** A Nexus header, whatever its case (Nexus headers are case-insensitive); null when absent. */
    private static String header(Request request, String name) {
        for (var e : request.getHeaderMap().entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    /**
     * The worker's answer; NOT_FOUND when the task already ended (timed out, cancelled, answered).
     *
     * @param namespaceId the request's, already parsed
     */
    void respond(NamespaceId namespaceId, RespondNexusTaskRequest answer) {
        DispatchNexusTaskResponse.Builder outcome = DispatchNexusTaskResponse.newBuilder();
        switch (answer.getOutcomeCase()) {
            case RESPONSE -> outcome.setResponse(answer.getResponse());
            case HANDLER_ERROR -> outcome.setHandlerError(answer.getHandlerError());
            case FAILURE -> outcome.setFailure(answer.getFailure());
            default -> throw new InvalidArgumentException("Missing Nexus task response or error.");
        }
        // the frontend's two RPCs are one internal call: the answer tells which one it was
        String operation = answer.hasResponse() ? "RespondNexusTaskCompleted" : "RespondNexusTaskFailed";
        metrics.nexusTaskRequest(namespaceId, operation);
        NexusTask task = tasks.find(answer.getNexusTaskId());
        if (task == null || !task.answer(outcome.build())) {
            metrics.respondNexusFailed(namespaceId, answer.getTaskQueue(), operation);
            throw new NotFoundException(NOT_FOUND);
        }
    }

    /** A Nexus poll arrived (nexus_task_requests). */
    void polled(NamespaceId namespaceId) {
        metrics.nexusTaskRequest(namespaceId, "PollNexusTaskQueue");
    }
}
