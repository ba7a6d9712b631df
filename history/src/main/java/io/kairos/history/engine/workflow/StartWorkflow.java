package io.kairos.history.engine.workflow;

import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.Times;
import io.kairos.history.engine.WorkflowUpdater;
import com.google.protobuf.Duration;
import io.kairos.common.errors.WorkflowAlreadyStartedException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.shard.ShardContext;
import io.kairos.persistence.execution.CurrentExecution;
import io.kairos.persistence.execution.ExecutionWrite;
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
        return start(namespaceId, req, null);
    }

    /**
     * @param alsoInNewRun events to add to a new run right after WorkflowExecutionStarted (SignalWithStart's
     *                     signal), or null
     */
    public StartWorkflowExecutionResponse start(NamespaceId namespaceId, StartWorkflowExecutionRequest req,
                                         java.util.function.Consumer<Mutation> alsoInNewRun) {
        return start(namespaceId, req, alsoInNewRun, null);
    }

    /**
     * @param startedExtra fills more of a new run's WorkflowExecutionStarted (a child's parent), or null
     */
    public StartWorkflowExecutionResponse start(NamespaceId namespaceId, StartWorkflowExecutionRequest req,
                                         java.util.function.Consumer<Mutation> alsoInNewRun,
                                         java.util.function.Consumer<WorkflowExecutionStartedEventAttributes.Builder> startedExtra) {
        StartWorkflowExecutionResponse r = startOrAttach(namespaceId, req, alsoInNewRun, startedExtra);
        return r.toBuilder().setLink(responseLink(req, r)).build();
    }

    /**
     * A standalone execution's hidden run (its id already in its own id space): the same request-id dedup and id
     * policies as a workflow start, with {@code body} adding the execution's one component after
     * WorkflowExecutionStarted. No workflow task is ever scheduled for it.
     */
    public StartWorkflowExecutionResponse startStandalone(NamespaceId namespaceId, StartWorkflowExecutionRequest req,
                                                         java.util.function.Consumer<Mutation> body) {
        return startOrAttach(namespaceId, req, body, null);
    }

    /**
     * Temporal's response link (a Nexus handler hands it to its caller): the run's WorkflowExecutionStarted, or, for
     * a request attached to a running run by id, a request-id reference to its WorkflowExecutionOptionsUpdated.
     */
    private static io.temporal.api.common.v1.Link responseLink(StartWorkflowExecutionRequest req, StartWorkflowExecutionResponse r) {
        if (!r.getStarted() && req.getOnConflictOptions().getAttachRequestId()) {
            return io.kairos.history.nexus.NexusLinks.requestIdRef(req.getNamespace(), req.getWorkflowId(), r.getRunId(),
                    req.getRequestId(), EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED);
        }
        return io.temporal.api.common.v1.Link.newBuilder().setWorkflowEvent(io.temporal.api.common.v1.Link.WorkflowEvent
                .newBuilder().setNamespace(req.getNamespace()).setWorkflowId(req.getWorkflowId()).setRunId(r.getRunId())
                .setEventRef(io.temporal.api.common.v1.Link.WorkflowEvent.EventReference.newBuilder().setEventId(1)
                        .setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED))).build();
    }

    private StartWorkflowExecutionResponse startOrAttach(NamespaceId namespaceId, StartWorkflowExecutionRequest req,
                                         java.util.function.Consumer<Mutation> alsoInNewRun,
                                         java.util.function.Consumer<WorkflowExecutionStartedEventAttributes.Builder> startedExtra) {
        ShardContext shard = updater.shards().contextFor(namespaceId, req.getWorkflowId());
        ReentrantLock lock = updater.lockFor(req.getWorkflowId());
        lock.lock();
        try {
            for (int attempt = 1; attempt <= 5; attempt++) {
                // A workflow id this host has no record of is usually new: try the start as such first (its
                // conditional insert fails alone if the id is in use) and read the current run only then.
                CurrentExecution known = updater.cachedCurrentRun(namespaceId, req.getWorkflowId());
                Optional<CurrentExecution> current = known != null ? Optional.of(known)
                        : attempt == 1 ? Optional.empty() : updater.currentRun(namespaceId, req.getWorkflowId());
                if (current.isPresent() && current.get().running() && terminatesExisting(req)
                        && !req.getRequestId().equals(current.get().createRequestId())) {
                    // Not atomic with the start below: a crash in between leaves the old run terminated and no new
                    // run, and the client's retry of the start then creates it.
                    WorkflowKey old = new WorkflowKey(namespaceId, req.getWorkflowId(), current.get().runId());
                    updater.update(old, m -> {
                        if (m.isRunning()) {
                            ExternalRequests.terminate(m, "terminated by a new start with TERMINATE_EXISTING", req.getIdentity(),
                                    io.temporal.api.common.v1.Payloads.getDefaultInstance());
                        }
                        return null;
                    });
                    continue;
                }
                if (current.isPresent()) {
                    StartWorkflowExecutionResponse existing = decideAgainstCurrent(req, current.get());
                    if (existing != null) {
                        if (!existing.getStarted() && req.hasOnConflictOptions()) {
                            attach(new WorkflowKey(namespaceId, req.getWorkflowId(), current.get().runId()), req);
                        }
                        return existing;
                    }
                }
                try {
                    return create(namespaceId, req, shard, current.map(CurrentExecution::runId).orElse(null), alsoInNewRun,
                            startedExtra);
                } catch (ConditionFailedException raced) {
                    if (attempt >= 4) {
                        throw raced;
                    }
                }
            }
            throw new io.kairos.common.errors.UnavailableException("workflow " + req.getWorkflowId()
                    + " kept changing while it was being started; retry", null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * USE_EXISTING with on_conflict_options (a Nexus WorkflowRunOperation attaching another caller): the running
     * run gets WorkflowExecutionOptionsUpdated with the request's callbacks and id, and its links, as Temporal's. A
     * retried request (its callbacks already attached) changes nothing.
     */
    private void attach(WorkflowKey key, StartWorkflowExecutionRequest req) {
        var o = req.getOnConflictOptions();
        boolean callbacks = o.getAttachCompletionCallbacks() && req.getCompletionCallbacksCount() > 0;
        if (!callbacks && !o.getAttachRequestId() && !(o.getAttachLinks() && req.getLinksCount() > 0)) {
            return;
        }
        updater.update(key, m -> {
            boolean seen = m.state().getCallbacksList().stream().anyMatch(cb -> cb.getRequestId().equals(req.getRequestId()));
            if (!m.isRunning() || seen) {
                return null;
            }
            var a = io.temporal.api.history.v1.WorkflowExecutionOptionsUpdatedEventAttributes.newBuilder()
                    .setIdentity(req.getIdentity());
            if (o.getAttachRequestId()) {
                a.setAttachedRequestId(req.getRequestId());
            }
            if (callbacks) {
                a.addAllAttachedCompletionCallbacks(req.getCompletionCallbacksList());
            }
            if (o.getAttachLinks()) {
                m.eventLinks(req.getLinksList());
            }
            m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED)
                    .setWorkerMayIgnore(true) // as Temporal: SDKs skip it
                    .setWorkflowExecutionOptionsUpdatedEventAttributes(a));
            return null;
        });
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

    private static boolean terminatesExisting(StartWorkflowExecutionRequest req) {
        return req.getWorkflowIdConflictPolicy() == WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING
                || req.getWorkflowIdReusePolicy() == WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING;
    }

    private static WorkflowAlreadyStartedException alreadyStarted(StartWorkflowExecutionRequest req, CurrentExecution cur) {
        return new WorkflowAlreadyStartedException("Workflow execution is already running. WorkflowId: "
                + req.getWorkflowId() + ", RunId: " + cur.runId() + ".", cur.createRequestId(), cur.runId().toString());
    }

    private StartWorkflowExecutionResponse create(NamespaceId namespaceId, StartWorkflowExecutionRequest req,
                                                  ShardContext shard, UUID previousRunId,
                                                  java.util.function.Consumer<Mutation> alsoInNewRun,
                                                  java.util.function.Consumer<WorkflowExecutionStartedEventAttributes.Builder> startedExtra) {
        UUID runId = UUID.randomUUID();
        WorkflowKey key = new WorkflowKey(namespaceId, req.getWorkflowId(), runId);
        Duration execTimeout = req.getWorkflowExecutionTimeout();
        WorkflowExecutionStartedEventAttributes.Builder started = WorkflowExecutionStartedEventAttributes.newBuilder()
                .setWorkflowType(req.getWorkflowType())
                .setTaskQueue(req.getTaskQueue())
                .setInput(req.getInput())
                .setWorkflowExecutionTimeout(execTimeout)
                .setWorkflowRunTimeout(req.getWorkflowRunTimeout())
                .setWorkflowTaskTimeout(req.getWorkflowTaskTimeout())
                .setFirstExecutionRunId(runId.toString())
                .setIdentity(req.getIdentity())
                .setAttempt(1)
                .setHeader(req.getHeader())
                .setMemo(req.getMemo())
                .setSearchAttributes(req.getSearchAttributes())
                .setCronSchedule(req.getCronSchedule())
                .setPriority(req.getPriority());
        // A Nexus WorkflowRunOperation's: delivered when the chain closes (NexusCallbacks).
        started.addAllCompletionCallbacks(req.getCompletionCallbacksList());
        if (req.hasRetryPolicy()) {
            // Only an explicit policy makes the workflow retry, as in Temporal.
            started.setRetryPolicy(req.getRetryPolicy());
        }
        // A schedule passes the previous run's outcome on (Workflow.getLastCompletionResult / getPreviousRunFailure).
        if (req.hasLastCompletionResult()) {
            started.setLastCompletionResult(req.getLastCompletionResult());
        }
        if (req.hasContinuedFailure()) {
            started.setContinuedFailure(req.getContinuedFailure());
        }
        if (startedExtra != null) {
            startedExtra.accept(started);
        }
        if (!req.getCronSchedule().isEmpty()) {
            // A cron workflow's first run also waits for its first scheduled time.
            java.time.Instant now = updater.clock().instant();
            started.setFirstWorkflowTaskBackoff(Times.proto(java.time.Duration.between(now,
                    io.kairos.common.cron.CronSchedule.parse(req.getCronSchedule()).next(now))));
        }
        if (req.hasWorkflowStartDelay() && !Times.isZero(req.getWorkflowStartDelay())) {
            started.setFirstWorkflowTaskBackoff(req.getWorkflowStartDelay()); // Temporal's start delay
        }
        Mutation m = newRun(key, shard, updater.clock().instant(), req.getRequestId(), started, alsoInNewRun,
                req.hasUserMetadata() ? req.getUserMetadata() : null, req.getLinksList());
        var eagerTask = req.getRequestEagerExecution() && m.state().hasWorkflowTask()
                && !m.state().getWorkflowTask().getTransient()
                ? WorkflowTasks.startEagerly(m, key, req.getIdentity(), req.getRequestId()) : null;
        updater.commit(shard, new ExecutionWrite.Create(key, previousRunId, req.getRequestId(), m.toWrite()));
        updater.notifier().changed(key);
        var response = StartWorkflowExecutionResponse.newBuilder().setRunId(runId.toString()).setStarted(true);
        if (eagerTask != null) {
            response.setEagerWorkflowTask(eagerTask);
        }
        return response.build();
    }

    /**
     * The first mutation of a new run (a start, or the next run of a continue-as-new): WorkflowExecutionStarted
     * with Temporal's timeout defaults, any extra events, the first workflow task and the run timeout.
     */
    public static Mutation newRun(WorkflowKey key, ShardContext shard, java.time.Instant now, String createRequestId,
                           WorkflowExecutionStartedEventAttributes.Builder started, java.util.function.Consumer<Mutation> extra,
                           io.temporal.api.sdk.v1.UserMetadata metadata) {
        return newRun(key, shard, now, createRequestId, started, extra, metadata, java.util.List.of());
    }

    /** As above; {@code links} go on WorkflowExecutionStarted (a Nexus caller's link to its scheduled event). */
    public static Mutation newRun(WorkflowKey key, ShardContext shard, java.time.Instant now, String createRequestId,
                           WorkflowExecutionStartedEventAttributes.Builder started, java.util.function.Consumer<Mutation> extra,
                           io.temporal.api.sdk.v1.UserMetadata metadata, java.util.List<io.temporal.api.common.v1.Link> links) {
        WorkflowMutableState.Builder s = WorkflowMutableState.newBuilder()
                .setNextEventId(1)
                .setExecution(ExecutionInfo.newBuilder()
                        .setNamespaceId(key.namespaceId().toString())
                        .setWorkflowId(key.workflowId())
                        .setRunId(key.runId().toString())
                        .setCreateRequestId(createRequestId));
        Mutation m = new Mutation(key, shard, s, now);
        Duration execTimeout = started.getWorkflowExecutionTimeout();
        Duration runTimeout = Times.isZero(started.getWorkflowRunTimeout()) ? execTimeout : started.getWorkflowRunTimeout();
        if (!Times.isZero(execTimeout) && Times.duration(runTimeout).compareTo(Times.duration(execTimeout)) > 0) {
            runTimeout = execTimeout;
        }
        m.commandMetadata(metadata); // the start request's summary and details, on WorkflowExecutionStarted
        if (!links.isEmpty()) {
            m.eventLinks(links);
        }
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
                .setWorkflowExecutionStartedEventAttributes(started
                        .setWorkflowRunTimeout(runTimeout)
                        .setWorkflowTaskTimeout(workflowTaskTimeout(started.getWorkflowTaskTimeout(), runTimeout))
                        .setOriginalExecutionRunId(key.runId().toString())
                        .setWorkflowId(key.workflowId())));
        if (extra != null) {
            extra.accept(m);
        }
        if (Times.isZero(started.getFirstWorkflowTaskBackoff())) {
            m.scheduleWorkflowTask(1);
        } else {
            m.timerTask(m.now().plus(Times.duration(started.getFirstWorkflowTaskBackoff())), HistoryTask.newBuilder()
                    .setWorkflowBackoff(io.kairos.proto.persistence.v1.WorkflowBackoff.newBuilder().setRunId(key.runId().toString())));
        }
        if (!Times.isZero(runTimeout)) {
            m.timerTask(m.now().plus(Times.duration(runTimeout)), HistoryTask.newBuilder()
                    .setWorkflowRunTimeout(WorkflowRunTimeout.newBuilder().setRunId(key.runId().toString())));
        }
        return m;
    }

    /**
     * Temporal's default 10 s, capped at 120 s and at the run timeout: a worker heartbeats a long workflow task
     * (local activities) at 80% of this, so a short run completes a task before it times out.
     */
    public static Duration workflowTaskTimeout(Duration requested, Duration runTimeout) {
        Duration t = Times.isZero(requested) ? DEFAULT_WORKFLOW_TASK_TIMEOUT : requested;
        if (t.getSeconds() > MAX_WORKFLOW_TASK_TIMEOUT_SECONDS) {
            t = Duration.newBuilder().setSeconds(MAX_WORKFLOW_TASK_TIMEOUT_SECONDS).build();
        }
        if (!Times.isZero(runTimeout) && Times.duration(runTimeout).compareTo(Times.duration(t)) < 0) {
            t = runTimeout;
        }
        return t;
    }
}
