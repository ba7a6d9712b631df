package io.kairos.matching;

import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kairos.common.errors.DeadlineExceededException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.TaskToken;
import io.kairos.proto.history.v1.GetQueryTaskPollResponseRequest;
import io.kairos.proto.matching.v1.QueryWorkflowRequest;
import io.kairos.proto.matching.v1.RespondQueryTaskCompletedRequest;
import io.kairos.proto.matching.v1.RespondQueryTaskCompletedResponse;
import io.temporal.api.workflowservice.v1.QueryWorkflowResponse;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.proto.history.v1.RecordActivityTaskStartedRequest;
import io.kairos.proto.history.v1.RecordWorkflowTaskStartedRequest;
import io.kairos.proto.matching.v1.AddActivityTaskRequest;
import io.kairos.proto.matching.v1.AddActivityTaskResponse;
import io.kairos.proto.matching.v1.AddWorkflowTaskRequest;
import io.kairos.proto.matching.v1.AddWorkflowTaskResponse;
import io.kairos.proto.matching.v1.DescribeMatchingHostRequest;
import io.kairos.proto.matching.v1.DescribeMatchingHostResponse;
import io.kairos.proto.matching.v1.DescribeTaskQueueRequest;
import io.kairos.proto.matching.v1.DispatchNexusTaskRequest;
import io.kairos.proto.matching.v1.DispatchNexusTaskResponse;
import io.kairos.proto.matching.v1.RespondNexusTaskRequest;
import io.kairos.proto.matching.v1.RespondNexusTaskResponse;
import io.temporal.api.workflowservice.v1.PollNexusTaskQueueResponse;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;
import io.kairos.proto.matching.v1.PollActivityTaskQueueRequest;
import io.kairos.proto.matching.v1.PollWorkflowTaskQueueRequest;
import io.kairos.proto.persistence.v1.BacklogTaskInfo;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Internal MatchingService API. Every RPC but DescribeTaskQueue answers from a future, so a long poll holds no
 * thread while it waits.
 */
public final class MatchingServiceHandler extends MatchingServiceGrpc.MatchingServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(MatchingServiceHandler.class);
    /** Temporal's default limit on ids and names. */
    static final int MAX_NAME_LENGTH = 1000;
    /** A poll answers this long before the caller's deadline, so the empty answer arrives in time. */
    static final Duration DEADLINE_MARGIN = Duration.ofSeconds(1);
    /** A query call without a deadline (history always sets one) still ends. */
    static final Duration QUERY_TIMEOUT_WITHOUT_DEADLINE = Duration.ofMinutes(1);

    private final String hostIdentity;
    private final Instant startedAt;
    private final Clock clock;
    private final MatchingEngine engine;
    private final QueryDispatcher queries;
    private final NexusDispatcher nexus;
    private final HistoryClient history;
    private final MatchingConfig config;

    MatchingServiceHandler(String hostIdentity, Clock clock, MatchingEngine engine, QueryDispatcher queries,
                           NexusDispatcher nexus, HistoryClient history, MatchingConfig config) {
        this.queries = queries;
        this.nexus = nexus;
        this.hostIdentity = hostIdentity;
        this.startedAt = clock.instant();
        this.clock = clock;
        this.engine = engine;
        this.history = history;
        this.config = config;
    }

    @Override
    public void describeMatchingHost(DescribeMatchingHostRequest request, StreamObserver<DescribeMatchingHostResponse> observer) {
        observer.onNext(DescribeMatchingHostResponse.newBuilder()
                .setHostIdentity(hostIdentity)
                .setLoadedTaskQueues(engine.loadedQueues())
                .setStartedTime(Timestamps.fromMillis(startedAt.toEpochMilli()))
                .build());
        observer.onCompleted();
    }

    @Override
    public void addWorkflowTask(AddWorkflowTaskRequest request, StreamObserver<AddWorkflowTaskResponse> observer) {
        String rpc = "AddWorkflowTask";
        try {
            TaskQueueKey key = key(request.getNamespaceId(), request.getTaskQueue(), TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
            BacklogTaskInfo info = taskInfo(request.getExecution(), request.getScheduledEventId(), 0, request.getPriority());
            Instant expiry = expiry(request.hasScheduleToStartTimeout() ? request.getScheduleToStartTimeout() : null);
            reply(rpc, observer, engine.addTask(key, kind(request.getTaskQueue()), info, expiry),
                    AddWorkflowTaskResponse.getDefaultInstance());
        } catch (RuntimeException e) {
            observer.onError(MatchingErrors.toStatus(rpc, e));
        }
    }

    @Override
    public void addActivityTask(AddActivityTaskRequest request, StreamObserver<AddActivityTaskResponse> observer) {
        String rpc = "AddActivityTask";
        try {
            TaskQueueKey key = key(request.getNamespaceId(), request.getTaskQueue(), TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
            BacklogTaskInfo info = taskInfo(request.getExecution(), request.getScheduledEventId(), request.getAttempt(),
                    request.getPriority());
            Instant expiry = expiry(request.hasScheduleToStartTimeout() ? request.getScheduleToStartTimeout() : null);
            // activity queues have no sticky variant: the kind only matters for workflow tasks
            reply(rpc, observer, engine.addTask(key, TaskQueueKind.TASK_QUEUE_KIND_NORMAL, info, expiry),
                    AddActivityTaskResponse.getDefaultInstance());
        } catch (RuntimeException e) {
            observer.onError(MatchingErrors.toStatus(rpc, e));
        }
    }

    @Override
    public void pollWorkflowTaskQueue(PollWorkflowTaskQueueRequest request,
                                      StreamObserver<PollWorkflowTaskQueueResponse> observer) {
        String rpc = "PollWorkflowTaskQueue";
        try {
            var poll = request.getPollRequest();
            TaskQueueKey key = key(request.getNamespaceId(), poll.getTaskQueue(), TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
            engine.learnNamespace(key.namespaceId(), poll.getNamespace());
            RecordWorkflowTaskStartedRequest started = RecordWorkflowTaskStartedRequest.newBuilder()
                    .setNamespaceId(request.getNamespaceId())
                    .setPollerId(pollerId(request.getPollerId()))
                    .setPollRequest(poll)
                    .build();
            PollWaiter<PollWorkflowTaskQueueResponse> waiter = new PollWaiter<>(poll.getIdentity(), clock.instant(),
                    pollWait(), PollWorkflowTaskQueueResponse.getDefaultInstance(),
                    task -> history.recordWorkflowTaskStarted(started.toBuilder()
                            .setExecution(task.getExecution())
                            .setScheduledEventId(task.getScheduledEventId())
                            .build()).thenApply(r -> r.toBuilder().setBacklogCountHint(engine.backlogHint(key)).build()),
                    task -> task instanceof QueryTask query
                            ? queryTaskResponse(request.getNamespaceId(), poll.getTaskQueue(), query)
                            : CompletableFuture.failedFuture(new IllegalStateException("not a query task")));
            serve(rpc, key, kind(poll.getTaskQueue()), waiter, null, poll.getTaskQueue().getNormalName(), observer);
        } catch (RuntimeException e) {
            observer.onError(MatchingErrors.toStatus(rpc, e));
        }
    }

    @Override
    public void pollActivityTaskQueue(PollActivityTaskQueueRequest request,
                                      StreamObserver<PollActivityTaskQueueResponse> observer) {
        String rpc = "PollActivityTaskQueue";
        try {
            var poll = request.getPollRequest();
            TaskQueueKey key = key(request.getNamespaceId(), poll.getTaskQueue(), TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
            engine.learnNamespace(key.namespaceId(), poll.getNamespace());
            RecordActivityTaskStartedRequest started = RecordActivityTaskStartedRequest.newBuilder()
                    .setNamespaceId(request.getNamespaceId())
                    .setPollerId(pollerId(request.getPollerId()))
                    .setPollRequest(poll)
                    .build();
            PollWaiter<PollActivityTaskQueueResponse> waiter = new PollWaiter<>(poll.getIdentity(), clock.instant(),
                    pollWait(), PollActivityTaskQueueResponse.getDefaultInstance(),
                    task -> history.recordActivityTaskStarted(started.toBuilder()
                            .setExecution(task.getExecution())
                            .setScheduledEventId(task.getScheduledEventId())
                            .setAttempt(task.getAttempt())
                            .build()));
            Double workerRps = poll.hasTaskQueueMetadata() && poll.getTaskQueueMetadata().hasMaxTasksPerSecond()
                    ? poll.getTaskQueueMetadata().getMaxTasksPerSecond().getValue() : null;
            serve(rpc, key, TaskQueueKind.TASK_QUEUE_KIND_NORMAL, waiter, workerRps, null, observer);
        } catch (RuntimeException e) {
            observer.onError(MatchingErrors.toStatus(rpc, e));
        }
    }

    /** History describes the run for the poll; the token names this query task so the answer finds it. */
    private CompletableFuture<PollWorkflowTaskQueueResponse> queryTaskResponse(String namespaceId, TaskQueue pollQueue,
                                                                               QueryTask query) {
        WorkflowExecution execution = query.request().getExecution();
        return history.getQueryTaskPollResponse(GetQueryTaskPollResponseRequest.newBuilder()
                        .setNamespaceId(namespaceId).setExecution(execution).setPollTaskQueue(pollQueue).build())
                .thenApply(r -> r.toBuilder()
                        .setTaskToken(TaskToken.forQuery(namespaceId, execution.getWorkflowId(), execution.getRunId(),
                                query.id(), query.key().name()).toBytes())
                        .setQuery(query.request().getQuery())
                        .setScheduledTime(Timestamps.fromMillis(query.created().toEpochMilli()))
                        .setStartedTime(Timestamps.fromMillis(clock.millis()))
                        .build());
    }

    /** Waits for a poll and the worker's answer, holding no thread, until the caller's deadline. */
    @Override
    public void queryWorkflow(QueryWorkflowRequest request, StreamObserver<QueryWorkflowResponse> observer) {
        String rpc = "QueryWorkflow";
        try {
            TaskQueueKey key = key(request.getNamespaceId(), request.getTaskQueue(), TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
            if (request.getRequest().getExecution().getWorkflowId().isEmpty()
                    || request.getRequest().getExecution().getRunId().isEmpty()) {
                throw new InvalidArgumentException("Missing workflow execution.");
            }
            QueryTask task = queries.dispatch(key, kind(request.getTaskQueue()), request.getRequest(), queryTimeout());
            if (observer instanceof ServerCallStreamObserver<QueryWorkflowResponse> call) {
                call.setOnCancelHandler(() -> task.fail(new DeadlineExceededException("context canceled")));
            }
            reply(rpc, observer, task.result(), null);
        } catch (RuntimeException e) {
            observer.onError(MatchingErrors.toStatus(rpc, e));
        }
    }

    @Override
    public void respondQueryTaskCompleted(RespondQueryTaskCompletedRequest request,
                                          StreamObserver<RespondQueryTaskCompletedResponse> observer) {
        String rpc = "RespondQueryTaskCompleted";
        try {
            queries.respond(request.getQueryTaskId(), request.getRequest());
            observer.onNext(RespondQueryTaskCompletedResponse.getDefaultInstance());
            observer.onCompleted();
        } catch (RuntimeException e) {
            observer.onError(MatchingErrors.toStatus(rpc, e));
        }
    }

    /**
     * History's outbound queue hands a Nexus request to a poller of the endpoint's queue and waits, holding no thread,
     * for the worker's answer until the request's timeout (or the call's deadline, if sooner).
     */
    @Override
    public void dispatchNexusTask(DispatchNexusTaskRequest request, StreamObserver<DispatchNexusTaskResponse> observer) {
        String rpc = "DispatchNexusTask";
        try {
            TaskQueueKey key = key(request.getNamespaceId(), request.getTaskQueue(), TaskQueueType.TASK_QUEUE_TYPE_NEXUS);
            NexusTask task = nexus.dispatch(key, request.getRequest(),
                    nexusTimeout(request.hasTimeout() ? request.getTimeout() : null));
            if (observer instanceof ServerCallStreamObserver<DispatchNexusTaskResponse> call) {
                call.setOnCancelHandler(() -> task.fail(new DeadlineExceededException("context canceled")));
            }
            reply(rpc, observer, task.result(), null);
        } catch (RuntimeException e) {
            observer.onError(MatchingErrors.toStatus(rpc, e));
        }
    }

    @Override
    public void pollNexusTaskQueue(io.kairos.proto.matching.v1.PollNexusTaskQueueRequest request,
                                   StreamObserver<PollNexusTaskQueueResponse> observer) {
        String rpc = "PollNexusTaskQueue";
        try {
            var poll = request.getRequest();
            TaskQueueKey key = key(request.getNamespaceId(), poll.getTaskQueue(), TaskQueueType.TASK_QUEUE_TYPE_NEXUS);
            engine.learnNamespace(key.namespaceId(), poll.getNamespace());
            PollWaiter<PollNexusTaskQueueResponse> waiter = new PollWaiter<>(poll.getIdentity(), clock.instant(),
                    pollWait(), PollNexusTaskQueueResponse.getDefaultInstance(),
                    // Nexus tasks are never persisted: a Nexus queue has no backlog to start tasks from
                    backlogTask -> CompletableFuture.failedFuture(new IllegalStateException("Nexus queues have no backlog")),
                    task -> task instanceof NexusTask n
                            ? CompletableFuture.completedFuture(nexus.pollResponse(n))
                            : CompletableFuture.failedFuture(new IllegalStateException("not a Nexus task")));
            serve(rpc, key, TaskQueueKind.TASK_QUEUE_KIND_NORMAL, waiter, null, null, observer);
        } catch (RuntimeException e) {
            observer.onError(MatchingErrors.toStatus(rpc, e));
        }
    }

    /** RespondNexusTaskCompleted / RespondNexusTaskFailed; NOT_FOUND once the task timed out or was answered. */
    @Override
    public void respondNexusTask(RespondNexusTaskRequest request, StreamObserver<RespondNexusTaskResponse> observer) {
        String rpc = "RespondNexusTask";
        try {
            nexus.respond(request);
            observer.onNext(RespondNexusTaskResponse.getDefaultInstance());
            observer.onCompleted();
        } catch (RuntimeException e) {
            observer.onError(MatchingErrors.toStatus(rpc, e));
        }
    }

    /**
     * The request's timeout, cut to answer about a second before the call's deadline (as Temporal's matching buffers
     * it), so the caller gets matching's DEADLINE_EXCEEDED; neither set: {@link #QUERY_TIMEOUT_WITHOUT_DEADLINE}.
     */
    private static Duration nexusTimeout(com.google.protobuf.Duration requested) {
        Duration timeout = requested == null ? null : Duration.ofMillis(Math.max(0, Durations.toMillis(requested)));
        Deadline deadline = Context.current().getDeadline();
        if (deadline != null) {
            long remaining = deadline.timeRemaining(TimeUnit.MILLISECONDS);
            long margin = DEADLINE_MARGIN.toMillis();
            Duration byDeadline = Duration.ofMillis(Math.max(0, remaining > 2 * margin ? remaining - margin : remaining / 2));
            if (timeout == null || byDeadline.compareTo(timeout) < 0) {
                timeout = byDeadline;
            }
        }
        return timeout != null ? timeout : QUERY_TIMEOUT_WITHOUT_DEADLINE;
    }

    /** The caller's deadline; without one, a query waits at most {@link #QUERY_TIMEOUT_WITHOUT_DEADLINE}. */
    private static Duration queryTimeout() {
        Deadline deadline = Context.current().getDeadline();
        if (deadline == null) {
            return QUERY_TIMEOUT_WITHOUT_DEADLINE;
        }
        return Duration.ofMillis(Math.max(0, deadline.timeRemaining(TimeUnit.MILLISECONDS)));
    }

    @Override
    public void describeTaskQueue(DescribeTaskQueueRequest request, StreamObserver<DescribeTaskQueueResponse> observer) {
        String rpc = "DescribeTaskQueue";
        try {
            var r = request.getRequest();
            TaskQueueType type = r.getTaskQueueType() == TaskQueueType.TASK_QUEUE_TYPE_UNSPECIFIED
                    ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : r.getTaskQueueType();
            TaskQueueKey key = key(request.getNamespaceId(), r.getTaskQueue(), type);
            observer.onNext(engine.describe(key, r.getIncludeTaskQueueStatus(), r.getReportStats(), r.getReportConfig()));
            observer.onCompleted();
        } catch (RuntimeException e) {
            observer.onError(MatchingErrors.toStatus(rpc, e));
        }
    }

    @Override
    public void updateTaskQueueConfig(io.kairos.proto.matching.v1.UpdateTaskQueueConfigRequest request,
                                      StreamObserver<UpdateTaskQueueConfigResponse> observer) {
        String rpc = "UpdateTaskQueueConfig";
        try {
            var r = request.getRequest();
            TaskQueueType type = r.getTaskQueueType();
            if (type == TaskQueueType.UNRECOGNIZED) {
                throw new InvalidArgumentException("Unknown task queue type.");
            }
            NamespaceId ns = key(request.getNamespaceId(), TaskQueue.newBuilder().setName(r.getTaskQueue()).build(),
                    TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW).namespaceId();
            reply(rpc, observer, engine.updateConfig(ns, r.getTaskQueue(), type,
                            TaskQueueConfigUpdate.of(r, clock.instant()))
                    .thenApply(c -> UpdateTaskQueueConfigResponse.newBuilder().setConfig(c).build()), null);
        } catch (RuntimeException e) {
            observer.onError(MatchingErrors.toStatus(rpc, e));
        }
    }

    @Override
    public void shutdownStickyQueue(io.kairos.proto.matching.v1.ShutdownStickyQueueRequest request,
                                    StreamObserver<io.kairos.proto.matching.v1.ShutdownStickyQueueResponse> observer) {
        String rpc = "ShutdownStickyQueue";
        try {
            TaskQueueKey key = key(request.getNamespaceId(), TaskQueue.newBuilder().setName(request.getStickyTaskQueue())
                    .setKind(TaskQueueKind.TASK_QUEUE_KIND_STICKY).build(), TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
            engine.shutdownStickyQueue(key);
            observer.onNext(io.kairos.proto.matching.v1.ShutdownStickyQueueResponse.getDefaultInstance());
            observer.onCompleted();
        } catch (RuntimeException e) {
            observer.onError(MatchingErrors.toStatus(rpc, e));
        }
    }

    /** Frees the poll's slot when the caller goes away, and answers it when its future completes. */
    /** @param normalName a sticky poll's normal queue (its metrics' taskqueue tag), else null */
    private <R extends Message> void serve(String rpc, TaskQueueKey key, TaskQueueKind kind, PollWaiter<R> waiter,
                                           Double workerRps, String normalName, StreamObserver<R> observer) {
        if (observer instanceof ServerCallStreamObserver<R> call) {
            call.setOnCancelHandler(waiter::cancel);
        }
        reply(rpc, observer, waiter.result(), null);
        engine.poll(key, kind, waiter, workerRps, normalName);
    }

    /** Sends the future's result, or {@code ack} for a Void future. */
    private static <R, T> void reply(String rpc, StreamObserver<R> observer, CompletableFuture<T> result, R ack) {
        result.whenComplete((value, error) -> {
            if (observer instanceof ServerCallStreamObserver<R> call && call.isCancelled()) {
                return;
            }
            try {
                if (error != null) {
                    observer.onError(MatchingErrors.toStatus(rpc, error));
                } else {
                    @SuppressWarnings("unchecked")
                    R response = ack != null ? ack : (R) value;
                    observer.onNext(response);
                    observer.onCompleted();
                }
            } catch (RuntimeException e) {
                // the call ended between the check and the send
                log.debug("component=matching rpc={} msg=\"could not answer, call ended\" error=\"{}\"", rpc, e.getMessage());
            }
        });
    }

    /**
     * At most the long-poll timeout, and answered about a second before the caller's deadline (half the
     * remaining time when that is under two seconds), so the caller gets the empty response, not DEADLINE_EXCEEDED.
     */
    private Duration pollWait() {
        Duration wait = config.longPollTimeout();
        Deadline deadline = Context.current().getDeadline();
        if (deadline != null) {
            long remaining = deadline.timeRemaining(TimeUnit.MILLISECONDS);
            long margin = DEADLINE_MARGIN.toMillis();
            long answerIn = remaining > 2 * margin ? remaining - margin : remaining / 2;
            Duration byDeadline = Duration.ofMillis(Math.max(0, answerIn));
            if (byDeadline.compareTo(wait) < 0) {
                wait = byDeadline;
            }
        }
        return wait;
    }

    private static TaskQueueKey key(String namespaceId, TaskQueue taskQueue, TaskQueueType type) {
        NamespaceId ns;
        try {
            ns = NamespaceId.parse(namespaceId);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("Invalid namespace id: '" + namespaceId + "'.");
        }
        String name = taskQueue.getName();
        if (name.isEmpty()) {
            throw new InvalidArgumentException("Missing task queue name.");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new InvalidArgumentException("Task queue name exceeds length limit.");
        }
        if (type == TaskQueueType.UNRECOGNIZED) {
            throw new InvalidArgumentException("Unknown task queue type.");
        }
        return new TaskQueueKey(ns, name, type);
    }

    private static TaskQueueKind kind(TaskQueue taskQueue) {
        return taskQueue.getKind() == TaskQueueKind.TASK_QUEUE_KIND_STICKY
                ? TaskQueueKind.TASK_QUEUE_KIND_STICKY : TaskQueueKind.TASK_QUEUE_KIND_NORMAL;
    }

    private BacklogTaskInfo taskInfo(WorkflowExecution execution, long scheduledEventId, int attempt, int priority) {
        if (execution.getWorkflowId().isEmpty()) {
            throw new InvalidArgumentException("Missing workflow execution.");
        }
        if (scheduledEventId <= 0) {
            throw new InvalidArgumentException("Invalid scheduled event id: " + scheduledEventId + ".");
        }
        return BacklogTaskInfo.newBuilder()
                .setExecution(execution)
                .setScheduledEventId(scheduledEventId)
                .setAttempt(attempt)
                .setPriority(priority)
                .setCreatedTime(Timestamps.fromMillis(clock.millis()))
                .build();
    }

    /** The backlog entry's deadline: now + schedule-to-start, or null (never) when it is unset or zero. */
    private Instant expiry(com.google.protobuf.Duration scheduleToStart) {
        if (scheduleToStart == null) {
            return null;
        }
        long millis = Durations.toMillis(scheduleToStart);
        return millis <= 0 ? null : clock.instant().plusMillis(millis);
    }

    /** The frontend sends one id per poll; a caller that does not still needs a unique one. */
    private static String pollerId(String requested) {
        return requested.isEmpty() ? UUID.randomUUID().toString() : requested;
    }
}
