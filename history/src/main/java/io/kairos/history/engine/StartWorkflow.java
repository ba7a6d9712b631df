package io.kairos.history.engine;

import com.google.protobuf.Duration;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.WorkflowAlreadyStartedException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.shard.ShardContext;
import io.kairos.persistence.execution.CurrentExecution;
import io.kairos.persistence.sql.ConditionFailedException;
import io.kairos.proto.persistence.v1.ExecutionInfo;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.kairos.proto.persistence.v1.WorkflowRunTimeout;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * StartWorkflowExecution: request-id dedup, WorkflowIdReusePolicy and WorkflowIdConflictPolicy against the
 * current run, then WorkflowExecutionStarted + WorkflowTaskScheduled and the first tasks in one transaction.
 */
public final class StartWorkflow {
    static final Duration DEFAULT_WORKFLOW_TASK_TIMEOUT = Duration.newBuilder().setSeconds(10).build();
    static final long MAX_WORKFLOW_TASK_TIMEOUT_SECONDS = 120;

    private final WorkflowUpdater updater;

    public StartWorkflow(WorkflowUpdater updater) {
        this.updater = updater;
    }

    public StartWorkflowExecutionResponse start(NamespaceId namespaceId, StartWorkflowExecutionRequest req) {
        ShardContext shard = updater.shards().contextFor(namespaceId, req.getWorkflowId());
        ReentrantLock lock = updater.lockFor(req.getWorkflowId());
        lock.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                Optional<CurrentExecution> current = updater.store().getCurrent(shard.shardId(), namespaceId, req.getWorkflowId());
                if (current.isPresent()) {
                    StartWorkflowExecutionResponse existing = decideAgainstCurrent(req, current.get());
                    if (existing != null) {
                        return existing;
                    }
                }
                try {
                    return create(namespaceId, req, shard, current.map(CurrentExecution::runId).orElse(null));
                } catch (ConditionFailedException raced) {
                    if (attempt >= 3) {
                        throw raced;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Returns the response to give without starting, null to start a new run, or throws. */
    private static StartWorkflowExecutionResponse decideAgainstCurrent(StartWorkflowExecutionRequest req, CurrentExecution cur) {
        if (!req.getRequestId().isEmpty() && req.getRequestId().equals(cur.createRequestId())) {
            // A retried start: the same run, no error.
            return StartWorkflowExecutionResponse.newBuilder().setRunId(cur.runId().toString()).setStarted(true).build();
        }
        if (cur.running()) {
            WorkflowIdConflictPolicy conflict = req.getWorkflowIdConflictPolicy();
            if (conflict == WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING) {
                return StartWorkflowExecutionResponse.newBuilder().setRunId(cur.runId().toString()).setStarted(false).build();
            }
            if (conflict == WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING
                    || req.getWorkflowIdReusePolicy() == WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING) {
                throw new InvalidArgumentException("WorkflowIdConflictPolicy TERMINATE_EXISTING is not supported by this "
                        + "server yet.");
            }
            throw alreadyStarted(req, cur);
        }
        WorkflowIdReusePolicy reuse = req.getWorkflowIdReusePolicy();
        boolean failedBefore = cur.status() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;
        if (reuse == WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
                || (reuse == WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY && !failedBefore)) {
            throw alreadyStarted(req, cur);
        }
        return null;
    }

    private static WorkflowAlreadyStartedException alreadyStarted(StartWorkflowExecutionRequest req, CurrentExecution cur) {
        return new WorkflowAlreadyStartedException("Workflow execution is already running. WorkflowId: "
                + req.getWorkflowId() + ", RunId: " + cur.runId() + ".", cur.createRequestId(), cur.runId().toString());
    }

    private StartWorkflowExecutionResponse create(NamespaceId namespaceId, StartWorkflowExecutionRequest req,
                                                  ShardContext shard, UUID previousRunId) {
        UUID runId = UUID.randomUUID();
        WorkflowKey key = new WorkflowKey(namespaceId, req.getWorkflowId(), runId);
        WorkflowMutableState.Builder s = WorkflowMutableState.newBuilder()
                .setNextEventId(1)
                .setExecution(ExecutionInfo.newBuilder()
                        .setNamespaceId(namespaceId.toString())
                        .setWorkflowId(req.getWorkflowId())
                        .setRunId(runId.toString())
                        .setCreateRequestId(req.getRequestId()));
        Mutation m = new Mutation(key, shard, s, updater.clock().instant());
        Duration execTimeout = req.getWorkflowExecutionTimeout();
        Duration runTimeout = Times.isZero(req.getWorkflowRunTimeout()) ? execTimeout : req.getWorkflowRunTimeout();
        if (!Times.isZero(execTimeout) && Times.duration(runTimeout).compareTo(Times.duration(execTimeout)) > 0) {
            runTimeout = execTimeout;
        }
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
                .setWorkflowExecutionStartedEventAttributes(WorkflowExecutionStartedEventAttributes.newBuilder()
                        .setWorkflowType(req.getWorkflowType())
                        .setTaskQueue(req.getTaskQueue())
                        .setInput(req.getInput())
                        .setWorkflowExecutionTimeout(execTimeout)
                        .setWorkflowRunTimeout(runTimeout)
                        .setWorkflowTaskTimeout(workflowTaskTimeout(req.getWorkflowTaskTimeout()))
                        .setOriginalExecutionRunId(runId.toString())
                        .setFirstExecutionRunId(runId.toString())
                        .setIdentity(req.getIdentity())
                        .setAttempt(1)
                        .setHeader(req.getHeader())
                        .setMemo(req.getMemo())
                        .setSearchAttributes(req.getSearchAttributes())
                        .setRetryPolicy(req.getRetryPolicy())
                        .setCronSchedule(req.getCronSchedule())
                        .setWorkflowId(req.getWorkflowId())
                        .setPriority(req.getPriority())));
        m.scheduleWorkflowTask(1);
        if (!Times.isZero(runTimeout)) {
            m.timerTask(m.now().plus(Times.duration(runTimeout)), HistoryTask.newBuilder()
                    .setWorkflowRunTimeout(WorkflowRunTimeout.newBuilder().setRunId(runId.toString())));
        }
        var write = m.toWrite();
        updater.store().create(shard.shardId(), shard.rangeId(), key, previousRunId, req.getRequestId(), write);
        updater.committed(key, write);
        updater.afterCommit(key, shard, m);
        return StartWorkflowExecutionResponse.newBuilder().setRunId(runId.toString()).setStarted(true).build();
    }

    /** Temporal's default 10 s, capped at 120 s. */
    static Duration workflowTaskTimeout(Duration requested) {
        if (Times.isZero(requested)) {
            return DEFAULT_WORKFLOW_TASK_TIMEOUT;
        }
        if (requested.getSeconds() > MAX_WORKFLOW_TASK_TIMEOUT_SECONDS) {
            return Duration.newBuilder().setSeconds(MAX_WORKFLOW_TASK_TIMEOUT_SECONDS).build();
        }
        return requested;
    }
}
