package io.kairos.history.engine.children;

import io.kairos.history.engine.BadCommandException;
import io.kairos.history.engine.EventApplier;
import io.kairos.history.engine.HistoryReads;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.Namespaces;
import io.kairos.history.engine.RetryPolicies;
import io.kairos.history.engine.Times;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.engine.workflow.Commands;
import io.kairos.history.engine.workflow.ExternalRequests;
import io.kairos.history.engine.workflow.StartWorkflow;
import io.kairos.common.TemporalCompat;
import io.kairos.common.errors.NamespaceNotFoundException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.errors.WorkflowAlreadyStartedException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.proto.persistence.v1.ChildExecutionInfo;
import io.kairos.proto.persistence.v1.CloseExecution;
import io.kairos.proto.persistence.v1.ExecutionInfo;
import io.kairos.proto.persistence.v1.ExecutionInfoOrBuilder;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.InitiatedCommand;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.command.v1.StartChildWorkflowExecutionCommandAttributes;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.StartChildWorkflowExecutionFailedCause;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.history.v1.ChildWorkflowExecutionCanceledEventAttributes;
import io.temporal.api.history.v1.ChildWorkflowExecutionCompletedEventAttributes;
import io.temporal.api.history.v1.ChildWorkflowExecutionFailedEventAttributes;
import io.temporal.api.history.v1.ChildWorkflowExecutionStartedEventAttributes;
import io.temporal.api.history.v1.ChildWorkflowExecutionTerminatedEventAttributes;
import io.temporal.api.history.v1.ChildWorkflowExecutionTimedOutEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.StartChildWorkflowExecutionFailedEventAttributes;
import io.temporal.api.history.v1.StartChildWorkflowExecutionInitiatedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Child workflows. The StartChildWorkflowExecution command writes StartChildWorkflowExecutionInitiated on the parent
 * and a transfer task; the task starts the child (in the child's shard, its own transaction) and records
 * ChildWorkflowExecutionStarted or StartChildWorkflowExecutionFailed on the parent. When the child's chain closes, its
 * close task records the outcome on the parent; when the parent closes, its close task applies each open child's
 * parent close policy. Every task may run twice: each step checks the child is still pending first.
 */
public final class ChildWorkflows {
    /** limit.numPendingChildExecutions.error */
    static final int PENDING_CHILDREN_LIMIT = 2000;
    static final String HISTORY_SERVICE_IDENTITY = "history-service";

    private final WorkflowUpdater updater;
    private final StartWorkflow start;
    private final RemoteWorkflows remote;
    private final HistoryReads reads;
    private final Namespaces namespaces;

    /** @param remote reaches the child's (or parent's) shard, wherever it is owned */
    public ChildWorkflows(WorkflowUpdater updater, StartWorkflow start, RemoteWorkflows remote, HistoryReads reads,
                          Namespaces namespaces) {
        this.updater = updater;
        this.start = start;
        this.remote = remote;
        this.reads = reads;
        this.namespaces = namespaces;
    }

    // ---- the command ----

    /** StartChildWorkflowExecution: validate and default as Temporal does, then write the Initiated event. */
    public void startChild(Mutation m, StartChildWorkflowExecutionCommandAttributes a) {
        var exec = m.state().getExecution();
        NamespaceId parentNs = m.key().namespaceId();
        String nsName = a.getNamespace().isEmpty() ? namespaces.nameOf(parentNs) : a.getNamespace();
        NamespaceId targetNs = a.getNamespace().isEmpty() ? parentNs : namespaces.requireId(a.getNamespace());
        String id = a.getWorkflowId();
        String type = a.getWorkflowType().getName();
        if (id.isEmpty()) {
            throw bad("Required field WorkflowId is not set on StartChildWorkflowExecutionCommand. WorkflowType="
                    + type + " Namespace=" + nsName);
        }
        if (type.isEmpty()) {
            throw bad("Required field WorkflowType is not set on StartChildWorkflowExecutionCommand. WorkflowId="
                    + id + " Namespace=" + nsName);
        }
        if (nsName.length() > TemporalCompat.MAX_ID_LENGTH || id.length() > TemporalCompat.MAX_ID_LENGTH
                || type.length() > TemporalCompat.MAX_ID_LENGTH) {
            throw bad("Namespace, WorkflowId or WorkflowType on StartChildWorkflowExecutionCommand exceeds length limit."
                    + " WorkflowId=" + id + " WorkflowType=" + type + " Namespace=" + nsName);
        }
        for (var d : List.of(a.getWorkflowExecutionTimeout(), a.getWorkflowRunTimeout(), a.getWorkflowTaskTimeout())) {
            if (d.getSeconds() < 0 || d.getNanos() < 0) {
                throw bad("Invalid timeout on StartChildWorkflowExecutionCommand: negative duration. WorkflowId=" + id
                        + " WorkflowType=" + type + " Namespace=" + nsName);
            }
        }
        if (!a.getCronSchedule().isEmpty()) {
            try {
                io.kairos.common.cron.CronSchedule.parse(a.getCronSchedule());
            } catch (IllegalArgumentException e) {
                throw bad("invalid CronSchedule on StartChildWorkflowExecutionCommand: " + e.getMessage() + ". WorkflowId="
                        + id + " WorkflowType=" + type + " Namespace=" + nsName);
            }
        }
        TaskQueue queue = a.getTaskQueue();
        if (queue.getName().isEmpty()) {
            queue = TaskQueue.newBuilder().setName(exec.getTaskQueue().getName()).setKind(TaskQueueKind.TASK_QUEUE_KIND_NORMAL).build();
        } else if (queue.getName().length() > TemporalCompat.MAX_ID_LENGTH || queue.getName().startsWith("/_sys/")) {
            throw bad("invalid TaskQueue on StartChildWorkflowExecutionCommand. WorkflowId=" + id + " WorkflowType="
                    + type + " Namespace=" + nsName + " TaskQueue=" + queue.getName());
        } else if (queue.getKind() == TaskQueueKind.TASK_QUEUE_KIND_UNSPECIFIED) {
            queue = queue.toBuilder().setKind(TaskQueueKind.TASK_QUEUE_KIND_NORMAL).build();
        }
        Commands.checkBlob(a.getInput(), WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES,
                "StartChildWorkflowExecutionCommandAttributes. Input");
        int pending = m.state().getChildExecutionsCount();
        if (pending >= PENDING_CHILDREN_LIMIT) {
            throw new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_PENDING_CHILD_WORKFLOWS_LIMIT_EXCEEDED,
                    "the number of pending child workflow executions, " + pending + ", has reached the per-workflow limit of "
                            + PENDING_CHILDREN_LIMIT);
        }
        var runTimeout = runTimeout(a.getWorkflowRunTimeout(), a.getWorkflowExecutionTimeout());
        var taskTimeout = StartWorkflow.workflowTaskTimeout(a.getWorkflowTaskTimeout(), runTimeout);
        StartChildWorkflowExecutionInitiatedEventAttributes.Builder ev = StartChildWorkflowExecutionInitiatedEventAttributes.newBuilder()
                .setNamespace(nsName).setNamespaceId(targetNs.toString())
                .setWorkflowId(id).setWorkflowType(a.getWorkflowType()).setTaskQueue(queue).setInput(a.getInput())
                .setWorkflowExecutionTimeout(a.getWorkflowExecutionTimeout()).setWorkflowRunTimeout(runTimeout)
                .setWorkflowTaskTimeout(taskTimeout)
                .setParentClosePolicy(a.getParentClosePolicy() == ParentClosePolicy.PARENT_CLOSE_POLICY_UNSPECIFIED
                        ? ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE : a.getParentClosePolicy())
                .setControl(a.getControl())
                .setWorkflowTaskCompletedEventId(Commands.lastWorkflowTaskCompletedId(m))
                .setWorkflowIdReusePolicy(a.getWorkflowIdReusePolicy() == WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED
                        ? WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE : a.getWorkflowIdReusePolicy())
                .setCronSchedule(a.getCronSchedule()).setHeader(a.getHeader()).setMemo(a.getMemo())
                .setSearchAttributes(a.getSearchAttributes()).setInheritBuildId(a.getInheritBuildId())
                .setPriority(a.getPriority());
        if (a.hasRetryPolicy()) {
            // Only an explicit policy makes the child retry, as in Temporal; unset fields get the defaults.
            ev.setRetryPolicy(RetryPolicies.withDefaults(a.getRetryPolicy()));
        }
        HistoryEvent e = m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)
                .setStartChildWorkflowExecutionInitiatedEventAttributes(ev));
        m.transferTask(HistoryTask.newBuilder().setStartChild(InitiatedCommand.newBuilder().setInitiatedEventId(e.getEventId())));
    }

    /** Temporal's overrideWorkflowRunTimeout: the run timeout, capped by the execution timeout (0 = none). */
    private static com.google.protobuf.Duration runTimeout(com.google.protobuf.Duration run, com.google.protobuf.Duration execution) {
        if (Times.isZero(run)) {
            return execution;
        }
        if (Times.isZero(execution)) {
            return run;
        }
        return Times.duration(run).compareTo(Times.duration(execution)) <= 0 ? run : execution;
    }

    private static BadCommandException bad(String message) {
        return new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES, message);
    }

    // ---- transfer task: start the child ----

    /** Starts the child with a request id fixed by the command, so a retry finds the child it already started. */
    public void startChildTask(WorkflowKey parent, InitiatedCommand task) {
        long initiatedId = task.getInitiatedEventId();
        Optional<WorkflowMutableState> loaded = updater.load(parent);
        if (loaded.isEmpty()) {
            return;
        }
        WorkflowMutableState s = loaded.get();
        ChildExecutionInfo ci = s.getChildExecutionsOrDefault(initiatedId, null);
        if (ci == null || ci.getStarted() || s.getExecution().getState() != io.kairos.proto.persistence.v1.ExecutionState.EXECUTION_STATE_RUNNING) {
            // Recorded already, or the parent closed first: as in Temporal, a closed parent starts no child.
            return;
        }
        HistoryEvent initiated = initiatedEvent(parent, initiatedId);
        var a = initiated.getStartChildWorkflowExecutionInitiatedEventAttributes();
        NamespaceId childNs = NamespaceId.parse(a.getNamespaceId());
        if (!namespaces.isRegistered(childNs)) {
            recordStartFailed(parent, initiatedId, a, StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_NAMESPACE_NOT_FOUND);
            return;
        }
        StartWorkflowExecutionRequest.Builder req = StartWorkflowExecutionRequest.newBuilder()
                .setNamespace(a.getNamespace()).setWorkflowId(a.getWorkflowId()).setWorkflowType(a.getWorkflowType())
                .setTaskQueue(a.getTaskQueue()).setInput(a.getInput()).setHeader(a.getHeader())
                .setWorkflowExecutionTimeout(a.getWorkflowExecutionTimeout()).setWorkflowRunTimeout(a.getWorkflowRunTimeout())
                .setWorkflowTaskTimeout(a.getWorkflowTaskTimeout())
                .setRequestId(ci.getCreateRequestId())
                .setWorkflowIdReusePolicy(a.getWorkflowIdReusePolicy())
                .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                .setCronSchedule(a.getCronSchedule()).setMemo(a.getMemo()).setSearchAttributes(a.getSearchAttributes())
                // The command's priority over the parent's, field by field, as Temporal starts children.
                .setPriority(io.kairos.common.validation.Priorities.merge(s.getExecution().getPriority(), a.getPriority()));
        if (a.hasRetryPolicy()) {
            req.setRetryPolicy(a.getRetryPolicy());
        }
        if (initiated.hasUserMetadata()) { // the command's summary and details, on the child's started event too
            req.setUserMetadata(initiated.getUserMetadata());
        }
        String parentNsName = namespaces.nameOf(parent.namespaceId());
        var exec = s.getExecution();
        WorkflowExecution root = exec.getRootWorkflowId().isEmpty() ? execution(parent)
                : WorkflowExecution.newBuilder().setWorkflowId(exec.getRootWorkflowId()).setRunId(exec.getRootRunId()).build();
        String runId;
        try {
            runId = remote.startChild(childNs, req.build(), parentNsName, parent, initiatedId, root);
        } catch (WorkflowAlreadyStartedException e) {
            recordStartFailed(parent, initiatedId, a,
                    StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS);
            return;
        } catch (NamespaceNotFoundException e) {
            recordStartFailed(parent, initiatedId, a,
                    StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_NAMESPACE_NOT_FOUND);
            return;
        }
        String childRunId = runId;
        update(parent, m -> {
            ChildExecutionInfo current = m.state().getChildExecutionsOrDefault(initiatedId, null);
            if (m.isRunning() && current != null && !current.getStarted()) {
                addStarted(m, current, a.getHeader(), childRunId);
                m.scheduleWorkflowTask(1);
            }
        });
    }

    /**
     * The child's side of {@link #startChildTask}, on the host owning the child's shard: starts it, or finds the run an
     * earlier attempt of the same command started (its chain may have moved on since).
     *
     * @throws WorkflowAlreadyStartedException when another run holds the id
     */
    public String startChildHere(NamespaceId childNs, StartWorkflowExecutionRequest req, String parentNsName,
                                 WorkflowKey parent, long initiatedId, WorkflowExecution root) {
        try {
            return start.start(childNs, req, null, started -> started
                    .setParentWorkflowNamespace(parentNsName).setParentWorkflowNamespaceId(parent.namespaceId().toString())
                    .setParentWorkflowExecution(execution(parent)).setParentInitiatedEventId(initiatedId)
                    .setRootWorkflowExecution(root)).getRunId();
        } catch (WorkflowAlreadyStartedException e) {
            return startedByThisCommand(childNs, req.getWorkflowId(), parent, initiatedId).orElseThrow(() -> e);
        }
    }

    /** The current run of the child id, when it belongs to this very command (its chain's first run id). */
    private Optional<String> startedByThisCommand(NamespaceId ns, String workflowId, WorkflowKey parent, long initiatedId) {
        try {
            WorkflowKey cur = reads.resolve(ns, workflowId, "");
            return updater.load(cur).map(WorkflowMutableState::getExecution)
                    .filter(e -> e.getParentRunId().equals(parent.runId().toString()) && e.getParentInitiatedId() == initiatedId
                            && e.getParentWorkflowId().equals(parent.workflowId()))
                    .map(ExecutionInfo::getFirstExecutionRunId);
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    private void recordStartFailed(WorkflowKey parent, long initiatedId, StartChildWorkflowExecutionInitiatedEventAttributes a,
                                   StartChildWorkflowExecutionFailedCause cause) {
        update(parent, m -> {
            ChildExecutionInfo ci = m.state().getChildExecutionsOrDefault(initiatedId, null);
            if (!m.isRunning() || ci == null || ci.getStarted()) {
                return;
            }
            m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED)
                    .setStartChildWorkflowExecutionFailedEventAttributes(StartChildWorkflowExecutionFailedEventAttributes.newBuilder()
                            .setNamespace(a.getNamespace()).setNamespaceId(a.getNamespaceId())
                            .setWorkflowId(a.getWorkflowId()).setWorkflowType(a.getWorkflowType())
                            .setCause(cause).setControl(a.getControl()).setInitiatedEventId(initiatedId)
                            .setWorkflowTaskCompletedEventId(a.getWorkflowTaskCompletedEventId())));
            m.scheduleWorkflowTask(1);
        });
    }

    private static void addStarted(Mutation m, ChildExecutionInfo ci, io.temporal.api.common.v1.Header header, String runId) {
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED)
                .setChildWorkflowExecutionStartedEventAttributes(ChildWorkflowExecutionStartedEventAttributes.newBuilder()
                        .setNamespace(ci.getNamespace()).setNamespaceId(ci.getNamespaceId())
                        .setInitiatedEventId(ci.getInitiatedEventId())
                        .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(ci.getWorkflowId()).setRunId(runId))
                        .setWorkflowType(WorkflowType.newBuilder().setName(ci.getWorkflowType()))
                        .setHeader(header)));
    }

    // ---- transfer task: a run closed ----

    /** Mutation hook: a run closed; its close task reports to the parent and handles its own children. */
    public static void closed(Mutation m) {
        var exec = m.state().getExecution();
        if (!exec.getParentWorkflowId().isEmpty() || m.state().getChildExecutionsCount() > 0) {
            m.transferTask(HistoryTask.newBuilder().setCloseExecution(
                    CloseExecution.newBuilder().setCompletionEventId(exec.getCompletionEventId())));
        }
    }

    public void closeExecutionTask(WorkflowKey key, CloseExecution task) {
        Optional<WorkflowMutableState> loaded = updater.load(key);
        if (loaded.isEmpty()) {
            return;
        }
        WorkflowMutableState s = loaded.get();
        var exec = s.getExecution();
        HistoryEvent close = event(key, task.getCompletionEventId());
        if (!exec.getParentWorkflowId().isEmpty() && newRunId(close).isEmpty()) {
            // Only the chain's last run reports: continue-as-new, retries and cron runs carry the parent on.
            WorkflowKey parent = new WorkflowKey(NamespaceId.parse(exec.getParentNamespaceId()), exec.getParentWorkflowId(),
                    UUID.fromString(exec.getParentRunId()));
            try {
                remote.recordChildClosed(parent, exec.getParentInitiatedId(), key, exec.getFirstExecutionRunId(), close);
            } catch (NotFoundException | NamespaceNotFoundException e) {
                // the parent is gone: nobody to tell
            }
        }
        s.getChildExecutionsMap().values().stream().sorted(Comparator.comparingLong(ChildExecutionInfo::getInitiatedEventId))
                .forEach(ci -> applyParentClosePolicy(key, ci));
    }

    /** Temporal's parent close policies; a child already gone is no error. */
    private void applyParentClosePolicy(WorkflowKey parent, ChildExecutionInfo ci) {
        var target = new ExternalRequests.Target(NamespaceId.parse(ci.getNamespaceId()), ci.getWorkflowId(), "",
                ci.getStartedRunId(), execution(parent), true);
        try {
            switch (ci.getParentClosePolicy()) {
                case PARENT_CLOSE_POLICY_TERMINATE -> remote.terminate(target, "by parent close policy", HISTORY_SERVICE_IDENTITY);
                case PARENT_CLOSE_POLICY_REQUEST_CANCEL -> remote.requestCancel(target, "", "", 0, HISTORY_SERVICE_IDENTITY);
                default -> {
                    // ABANDON: the child runs on
                }
            }
        } catch (NotFoundException | NamespaceNotFoundException e) {
            // closed already, or never started
        }
    }

    /**
     * On the host owning the parent's shard: records the child's close on the parent; writes
     * ChildWorkflowExecutionStarted first if it is still missing.
     */
    public void recordClosedHere(WorkflowKey parent, long initiatedId, WorkflowKey child, String childFirstRunId, HistoryEvent close) {
        update(parent, m -> {
            ChildExecutionInfo ci = m.state().getChildExecutionsOrDefault(initiatedId, null);
            if (!m.isRunning() || ci == null || !ci.getWorkflowId().equals(child.workflowId())
                    || (ci.getStarted() && !ci.getStartedRunId().equals(childFirstRunId))) {
                return;
            }
            if (!ci.getStarted()) {
                addStarted(m, ci, io.temporal.api.common.v1.Header.getDefaultInstance(), childFirstRunId);
                ci = m.state().getChildExecutionsOrThrow(initiatedId);
            }
            m.addEvent(closeEvent(ci, execution(child), close));
            m.scheduleWorkflowTask(1);
        });
    }

    private static HistoryEvent.Builder closeEvent(ChildExecutionInfo ci, WorkflowExecution child, HistoryEvent close) {
        var type = WorkflowType.newBuilder().setName(ci.getWorkflowType()).build();
        long initiated = ci.getInitiatedEventId();
        long started = ci.getStartedEventId();
        HistoryEvent.Builder b = HistoryEvent.newBuilder();
        switch (close.getEventType()) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> b.setEventType(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED)
                    .setChildWorkflowExecutionCompletedEventAttributes(ChildWorkflowExecutionCompletedEventAttributes.newBuilder()
                            .setResult(close.getWorkflowExecutionCompletedEventAttributes().getResult())
                            .setNamespace(ci.getNamespace()).setNamespaceId(ci.getNamespaceId()).setWorkflowExecution(child)
                            .setWorkflowType(type).setInitiatedEventId(initiated).setStartedEventId(started));
            case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> b.setEventType(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED)
                    .setChildWorkflowExecutionFailedEventAttributes(ChildWorkflowExecutionFailedEventAttributes.newBuilder()
                            .setFailure(close.getWorkflowExecutionFailedEventAttributes().getFailure())
                            .setRetryState(close.getWorkflowExecutionFailedEventAttributes().getRetryState())
                            .setNamespace(ci.getNamespace()).setNamespaceId(ci.getNamespaceId()).setWorkflowExecution(child)
                            .setWorkflowType(type).setInitiatedEventId(initiated).setStartedEventId(started));
            case EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED -> b.setEventType(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED)
                    .setChildWorkflowExecutionCanceledEventAttributes(ChildWorkflowExecutionCanceledEventAttributes.newBuilder()
                            .setDetails(close.getWorkflowExecutionCanceledEventAttributes().getDetails())
                            .setNamespace(ci.getNamespace()).setNamespaceId(ci.getNamespaceId()).setWorkflowExecution(child)
                            .setWorkflowType(type).setInitiatedEventId(initiated).setStartedEventId(started));
            case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> b.setEventType(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT)
                    .setChildWorkflowExecutionTimedOutEventAttributes(ChildWorkflowExecutionTimedOutEventAttributes.newBuilder()
                            .setRetryState(close.getWorkflowExecutionTimedOutEventAttributes().getRetryState())
                            .setNamespace(ci.getNamespace()).setNamespaceId(ci.getNamespaceId()).setWorkflowExecution(child)
                            .setWorkflowType(type).setInitiatedEventId(initiated).setStartedEventId(started));
            case EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED -> b.setEventType(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED)
                    .setChildWorkflowExecutionTerminatedEventAttributes(ChildWorkflowExecutionTerminatedEventAttributes.newBuilder()
                            .setNamespace(ci.getNamespace()).setNamespaceId(ci.getNamespaceId()).setWorkflowExecution(child)
                            .setWorkflowType(type).setInitiatedEventId(initiated).setStartedEventId(started));
            default -> throw new IllegalStateException("not a close event: " + close.getEventType());
        }
        return b;
    }

    /** Flush fix-up: a child close buffered together with its Started event points at the Started event's real id. */
    public static void pointAtStarted(HistoryEvent.Builder b, Map<Long, Long> startedIds) {
        switch (b.getEventType()) {
            case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED -> {
                var a = b.getChildWorkflowExecutionCompletedEventAttributesBuilder();
                a.setStartedEventId(startedIds.getOrDefault(a.getInitiatedEventId(), a.getStartedEventId()));
            }
            case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED -> {
                var a = b.getChildWorkflowExecutionFailedEventAttributesBuilder();
                a.setStartedEventId(startedIds.getOrDefault(a.getInitiatedEventId(), a.getStartedEventId()));
            }
            case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED -> {
                var a = b.getChildWorkflowExecutionCanceledEventAttributesBuilder();
                a.setStartedEventId(startedIds.getOrDefault(a.getInitiatedEventId(), a.getStartedEventId()));
            }
            case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT -> {
                var a = b.getChildWorkflowExecutionTimedOutEventAttributesBuilder();
                a.setStartedEventId(startedIds.getOrDefault(a.getInitiatedEventId(), a.getStartedEventId()));
            }
            case EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED -> {
                var a = b.getChildWorkflowExecutionTerminatedEventAttributesBuilder();
                a.setStartedEventId(startedIds.getOrDefault(a.getInitiatedEventId(), a.getStartedEventId()));
            }
            default -> {
            }
        }
    }

    // ---- parent info on the child's runs ----

    /** EventApplier: WorkflowExecutionStarted names the parent (a child) and the root of the chain. */
    public static void applyParent(ExecutionInfo.Builder exec, WorkflowExecutionStartedEventAttributes a) {
        if (a.hasParentWorkflowExecution()) {
            exec.setParentNamespaceId(a.getParentWorkflowNamespaceId())
                    .setParentWorkflowId(a.getParentWorkflowExecution().getWorkflowId())
                    .setParentRunId(a.getParentWorkflowExecution().getRunId())
                    .setParentInitiatedId(a.getParentInitiatedEventId());
        }
        if (a.hasRootWorkflowExecution()) {
            exec.setRootWorkflowId(a.getRootWorkflowExecution().getWorkflowId()).setRootRunId(a.getRootWorkflowExecution().getRunId());
        } else {
            exec.setRootWorkflowId(exec.getWorkflowId()).setRootRunId(exec.getRunId());
        }
    }

    /** The next run of a child's chain (continue-as-new, retry, cron) is the same child: it keeps the parent. */
    public static void inheritParent(Mutation m, WorkflowExecutionStartedEventAttributes.Builder next) {
        ExecutionInfoOrBuilder exec = m.state().getExecution();
        if (exec.getParentWorkflowId().isEmpty()) {
            return;
        }
        var first = m.startedEvent().getWorkflowExecutionStartedEventAttributes();
        next.setParentWorkflowNamespace(first.getParentWorkflowNamespace())
                .setParentWorkflowNamespaceId(exec.getParentNamespaceId())
                .setParentWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(exec.getParentWorkflowId())
                        .setRunId(exec.getParentRunId()))
                .setParentInitiatedEventId(exec.getParentInitiatedId())
                .setRootWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(exec.getRootWorkflowId())
                        .setRunId(exec.getRootRunId()));
    }

    // ---- helpers ----

    private void update(WorkflowKey key, java.util.function.Consumer<Mutation> handler) {
        updater.update(key, m -> {
            handler.accept(m);
            return null;
        });
    }

    private HistoryEvent initiatedEvent(WorkflowKey key, long eventId) {
        return event(key, eventId);
    }

    HistoryEvent event(WorkflowKey key, long eventId) {
        List<HistoryEvent> events = updater.readHistory(key, eventId, eventId + 1, 1);
        if (events.isEmpty()) {
            throw new IllegalStateException("event " + eventId + " of " + key + " not found");
        }
        return events.get(0);
    }

    static WorkflowExecution execution(WorkflowKey key) {
        return WorkflowExecution.newBuilder().setWorkflowId(key.workflowId()).setRunId(key.runId().toString()).build();
    }

    private static String newRunId(HistoryEvent close) {
        return switch (close.getEventType()) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED -> close.getWorkflowExecutionCompletedEventAttributes().getNewExecutionRunId();
            case EVENT_TYPE_WORKFLOW_EXECUTION_FAILED -> close.getWorkflowExecutionFailedEventAttributes().getNewExecutionRunId();
            case EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT -> close.getWorkflowExecutionTimedOutEventAttributes().getNewExecutionRunId();
            case EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW ->
                    close.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId();
            default -> "";
        };
    }
}
