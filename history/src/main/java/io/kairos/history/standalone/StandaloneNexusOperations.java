package io.kairos.history.standalone;

import com.google.protobuf.ByteString;
import io.kairos.common.errors.FailedPreconditionException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.errors.WorkflowAlreadyStartedException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.StandaloneIds;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.workflow.ExternalRequests;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.workflow.StartWorkflow;
import io.kairos.history.engine.workflow.WorkflowDeletion;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.lifecycle.StandaloneNexusOperationLifecycle;
import io.kairos.history.nexus.NexusCommands;
import io.kairos.persistence.execution.CurrentExecution;
import io.kairos.proto.persistence.v1.ExecutionState;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.command.v1.RequestCancelNexusOperationCommandAttributes;
import io.temporal.api.command.v1.ScheduleNexusOperationCommandAttributes;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.NexusOperationExecutionStatus;
import io.temporal.api.enums.v1.NexusOperationWaitStage;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowExecutionCanceledEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionCompletedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionFailedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionTimedOutEventAttributes;
import io.temporal.api.workflowservice.v1.DeleteNexusOperationExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeNexusOperationExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeNexusOperationExecutionResponse;
import io.temporal.api.workflowservice.v1.PollNexusOperationExecutionRequest;
import io.temporal.api.workflowservice.v1.PollNexusOperationExecutionResponse;
import io.temporal.api.workflowservice.v1.RequestCancelNexusOperationExecutionRequest;
import io.temporal.api.workflowservice.v1.StartNexusOperationExecutionRequest;
import io.temporal.api.workflowservice.v1.StartNexusOperationExecutionResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.TerminateNexusOperationExecutionRequest;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

/**
 * Standalone Nexus operations (Temporal's CHASM nexusoperation archetype), started by a client, not a workflow. Each
 * is a hidden run (workflow id from {@link StandaloneIds}) whose history is WorkflowExecutionStarted, the operation's
 * NexusOperationScheduled and, later, the same Nexus events a workflow's operation gets: the invocation, retries,
 * timeouts, cancellation and completion callbacks are {@code io.kairos.history.nexus}'s, unchanged. Where a workflow
 * would get a workflow task, {@link #settle} closes the run with the operation's outcome instead.
 */
public final class StandaloneNexusOperations {
    /** The hidden run's workflow type (in visibility only; lists of workflows never show these rows). */
    public static final String RUN_TYPE = "__temporal_standalone_nexus_operation";

    private final WorkflowUpdater updater;
    private final StartWorkflow starts;
    private final NexusCommands commands;
    private final WorkflowDeletion deletion;

    public StandaloneNexusOperations(WorkflowUpdater updater, StartWorkflow starts, NexusCommands commands,
                                     WorkflowDeletion deletion) {
        this.updater = updater;
        this.starts = starts;
        this.commands = commands;
        this.deletion = deletion;
    }

    // ---- start ----

    public StartNexusOperationExecutionResponse start(NamespaceId ns, StartNexusOperationExecutionRequest req) {
        StartWorkflowExecutionRequest run = StartWorkflowExecutionRequest.newBuilder()
                .setNamespace(req.getNamespace())
                .setWorkflowId(StandaloneIds.nexusOperation(req.getOperationId()))
                .setWorkflowType(WorkflowType.newBuilder().setName(RUN_TYPE))
                .setRequestId(req.getRequestId()).setIdentity(req.getIdentity())
                .setSearchAttributes(io.kairos.persistence.visibility.NexusOperationAttributes.of(req.getSearchAttributes(),
                        req.getOperationId(), req.getEndpoint(), req.getService(), req.getOperation()))
                .setUserMetadata(req.getUserMetadata())
                .setWorkflowIdReusePolicy(switch (req.getIdReusePolicy()) {
                    case NEXUS_OPERATION_ID_REUSE_POLICY_REJECT_DUPLICATE -> WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE;
                    case NEXUS_OPERATION_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY ->
                            WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY;
                    default -> WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE;
                })
                .setWorkflowIdConflictPolicy(req.getIdConflictPolicy()
                        == io.temporal.api.enums.v1.NexusOperationIdConflictPolicy.NEXUS_OPERATION_ID_CONFLICT_POLICY_USE_EXISTING
                        ? WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
                        : WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                .build();
        ScheduleNexusOperationCommandAttributes.Builder op = ScheduleNexusOperationCommandAttributes.newBuilder()
                .setEndpoint(req.getEndpoint()).setService(req.getService()).setOperation(req.getOperation())
                .setInput(req.getInput());
        op.putAllNexusHeader(req.getNexusHeaderMap());
        if (req.hasScheduleToCloseTimeout()) {
            op.setScheduleToCloseTimeout(req.getScheduleToCloseTimeout());
        }
        if (req.hasScheduleToStartTimeout()) {
            op.setScheduleToStartTimeout(req.getScheduleToStartTimeout());
        }
        if (req.hasStartToCloseTimeout()) {
            op.setStartToCloseTimeout(req.getStartToCloseTimeout());
        }
        try {
            var r = starts.startStandalone(ns, run, m -> commands.schedule(m, op.build()));
            return StartNexusOperationExecutionResponse.newBuilder().setRunId(r.getRunId()).setStarted(r.getStarted()).build();
        } catch (WorkflowAlreadyStartedException e) {
            throw new WorkflowAlreadyStartedException("nexus operation execution already started: request_id="
                    + e.startRequestId() + ", run_id=" + e.runId(), e.startRequestId(), e.runId(),
                    WorkflowAlreadyStartedException.Archetype.NEXUS_OPERATION);
        }
    }

    // ---- closing the run when the operation ends ----

    /**
     * Called where a workflow would be woken: once the operation's outcome event is written (it is no longer pending),
     * the run closes with the matching status. The outcome itself stays in its Nexus event, which Poll reads.
     */
    public static void settle(Mutation m) {
        if (!m.isRunning() || m.state().getNexusOperationsCount() > 0) {
            return; // started, or a cancel request answered: still running
        }
        HistoryEvent outcome = m.lastEvent();
        if (outcome == null) {
            return;
        }
        NexusOperationExecutionStatus to = switch (outcome.getEventType()) {
            case EVENT_TYPE_NEXUS_OPERATION_COMPLETED -> NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_COMPLETED;
            case EVENT_TYPE_NEXUS_OPERATION_FAILED -> NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_FAILED;
            case EVENT_TYPE_NEXUS_OPERATION_CANCELED -> NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_CANCELED;
            case EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT -> NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_TIMED_OUT;
            default -> null;
        };
        if (to == null) {
            return;
        }
        StandaloneNexusOperationLifecycle.TABLE.move(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_RUNNING, to);
        HistoryEvent.Builder close = HistoryEvent.newBuilder();
        switch (to) {
            case NEXUS_OPERATION_EXECUTION_STATUS_COMPLETED -> close.setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
                    .setWorkflowExecutionCompletedEventAttributes(WorkflowExecutionCompletedEventAttributes.newBuilder()
                            .setResult(Payloads.newBuilder().addPayloads(outcome.getNexusOperationCompletedEventAttributes().getResult())));
            case NEXUS_OPERATION_EXECUTION_STATUS_FAILED -> close.setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED)
                    .setWorkflowExecutionFailedEventAttributes(WorkflowExecutionFailedEventAttributes.newBuilder()
                            .setFailure(NexusOperationOutcomes.failure(outcome)));
            case NEXUS_OPERATION_EXECUTION_STATUS_CANCELED -> close.setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED)
                    .setWorkflowExecutionCanceledEventAttributes(WorkflowExecutionCanceledEventAttributes.getDefaultInstance());
            default -> close.setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT)
                    .setWorkflowExecutionTimedOutEventAttributes(WorkflowExecutionTimedOutEventAttributes.getDefaultInstance());
        }
        m.addEvent(close);
    }

    // ---- cancel, terminate, delete ----

    /** Temporal's RequestCancel: the handler is asked to cancel once the operation has started. */
    public void requestCancel(NamespaceId ns, RequestCancelNexusOperationExecutionRequest req) {
        WorkflowKey key = resolve(ns, req.getOperationId(), req.getRunId());
        updater.update(key, m -> {
            var op = m.state().getNexusOperationsMap().values().stream().findFirst();
            if (!m.isRunning() || op.isEmpty()) {
                throw new FailedPreconditionException("operation already completed");
            }
            if (op.get().hasCancellation()) {
                // A retried request changes nothing; another is refused, as Temporal's.
                String existing = op.get().getCancellation().getRequestId();
                if (existing.isEmpty() || existing.equals(req.getRequestId())) {
                    return null;
                }
                throw new FailedPreconditionException("cancellation already requested with request ID " + existing);
            }
            commands.requestCancel(m, RequestCancelNexusOperationCommandAttributes.newBuilder()
                    .setScheduledEventId(op.get().getScheduledEventId()).build());
            // Remember who asked, for the dedup above and Describe's cancellation_info.
            var after = m.state().getNexusOperationsOrThrow(op.get().getScheduledEventId());
            m.state().putNexusOperations(after.getScheduledEventId(), after.toBuilder().setCancellation(after.getCancellation()
                    .toBuilder().setRequestId(req.getRequestId()).setReason(req.getReason())).build());
            return null;
        });
    }

    public void terminate(NamespaceId ns, TerminateNexusOperationExecutionRequest req) {
        WorkflowKey key = resolve(ns, req.getOperationId(), req.getRunId());
        updater.update(key, m -> {
            if (!m.isRunning()) {
                if (m.state().getExecution().getStatus()
                        == io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED) {
                    return null; // already terminated: a retry
                }
                throw new FailedPreconditionException("operation already completed");
            }
            StandaloneNexusOperationLifecycle.TABLE.move(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_RUNNING,
                    NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_TERMINATED);
            m.state().clearNexusOperations(); // nothing more is sent to the handler; its pending tasks find no operation
            ExternalRequests.terminate(m, req.getReason(), req.getIdentity(), Payloads.getDefaultInstance());
            return null;
        });
    }

    /** Terminates the operation if it runs, then deletes it (its visibility row goes with it). */
    public void delete(NamespaceId ns, DeleteNexusOperationExecutionRequest req) {
        WorkflowKey key = resolve(ns, req.getOperationId(), req.getRunId());
        deletion.deleteWorkflowExecution(ns, WorkflowExecution.newBuilder().setWorkflowId(key.workflowId())
                .setRunId(key.runId().toString()).build());
    }

    // ---- describe and poll ----

    public DescribeNexusOperationExecutionResponse describe(NamespaceId ns, DescribeNexusOperationExecutionRequest req) {
        WorkflowKey key = resolve(ns, req.getOperationId(), req.getRunId());
        if (req.getLongPollToken().isEmpty()) {
            return NexusOperationOutcomes.describe(key, load(key), updater, req);
        }
        long known = versionOf(key, req.getLongPollToken());
        Optional<WorkflowMutableState> changed = LongPolls.await(updater, key, this::load, s -> s.getDbRecordVersion() != known);
        return changed.map(s -> NexusOperationOutcomes.describe(key, s, updater, req))
                .orElse(DescribeNexusOperationExecutionResponse.getDefaultInstance());
    }

    public PollNexusOperationExecutionResponse poll(NamespaceId ns, PollNexusOperationExecutionRequest req) {
        WorkflowKey key = resolve(ns, req.getOperationId(), req.getRunId());
        boolean closedOnly = req.getWaitStage() != NexusOperationWaitStage.NEXUS_OPERATION_WAIT_STAGE_STARTED;
        Optional<WorkflowMutableState> reached = LongPolls.await(updater, key, this::load, s -> {
            boolean closed = s.getExecution().getState() != ExecutionState.EXECUTION_STATE_RUNNING;
            return closed || (!closedOnly && s.getNexusOperationsMap().values().stream().anyMatch(op -> op.getStarted()));
        });
        return reached.map(s -> NexusOperationOutcomes.poll(key, s, updater))
                .orElse(PollNexusOperationExecutionResponse.getDefaultInstance());
    }

    // ---- helpers ----

    private WorkflowMutableState load(WorkflowKey key) {
        return updater.load(key).orElseThrow(() -> notFound(StandaloneIds.operationId(key.workflowId()).orElse(""),
                key.runId().toString()));
    }

    /** The operation's run: the named one, or the current run of the operation id. */
    WorkflowKey resolve(NamespaceId ns, String operationId, String runId) {
        String id = StandaloneIds.nexusOperation(operationId);
        if (!runId.isEmpty()) {
            try {
                return new WorkflowKey(ns, id, UUID.fromString(runId));
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException("run_id is not a valid UUID");
            }
        }
        CurrentExecution cur = updater.currentRun(ns, id).orElseThrow(() -> notFound(operationId, ""));
        return new WorkflowKey(ns, id, cur.runId());
    }

    static NotFoundException notFound(String operationId, String runId) {
        return new NotFoundException("execution not found for operation ID " + operationId
                + (runId.isEmpty() ? "" : " and run ID " + runId));
    }

    /** Describe's long-poll token: the run id and the record version the caller saw. */
    static ByteString token(WorkflowKey key, WorkflowMutableState s) {
        return ByteString.copyFrom(key.runId() + ":" + s.getDbRecordVersion(), StandardCharsets.UTF_8);
    }

    static long versionOf(WorkflowKey key, ByteString token) {
        String[] parts = token.toStringUtf8().split(":");
        try {
            if (parts.length != 2) {
                throw new NumberFormatException();
            }
            if (!parts[0].equals(key.runId().toString())) {
                throw new InvalidArgumentException("long poll token does not match execution");
            }
            return Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("invalid long poll token");
        }
    }
}
