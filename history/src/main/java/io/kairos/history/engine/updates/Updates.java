package io.kairos.history.engine.updates;

import io.kairos.history.engine.HistoryReads;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.engine.queries.Queries;
import com.google.protobuf.Any;
import io.grpc.Context;
import io.grpc.Deadline;
import io.kairos.common.errors.ApiException;
import io.kairos.common.errors.DeadlineExceededException;
import io.kairos.common.errors.FailedPreconditionException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.errors.ResourceExhaustedException;
import io.kairos.common.errors.WorkflowNotReadyException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.updates.UpdateRegistry.Update;
import io.kairos.history.lifecycle.UpdateLifecycle;
import io.kairos.proto.persistence.v1.UpdateInfo;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.kairos.proto.persistence.v1.WorkflowMutableStateOrBuilder;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.ResourceExhaustedCause;
import io.temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.failure.v1.ApplicationFailureInfo;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.protocol.v1.Message;
import io.temporal.api.update.v1.Outcome;
import io.temporal.api.update.v1.Request;
import io.temporal.api.update.v1.UpdateRef;
import io.temporal.api.workflowservice.v1.PollWorkflowExecutionUpdateRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowExecutionUpdateResponse;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * UpdateWorkflowExecution and PollWorkflowExecutionUpdate. An update is admitted in memory ({@link UpdateRegistry}),
 * delivered in the next workflow task's messages (a workflow task is scheduled if none is pending; Temporal uses a
 * speculative one), and answered by the worker in RespondWorkflowTaskCompleted ({@link UpdateMessages}). Callers wait
 * for the requested stage up to Temporal's 20 s soft timeout, then get the stage reached so far; the caller's own
 * deadline, if shorter, ends the wait with DEADLINE_EXCEEDED.
 */
public final class Updates {
    /** Temporal's history.maxInFlightUpdates and history.maxTotalUpdates defaults. */
    static final int MAX_IN_FLIGHT = 10;
    static final int MAX_TOTAL = 2000;
    /** history.longPollExpirationInterval: after it a waiting caller gets the stage reached so far. */
    static final Duration SOFT_TIMEOUT = Duration.ofSeconds(20);
    static final Duration TIMEOUT_WITHOUT_DEADLINE = Duration.ofMinutes(1);

    static final Failure ACCEPTED_UPDATE_COMPLETED_WORKFLOW = serverFailure(
            "Workflow Update failed because the Workflow completed before the Update completed.", "AcceptedUpdateCompletedWorkflow");
    static final Failure UNPROCESSED_UPDATE = serverFailure("Workflow Update is rejected because it wasn't processed by worker. "
            + "Probably, Workflow Update is not supported by the worker.", "UnprocessedUpdate");

    private final WorkflowUpdater updater;
    private final HistoryReads reads;
    final UpdateRegistry registry = new UpdateRegistry();

    public Updates(WorkflowUpdater updater, HistoryReads reads) {
        this.updater = updater;
        this.reads = reads;
    }

    /** The stage an update reached, and its outcome once completed (or rejected). */
    record Status(UpdateWorkflowExecutionLifecycleStage stage, Outcome outcome) {
    }

    public UpdateWorkflowExecutionResponse update(NamespaceId ns, UpdateWorkflowExecutionRequest req) {
        long deadline = callerDeadline();
        WorkflowExecution e = req.getWorkflowExecution();
        WorkflowKey key = reads.resolve(ns, e.getWorkflowId(), e.getRunId());
        Update u = updater.update(key, m -> admit(m, req.getFirstExecutionRunId(), req.getRequest()));
        return response(key, u.id, await(key, u, req.getWaitPolicy().getLifecycleStage(), deadline));
    }

    static UpdateWorkflowExecutionResponse response(WorkflowKey key, String updateId, Status st) {
        UpdateWorkflowExecutionResponse.Builder b = UpdateWorkflowExecutionResponse.newBuilder()
                .setUpdateRef(ref(key, updateId)).setStage(st.stage());
        if (st.outcome() != null) {
            b.setOutcome(st.outcome());
        }
        return b.build();
    }

    public PollWorkflowExecutionUpdateResponse poll(NamespaceId ns, PollWorkflowExecutionUpdateRequest req) {
        long deadline = callerDeadline();
        WorkflowExecution e = req.getUpdateRef().getWorkflowExecution();
        String id = req.getUpdateRef().getUpdateId();
        WorkflowKey key = reads.resolve(ns, e.getWorkflowId(), e.getRunId());
        Update u = updater.update(key, m -> find(m.key(), m.state(), id));
        if (u == null) {
            throw new NotFoundException("update \"" + id + "\" not found");
        }
        Status st = await(key, u, req.getWaitPolicy().getLifecycleStage(), deadline);
        PollWorkflowExecutionUpdateResponse.Builder b = PollWorkflowExecutionUpdateResponse.newBuilder()
                .setUpdateRef(ref(key, id)).setStage(st.stage());
        if (st.outcome() != null) {
            b.setOutcome(st.outcome());
        }
        return b.build();
    }

    /**
     * Admits the update to the run, or joins the update of the same id (in flight, or completed and remembered in
     * mutable state). Runs inside the run's mutation; the registry changes once it commits.
     */
    Update admit(Mutation m, String firstExecutionRunId, Request request) {
        var exec = m.state().getExecution();
        if (!firstExecutionRunId.isEmpty() && !firstExecutionRunId.equals(exec.getFirstExecutionRunId())) {
            throw new NotFoundException("workflow execution not found");
        }
        String id = request.getMeta().getUpdateId();
        Update existing = find(m.key(), m.state(), id);
        if (!m.isRunning()) {
            if (existing != null) {
                return existing;
            }
            throw new NotFoundException("workflow execution already completed");
        }
        if (m.state().hasWorkflowTask() && m.state().getWorkflowTask().getAttempt() >= Queries.FAILING_WORKFLOW_TASK_ATTEMPT) {
            throw new WorkflowNotReadyException(
                    "Unable to perform workflow execution update due to Workflow Task in failed state.");
        }
        if (existing != null) {
            return existing;
        }
        checkLimits(m.key(), m.state());
        Update u = registry.newAdmitted(id, request);
        WorkflowKey key = m.key();
        m.afterCommit(() -> registry.put(key, u));
        // A pending workflow task will carry the update when it starts; else one is scheduled for it.
        m.scheduleWorkflowTask(1);
        return u;
    }

    private void checkLimits(WorkflowKey key, WorkflowMutableStateOrBuilder s) {
        java.util.Set<String> inFlight = new java.util.HashSet<>();
        registry.inFlight(key).forEach(u -> inFlight.add(u.id));
        int completed = 0;
        for (var e : s.getUpdatesMap().entrySet()) {
            if (e.getValue().getCompletedEventId() > 0) {
                completed++;
            } else {
                inFlight.add(e.getKey());
            }
        }
        if (inFlight.size() >= MAX_IN_FLIGHT) {
            throw new ResourceExhaustedException(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
                    "limit on number of concurrent in-flight updates has been reached (" + MAX_IN_FLIGHT + ")");
        }
        if (inFlight.size() + completed >= MAX_TOTAL) {
            throw new FailedPreconditionException("The limit on the total number of distinct updates in this workflow "
                    + "has been reached (" + MAX_TOTAL + "). Make sure any duplicate updates share an Update ID so the "
                    + "server can deduplicate them, and consider rejecting updates that you aren't going to process. "
                    + "You can also Continue-as-New to avoid this; we recommend you check Continue-as-New Suggested in "
                    + "your Workflow.");
        }
    }

    /**
     * The update of this id: in flight in the registry, or remembered in mutable state (completed: its outcome is
     * read from history; accepted or admitted by an event: restored into the registry after a restart). Null when
     * unknown. Under the run's lock.
     */
    Update find(WorkflowKey key, WorkflowMutableStateOrBuilder s, String id) {
        Update u = registry.get(key, id);
        if (u != null) {
            return u;
        }
        UpdateInfo info = s.getUpdatesMap().get(id);
        if (info == null) {
            return null;
        }
        if (info.getCompletedEventId() > 0) {
            return UpdateRegistry.completed(id, readOutcome(key, info.getCompletedEventId()));
        }
        // Admitted by an event (a reset reapplied it) and not yet accepted: the worker has its request from history.
        u = new Update(id, null, UpdateLifecycle.State.ADMITTED, 0);
        if (info.getAcceptedEventId() > 0) {
            u.accepted(info.getAcceptedEventId());
        }
        if (s.getExecution().getState() == io.kairos.proto.persistence.v1.ExecutionState.EXECUTION_STATE_RUNNING) {
            registry.put(key, u);
        } else {
            abort(u, false);
        }
        return u;
    }

    private Outcome readOutcome(WorkflowKey key, long eventId) {
        for (HistoryEvent e : updater.readHistory(key, eventId, eventId + 1, 1)) {
            if (e.getEventId() == eventId) {
                return e.getWorkflowExecutionUpdateCompletedEventAttributes().getOutcome();
            }
        }
        throw new IllegalStateException("update completed event " + eventId + " of " + key + " is missing");
    }

    /** The request messages for a workflow task being started: every update not yet answered, oldest first. */
    public List<Message> deliver(Mutation m, long startedEventId) {
        List<Message> out = new ArrayList<>();
        for (Update u : registry.inFlight(m.key())) {
            var st = u.state();
            if (u.request == null || (st != UpdateLifecycle.State.ADMITTED && st != UpdateLifecycle.State.SENT)) {
                continue;
            }
            out.add(Message.newBuilder().setProtocolInstanceId(u.id).setId(requestMessageId(u.id))
                    .setEventId(startedEventId - 1).setBody(Any.pack(u.request)).build());
            if (st == UpdateLifecycle.State.ADMITTED) {
                m.afterCommit(() -> {
                    if (u.state() == UpdateLifecycle.State.ADMITTED) {
                        u.move(UpdateLifecycle.State.SENT);
                    }
                });
            }
        }
        return out;
    }

    static String requestMessageId(String updateId) {
        return updateId + "/request";
    }

    /**
     * The run closed: accepted updates complete with Temporal's AcceptedUpdateCompletedWorkflow failure; earlier
     * ones fail, with a retryable error when the run continued as new (the client's retry reaches the new run).
     */
    void abortClosed(WorkflowKey key, boolean continuedAsNew) {
        for (Update u : registry.inFlight(key)) {
            abort(u, continuedAsNew);
        }
        registry.clear(key);
    }

    private static void abort(Update u, boolean continuedAsNew) {
        if (u.done()) {
            return;
        }
        boolean accepted = u.state() == UpdateLifecycle.State.ACCEPTED;
        u.move(UpdateLifecycle.State.ABORTED);
        if (accepted) {
            u.outcome.complete(Outcome.newBuilder().setFailure(ACCEPTED_UPDATE_COMPLETED_WORKFLOW).build());
            return;
        }
        ApiException error = continuedAsNew
                ? new ResourceExhaustedException(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW,
                        "workflow operation can not be applied because workflow is closing")
                : new NotFoundException("workflow update was aborted by closing workflow");
        u.accepted.completeExceptionally(error);
        u.outcome.completeExceptionally(error);
    }

    /**
     * Waits (on the caller's virtual thread) until the update reaches {@code wait}, the soft timeout (answers the stage
     * reached), or the caller's deadline (DEADLINE_EXCEEDED). A run that closes meanwhile aborts the update.
     */
    Status await(WorkflowKey key, Update u, UpdateWorkflowExecutionLifecycleStage wait, long deadline) {
        Context ctx = Context.current();
        long soft = Math.min(deadline, System.nanoTime() + SOFT_TIMEOUT.toNanos());
        while (true) {
            CompletableFuture<Void> change = updater.notifier().nextChange(key);
            Status reached = reached(u, wait);
            if (reached != null) {
                return reached;
            }
            WorkflowMutableState s = updater.load(key).orElseThrow(() -> WorkflowUpdater.notFound(key));
            if (s.getExecution().getState() != io.kairos.proto.persistence.v1.ExecutionState.EXECUTION_STATE_RUNNING) {
                updater.update(key, m -> {
                    if (!m.isRunning()) {
                        boolean can = m.state().getExecution().getStatus()
                                == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW;
                        m.afterCommit(() -> abortClosed(key, can));
                    }
                    return null;
                });
                if (u.done()) {
                    continue;
                }
            }
            long now = System.nanoTime();
            if (now >= deadline || ctx.isCancelled()) {
                throw new DeadlineExceededException("context deadline exceeded");
            }
            if (now >= soft) {
                return current(u);
            }
            CompletableFuture<Object> wake = CompletableFuture.anyOf(change, u.accepted, u.outcome);
            Context.CancellationListener cancelled = c -> wake.complete(null);
            ctx.addListener(cancelled, Runnable::run);
            try {
                wake.get(soft - now, TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException ignored) {
                // the next round answers
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                throw new DeadlineExceededException("interrupted");
            } finally {
                ctx.removeListener(cancelled);
            }
        }
    }

    /** The status when the update has reached {@code wait}, else null; throws the error that ended it. */
    private static Status reached(Update u, UpdateWorkflowExecutionLifecycleStage wait) {
        if (u.outcome.isDone()) {
            return new Status(UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED,
                    join(u.outcome));
        }
        if (wait == UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED) {
            return null;
        }
        if (u.accepted.isDone()) {
            return current(u);
        }
        if (wait == UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED) {
            return null;
        }
        return current(u); // a poll for the stage as it is
    }

    private static Status current(Update u) {
        if (u.outcome.isDone()) {
            return new Status(UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED,
                    join(u.outcome));
        }
        if (u.accepted.isDone()) {
            Failure rejection = join(u.accepted);
            if (rejection != null) {
                return new Status(UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED,
                        Outcome.newBuilder().setFailure(rejection).build());
            }
            return new Status(UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED, null);
        }
        return new Status(UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED, null);
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    static long callerDeadline() {
        Deadline d = Context.current().getDeadline();
        return System.nanoTime() + (d == null ? TIMEOUT_WITHOUT_DEADLINE.toNanos()
                : Math.max(0, d.timeRemaining(TimeUnit.NANOSECONDS)));
    }

    static UpdateRef ref(WorkflowKey key, String updateId) {
        return UpdateRef.newBuilder().setUpdateId(updateId).setWorkflowExecution(WorkflowExecution.newBuilder()
                .setWorkflowId(key.workflowId()).setRunId(key.runId().toString())).build();
    }

    private static Failure serverFailure(String message, String type) {
        return Failure.newBuilder().setMessage(message).setSource("Server").setApplicationFailureInfo(
                ApplicationFailureInfo.newBuilder().setType(type).setNonRetryable(true)).build();
    }
}
