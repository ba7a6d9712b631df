package io.kairos.history.engine;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.persistence.execution.CurrentExecution;
import io.kairos.proto.persistence.v1.ActivityInfo;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.HistoryPageToken;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.HistoryEventFilterType;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.enums.v1.PendingWorkflowTaskState;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflow.v1.PendingWorkflowTaskInfo;
import io.temporal.api.workflow.v1.WorkflowExecutionConfig;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryReverseRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryReverseResponse;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** GetWorkflowExecutionHistory (paging, long poll, close-event filter) and DescribeWorkflowExecution. */
public final class HistoryReads {
    static final int DEFAULT_PAGE_SIZE = 256;
    static final int MAX_PAGE_SIZE = 1000;
    /** Temporal's frontend.longPollExpirationInterval for history long polls. */
    static final Duration LONG_POLL = Duration.ofSeconds(20);

    private final WorkflowUpdater updater;

    public HistoryReads(WorkflowUpdater updater) {
        this.updater = updater;
    }

    public GetWorkflowExecutionHistoryResponse history(NamespaceId ns, GetWorkflowExecutionHistoryRequest req, Duration deadline) {
        HistoryPageToken token = parseToken(req.getNextPageToken());
        String runId = !token.getRunId().isEmpty() ? token.getRunId() : req.getExecution().getRunId();
        WorkflowKey key = resolve(ns, req.getExecution().getWorkflowId(), runId);
        ShardId shard = updater.shards().contextFor(ns, key.workflowId()).shardId();
        long waitUntil = System.nanoTime() + Math.min(LONG_POLL.toNanos(), Math.max(0, deadline.toNanos() - 1_000_000_000L));
        boolean closeOnly = req.getHistoryEventFilterType() == HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
        long from = token.getNextEventId() > 0 ? token.getNextEventId() : 1;
        // Asked by workflow id alone, the close event is the chain's: a run that was retried (or continued by
        // cron) hands over to the current run, so getResult by workflow id reaches the final outcome.
        boolean followChain = closeOnly && runId.isEmpty();
        while (true) {
            CompletableFuture<Void> change = updater.notifier().nextChange(key);
            WorkflowKey k = key;
            WorkflowMutableState s = updater.load(k).orElseThrow(() -> WorkflowUpdater.notFound(k));
            boolean running = s.getExecution().getState() == ExecutionState.EXECUTION_STATE_RUNNING;
            if (followChain && !running) {
                String next = retryRunId(shard, k, s);
                if (!next.isEmpty()) {
                    key = new WorkflowKey(ns, k.workflowId(), UUID.fromString(next));
                    continue;
                }
            }
            boolean ready = closeOnly ? !running : (!req.getWaitNewEvent() || !running || s.getNextEventId() > from);
            if (ready) {
                return closeOnly ? closeEvent(shard, key, s) : page(shard, key, s, req, token, from, running);
            }
            long left = waitUntil - System.nanoTime();
            if (left <= 0) {
                // Nothing new in time: an empty page the caller polls again with.
                return GetWorkflowExecutionHistoryResponse.newBuilder().setHistory(History.getDefaultInstance())
                        .setNextPageToken(closeOnly ? ByteString.EMPTY : token(key, from, 0)).build();
            }
            try {
                change.get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException ignored) {
                // loop once more, then answer empty
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.kairos.common.errors.UnavailableException("interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Newest events first; the page token holds the (exclusive) id to continue below. */
    public GetWorkflowExecutionHistoryReverseResponse reverse(NamespaceId ns, GetWorkflowExecutionHistoryReverseRequest req) {
        HistoryPageToken token = parseToken(req.getNextPageToken());
        String runId = !token.getRunId().isEmpty() ? token.getRunId() : req.getExecution().getRunId();
        WorkflowKey key = resolve(ns, req.getExecution().getWorkflowId(), runId);
        ShardId shard = updater.shards().contextFor(ns, key.workflowId()).shardId();
        WorkflowMutableState s = updater.load(key).orElseThrow(() -> WorkflowUpdater.notFound(key));
        int size = req.getMaximumPageSize() <= 0 ? DEFAULT_PAGE_SIZE : Math.min(req.getMaximumPageSize(), MAX_PAGE_SIZE);
        long end = token.getNextEventId() > 0 ? token.getNextEventId() : s.getNextEventId();
        long from = Math.max(1, end - size);
        List<HistoryEvent> events = new java.util.ArrayList<>(updater.readHistory(key, from, end, Integer.MAX_VALUE));
        java.util.Collections.reverse(events);
        GetWorkflowExecutionHistoryReverseResponse.Builder b = GetWorkflowExecutionHistoryReverseResponse.newBuilder()
                .setHistory(History.newBuilder().addAllEvents(events));
        if (from > 1) {
            b.setNextPageToken(token(key, from, 0));
        }
        return b.build();
    }

    /** The run a failed or timed-out run handed over to (a workflow retry), or "" (continue-as-new the SDKs follow). */
    private String retryRunId(ShardId shard, WorkflowKey key, WorkflowMutableState s) {
        long id = s.getExecution().getCompletionEventId();
        List<HistoryEvent> close = updater.readHistory(key, id, id + 1, 1);
        if (close.isEmpty()) {
            return "";
        }
        HistoryEvent e = close.get(0);
        return switch (e.getEventType()) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> e.getWorkflowExecutionFailedEventAttributes().getNewExecutionRunId();
            case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> e.getWorkflowExecutionTimedOutEventAttributes().getNewExecutionRunId();
            default -> "";
        };
    }

    private GetWorkflowExecutionHistoryResponse closeEvent(ShardId shard, WorkflowKey key, WorkflowMutableState s) {
        long id = s.getExecution().getCompletionEventId();
        List<HistoryEvent> events = updater.readHistory(key, id, id + 1, 1);
        return GetWorkflowExecutionHistoryResponse.newBuilder().setHistory(History.newBuilder().addAllEvents(events)).build();
    }

    private GetWorkflowExecutionHistoryResponse page(ShardId shard, WorkflowKey key, WorkflowMutableState s,
                                                     GetWorkflowExecutionHistoryRequest req, HistoryPageToken token,
                                                     long from, boolean running) {
        int size = req.getMaximumPageSize() <= 0 ? DEFAULT_PAGE_SIZE : Math.min(req.getMaximumPageSize(), MAX_PAGE_SIZE);
        long end = token.getEndEventId() > 0 ? token.getEndEventId() : s.getNextEventId();
        List<HistoryEvent> events = updater.readHistory(key, from, end, size);
        long next = events.isEmpty() ? from : events.get(events.size() - 1).getEventId() + 1;
        GetWorkflowExecutionHistoryResponse.Builder b = GetWorkflowExecutionHistoryResponse.newBuilder()
                .setHistory(History.newBuilder().addAllEvents(events));
        if (next < end) {
            b.setNextPageToken(token(key, next, end));
        } else if (req.getWaitNewEvent() && running) {
            b.setNextPageToken(token(key, next, 0));
        }
        return b.build();
    }

    private static ByteString token(WorkflowKey key, long next, long end) {
        return HistoryPageToken.newBuilder().setRunId(key.runId().toString()).setNextEventId(next).setEndEventId(end)
                .build().toByteString();
    }

    private static HistoryPageToken parseToken(ByteString bytes) {
        if (bytes.isEmpty()) {
            return HistoryPageToken.getDefaultInstance();
        }
        try {
            HistoryPageToken t = HistoryPageToken.parseFrom(bytes);
            UUID.fromString(t.getRunId());
            return t;
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new InvalidArgumentException("Invalid NextPageToken.");
        }
    }

    /** An empty run id means the current run of the workflow id. */
    public WorkflowKey resolve(NamespaceId ns, String workflowId, String runId) {
        if (!runId.isEmpty()) {
            try {
                return new WorkflowKey(ns, workflowId, UUID.fromString(runId));
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException("Invalid RunId.");
            }
        }
        CurrentExecution cur = updater.currentRun(ns, workflowId)
                .orElseThrow(() -> new NotFoundException("Workflow executionsRow not found.  WorkflowId: " + workflowId + ", RunId: "));
        return new WorkflowKey(ns, workflowId, cur.runId());
    }

    public DescribeWorkflowExecutionResponse describe(NamespaceId ns, DescribeWorkflowExecutionRequest req) {
        WorkflowKey key = resolve(ns, req.getExecution().getWorkflowId(), req.getExecution().getRunId());
        WorkflowMutableState s = updater.load(key).orElseThrow(() -> WorkflowUpdater.notFound(key));
        var e = s.getExecution();
        WorkflowExecutionInfo.Builder info = WorkflowExecutionInfo.newBuilder()
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(key.workflowId()).setRunId(key.runId().toString()))
                .setType(WorkflowType.newBuilder().setName(e.getWorkflowType()))
                .setStartTime(e.getStartTime())
                .setExecutionTime(e.getExecutionTime())
                .setStatus(e.getStatus())
                .setHistoryLength(s.getNextEventId() - 1)
                .setHistorySizeBytes(e.getHistorySizeBytes())
                .setStateTransitionCount(e.getStateTransitionCount())
                .setMemo(e.getMemo())
                .setSearchAttributes(e.getSearchAttributes())
                .setTaskQueue(e.getTaskQueue().getName())
                .setFirstRunId(e.getFirstExecutionRunId());
        if (e.hasAutoResetPoints()) {
            info.setAutoResetPoints(e.getAutoResetPoints());
        }
        if (e.hasPriority()) {
            info.setPriority(e.getPriority());
        }
        if (e.hasCloseTime()) {
            info.setCloseTime(e.getCloseTime());
        }
        if (!e.getParentWorkflowId().isEmpty()) {
            info.setParentNamespaceId(e.getParentNamespaceId()).setParentExecution(WorkflowExecution.newBuilder()
                    .setWorkflowId(e.getParentWorkflowId()).setRunId(e.getParentRunId()));
        }
        info.setRootExecution(e.getRootWorkflowId().isEmpty() ? info.getExecution()
                : WorkflowExecution.newBuilder().setWorkflowId(e.getRootWorkflowId()).setRunId(e.getRootRunId()).build());
        DescribeWorkflowExecutionResponse.Builder b = DescribeWorkflowExecutionResponse.newBuilder()
                .setExecutionConfig(WorkflowExecutionConfig.newBuilder().setTaskQueue(e.getTaskQueue())
                        .setWorkflowExecutionTimeout(e.getExecutionTimeout()).setWorkflowRunTimeout(e.getRunTimeout())
                        .setDefaultWorkflowTaskTimeout(e.getDefaultWorkflowTaskTimeout()))
                .setWorkflowExecutionInfo(info);
        // the start's summary and details live on the first event (Temporal keeps them in mutable state)
        List<HistoryEvent> first = updater.readHistory(key, 1, 2, 1);
        if (!first.isEmpty() && first.get(0).hasUserMetadata()) {
            b.getExecutionConfigBuilder().setUserMetadata(first.get(0).getUserMetadata());
        }
        s.getActivitiesMap().values().stream().sorted((a, c) -> Long.compare(a.getScheduledEventId(), c.getScheduledEventId()))
                .forEach(ai -> b.addPendingActivities(pending(ai)));
        s.getChildExecutionsMap().values().stream()
                .sorted(java.util.Comparator.comparingLong(io.kairos.proto.persistence.v1.ChildExecutionInfo::getInitiatedEventId))
                .forEach(ci -> b.addPendingChildren(io.temporal.api.workflow.v1.PendingChildExecutionInfo.newBuilder()
                        .setWorkflowId(ci.getWorkflowId()).setRunId(ci.getStartedRunId())
                        .setWorkflowTypeName(ci.getWorkflowType()).setInitiatedId(ci.getInitiatedEventId())
                        .setParentClosePolicy(ci.getParentClosePolicy())));
        b.addAllPendingNexusOperations(io.kairos.history.nexus.NexusOperations.describe(s));
        b.addAllCallbacks(io.kairos.history.nexus.NexusCallbacks.describe(s));
        if (s.hasWorkflowTask()) {
            var wt = s.getWorkflowTask();
            PendingWorkflowTaskInfo.Builder p = PendingWorkflowTaskInfo.newBuilder()
                    .setState(wt.getStartedEventId() > 0 ? PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED
                            : PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED)
                    .setScheduledTime(wt.getScheduledTime()).setOriginalScheduledTime(wt.getScheduledTime())
                    .setAttempt(wt.getAttempt());
            if (wt.getStartedEventId() > 0) {
                p.setStartedTime(wt.getStartedTime());
            }
            b.setPendingWorkflowTask(p);
        }
        return b.build();
    }

    /**
     * As Temporal reports a pending activity; a paused one is PAUSED while no worker runs it and PAUSE_REQUESTED
     * while its running attempt goes on (CANCEL_REQUESTED wins over both), with its pause info.
     */
    public static PendingActivityInfo pending(ActivityInfo ai) {
        PendingActivityState state = ai.getCancelRequested() ? PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
                : ai.getStarted() ? PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
                : PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED;
        if (ai.getPaused() && !ai.getCancelRequested()) {
            state = ai.getStarted() ? PendingActivityState.PENDING_ACTIVITY_STATE_PAUSE_REQUESTED
                    : PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED;
        }
        var s = ai.getScheduled();
        PendingActivityInfo.Builder p = PendingActivityInfo.newBuilder()
                .setActivityId(ai.getActivityId())
                .setActivityType(s.getActivityType())
                .setState(state)
                .setHeartbeatDetails(ai.getHeartbeatDetails())
                .setAttempt(ai.getAttempt())
                .setMaximumAttempts(s.getRetryPolicy().getMaximumAttempts())
                .setScheduledTime(ai.getCurrentAttemptScheduledTime())
                .setLastFailure(ai.getLastFailure())
                .setLastWorkerIdentity(ai.getStarted() ? ai.getStartedIdentity() : ai.getLastWorkerIdentity());
        if (ai.hasLastHeartbeatTime()) {
            p.setLastHeartbeatTime(ai.getLastHeartbeatTime());
        }
        if (ai.getStarted()) {
            p.setLastStartedTime(ai.getStartedTime());
        }
        if (!Times.isZero(s.getScheduleToCloseTimeout())) {
            p.setExpirationTime(com.google.protobuf.util.Timestamps.add(ai.getScheduledTime(), s.getScheduleToCloseTimeout()));
        }
        if (s.hasPriority()) {
            p.setPriority(s.getPriority());
        }
        p.setPaused(ai.getPaused());
        if (ai.getPaused()) {
            var info = ai.getPauseInfo();
            p.setPauseInfo(PendingActivityInfo.PauseInfo.newBuilder().setPauseTime(info.getPauseTime())
                    .setManual(PendingActivityInfo.PauseInfo.Manual.newBuilder()
                            .setIdentity(info.getIdentity()).setReason(info.getReason())));
        }
        p.setActivityOptions(ActivityOptionsUpdate.describe(ai));
        return p.build();
    }
}
