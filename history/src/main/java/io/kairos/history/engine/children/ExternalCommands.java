package io.kairos.history.engine.children;

import io.kairos.history.engine.BadCommandException;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.Namespaces;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.engine.workflow.Commands;
import io.kairos.history.engine.workflow.ExternalRequests;
import io.kairos.common.TemporalCompat;
import io.kairos.common.errors.NamespaceNotFoundException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.proto.persistence.v1.ExternalRequestInfo;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.InitiatedCommand;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.command.v1.RequestCancelExternalWorkflowExecutionCommandAttributes;
import io.temporal.api.command.v1.SignalExternalWorkflowExecutionCommandAttributes;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.CancelExternalWorkflowExecutionFailedCause;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.SignalExternalWorkflowExecutionFailedCause;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.history.v1.ExternalWorkflowExecutionCancelRequestedEventAttributes;
import io.temporal.api.history.v1.ExternalWorkflowExecutionSignaledEventAttributes;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.RequestCancelExternalWorkflowExecutionFailedEventAttributes;
import io.temporal.api.history.v1.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes;
import io.temporal.api.history.v1.SignalExternalWorkflowExecutionFailedEventAttributes;
import io.temporal.api.history.v1.SignalExternalWorkflowExecutionInitiatedEventAttributes;

import java.util.Optional;
import java.util.UUID;

/**
 * SignalExternalWorkflowExecution and RequestCancelExternalWorkflowExecution: the command writes its Initiated event
 * and a transfer task; the task delivers the signal or cancel request to the target (its own transaction, maybe
 * another shard) with a request id fixed by the command, then records the answer on the sender.
 */
public final class ExternalCommands {
    /** limit.numPendingSignals.error */
    static final int PENDING_SIGNALS_LIMIT = 2000;
    /** limit.numPendingCancelRequests.error */
    static final int PENDING_CANCEL_REQUESTS_LIMIT = 2000;

    private final WorkflowUpdater updater;
    private final RemoteWorkflows remote;
    private final Namespaces namespaces;
    private final ChildWorkflows children;

    public ExternalCommands(WorkflowUpdater updater, RemoteWorkflows remote, Namespaces namespaces, ChildWorkflows children) {
        this.updater = updater;
        this.remote = remote;
        this.namespaces = namespaces;
        this.children = children;
    }

    // ---- commands ----

    public void signal(Mutation m, SignalExternalWorkflowExecutionCommandAttributes a) {
        NamespaceId target = targetNamespace(m, a.getNamespace());
        String id = a.getExecution().getWorkflowId();
        String runId = a.getExecution().getRunId();
        String where = "Namespace=" + a.getNamespace() + " RunId=" + runId + " SignalName=" + a.getSignalName();
        WorkflowTaskFailedCause cause = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES;
        if (!a.hasExecution()) {
            throw new BadCommandException(cause, "Execution is not set on SignalExternalWorkflowExecutionCommand.");
        }
        checkTarget(cause, "SignalExternalWorkflowExecutionCommand", a.getNamespace(), id, runId, where);
        if (a.getSignalName().isEmpty()) {
            throw new BadCommandException(cause, "SignalName is not set on SignalExternalWorkflowExecutionCommand. WorkflowId="
                    + id + " Namespace=" + a.getNamespace() + " RunId=" + runId);
        }
        int pending = m.state().getPendingSignalsCount();
        if (pending >= PENDING_SIGNALS_LIMIT) {
            throw new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_PENDING_SIGNALS_LIMIT_EXCEEDED,
                    "the number of pending signals to external workflows, " + pending
                            + ", has reached the per-workflow limit of " + PENDING_SIGNALS_LIMIT);
        }
        Commands.checkBlob(a.getInput(), cause, "SignalExternalWorkflowExecutionCommandAttributes.Input");
        HistoryEvent e = m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED)
                .setSignalExternalWorkflowExecutionInitiatedEventAttributes(SignalExternalWorkflowExecutionInitiatedEventAttributes.newBuilder()
                        .setWorkflowTaskCompletedEventId(Commands.lastWorkflowTaskCompletedId(m))
                        .setNamespace(a.getNamespace()).setNamespaceId(target.toString())
                        .setWorkflowExecution(a.getExecution()).setSignalName(a.getSignalName()).setInput(a.getInput())
                        .setControl(a.getControl()).setChildWorkflowOnly(a.getChildWorkflowOnly()).setHeader(a.getHeader())));
        m.transferTask(HistoryTask.newBuilder().setSignalExternal(InitiatedCommand.newBuilder().setInitiatedEventId(e.getEventId())));
    }

    public void requestCancel(Mutation m, RequestCancelExternalWorkflowExecutionCommandAttributes a) {
        NamespaceId target = targetNamespace(m, a.getNamespace());
        String id = a.getWorkflowId();
        String where = "Namespace=" + a.getNamespace() + " RunId=" + a.getRunId();
        WorkflowTaskFailedCause cause = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_ATTRIBUTES;
        checkTarget(cause, "RequestCancelExternalWorkflowExecutionCommand", a.getNamespace(), id, a.getRunId(), where);
        long completedId = Commands.lastWorkflowTaskCompletedId(m);
        boolean startedInThisTask = m.state().getChildExecutionsMap().values().stream()
                .anyMatch(ci -> ci.getInitiatedEventId() > completedId && ci.getWorkflowId().equals(id));
        if (startedInThisTask) {
            throw new BadCommandException(cause, "Start and RequestCancel for child workflow is not allowed in same workflow task."
                    + " WorkflowId=" + id + " RunId=" + a.getRunId() + " Namespace=" + a.getNamespace());
        }
        int pending = m.state().getPendingCancelRequestsCount();
        if (pending >= PENDING_CANCEL_REQUESTS_LIMIT) {
            throw new BadCommandException(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_PENDING_REQUEST_CANCEL_LIMIT_EXCEEDED,
                    "the number of pending requests to cancel external workflows, " + pending
                            + ", has reached the per-workflow limit of " + PENDING_CANCEL_REQUESTS_LIMIT);
        }
        HistoryEvent e = m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED)
                .setRequestCancelExternalWorkflowExecutionInitiatedEventAttributes(
                        RequestCancelExternalWorkflowExecutionInitiatedEventAttributes.newBuilder()
                                .setWorkflowTaskCompletedEventId(completedId)
                                .setNamespace(a.getNamespace()).setNamespaceId(target.toString())
                                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(id).setRunId(a.getRunId()))
                                .setControl(a.getControl()).setChildWorkflowOnly(a.getChildWorkflowOnly())
                                .setReason(a.getReason())));
        m.transferTask(HistoryTask.newBuilder().setCancelExternal(InitiatedCommand.newBuilder().setInitiatedEventId(e.getEventId())));
    }

    private NamespaceId targetNamespace(Mutation m, String name) {
        return name.isEmpty() ? m.key().namespaceId() : namespaces.requireId(name);
    }

    private static void checkTarget(WorkflowTaskFailedCause cause, String command, String ns, String id, String runId, String where) {
        if (id.isEmpty()) {
            throw new BadCommandException(cause, "WorkflowId is not set on " + command + ". " + where);
        }
        if (ns.length() > TemporalCompat.MAX_ID_LENGTH || id.length() > TemporalCompat.MAX_ID_LENGTH) {
            throw new BadCommandException(cause, "Namespace or WorkflowId on " + command + " exceeds length limit. WorkflowId="
                    + id + " " + where);
        }
        if (!runId.isEmpty()) {
            try {
                UUID.fromString(runId);
            } catch (IllegalArgumentException e) {
                throw new BadCommandException(cause, "Invalid RunId set on " + command + ". WorkflowId=" + id + " " + where);
            }
        }
    }

    // ---- transfer tasks ----

    public void signalTask(WorkflowKey sender, InitiatedCommand task) {
        long initiatedId = task.getInitiatedEventId();
        Optional<ExternalRequestInfo> info = pending(sender, initiatedId, true);
        if (info.isEmpty()) {
            return;
        }
        var a = children.event(sender, initiatedId).getSignalExternalWorkflowExecutionInitiatedEventAttributes();
        NamespaceId ns = NamespaceId.parse(a.getNamespaceId());
        SignalExternalWorkflowExecutionFailedCause failed = null;
        if (!namespaces.isRegistered(ns)) {
            failed = SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_NAMESPACE_NOT_FOUND;
        } else if (ns.equals(sender.namespaceId()) && a.getWorkflowExecution().getWorkflowId().equals(sender.workflowId())) {
            // Temporal refuses a workflow signalling itself this way, whatever the run id.
            failed = SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND;
        } else {
            try {
                remote.signal(target(ns, a.getWorkflowExecution(), sender, a.getChildWorkflowOnly()), a.getSignalName(),
                        a.getInput(), a.getHeader(), info.get().getRequestId(), ChildWorkflows.HISTORY_SERVICE_IDENTITY);
            } catch (NotFoundException e) {
                failed = SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND;
            } catch (NamespaceNotFoundException e) {
                failed = SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_NAMESPACE_NOT_FOUND;
            } catch (io.kairos.common.errors.InvalidArgumentException e) {
                // As Temporal: the target refused the signal (its signal limit).
                failed = SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_SIGNAL_COUNT_LIMIT_EXCEEDED;
            }
        }
        SignalExternalWorkflowExecutionFailedCause cause = failed;
        answer(sender, initiatedId, true, cause == null
                ? HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED)
                        .setExternalWorkflowExecutionSignaledEventAttributes(ExternalWorkflowExecutionSignaledEventAttributes.newBuilder()
                                .setInitiatedEventId(initiatedId).setNamespace(a.getNamespace()).setNamespaceId(a.getNamespaceId())
                                .setWorkflowExecution(a.getWorkflowExecution()).setControl(a.getControl()))
                : HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)
                        .setSignalExternalWorkflowExecutionFailedEventAttributes(SignalExternalWorkflowExecutionFailedEventAttributes.newBuilder()
                                .setCause(cause).setInitiatedEventId(initiatedId).setNamespace(a.getNamespace())
                                .setNamespaceId(a.getNamespaceId()).setWorkflowExecution(a.getWorkflowExecution())
                                .setControl(a.getControl())));
    }

    public void cancelTask(WorkflowKey sender, InitiatedCommand task) {
        long initiatedId = task.getInitiatedEventId();
        Optional<ExternalRequestInfo> info = pending(sender, initiatedId, false);
        if (info.isEmpty()) {
            return;
        }
        var a = children.event(sender, initiatedId).getRequestCancelExternalWorkflowExecutionInitiatedEventAttributes();
        NamespaceId ns = NamespaceId.parse(a.getNamespaceId());
        CancelExternalWorkflowExecutionFailedCause failed = null;
        if (!namespaces.isRegistered(ns)) {
            failed = CancelExternalWorkflowExecutionFailedCause.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_NAMESPACE_NOT_FOUND;
        } else if (ns.equals(sender.namespaceId()) && a.getWorkflowExecution().getWorkflowId().equals(sender.workflowId())) {
            failed = CancelExternalWorkflowExecutionFailedCause.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND;
        } else {
            try {
                remote.requestCancel(target(ns, a.getWorkflowExecution(), sender, a.getChildWorkflowOnly()), a.getReason(),
                        info.get().getRequestId(), initiatedId, ChildWorkflows.HISTORY_SERVICE_IDENTITY);
            } catch (NotFoundException e) {
                failed = CancelExternalWorkflowExecutionFailedCause.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND;
            } catch (NamespaceNotFoundException e) {
                failed = CancelExternalWorkflowExecutionFailedCause.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_NAMESPACE_NOT_FOUND;
            }
        }
        CancelExternalWorkflowExecutionFailedCause cause = failed;
        answer(sender, initiatedId, false, cause == null
                ? HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                        .setExternalWorkflowExecutionCancelRequestedEventAttributes(
                                ExternalWorkflowExecutionCancelRequestedEventAttributes.newBuilder()
                                        .setInitiatedEventId(initiatedId).setNamespace(a.getNamespace())
                                        .setNamespaceId(a.getNamespaceId()).setWorkflowExecution(a.getWorkflowExecution()))
                : HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)
                        .setRequestCancelExternalWorkflowExecutionFailedEventAttributes(
                                RequestCancelExternalWorkflowExecutionFailedEventAttributes.newBuilder()
                                        .setCause(cause).setInitiatedEventId(initiatedId).setNamespace(a.getNamespace())
                                        .setNamespaceId(a.getNamespaceId()).setWorkflowExecution(a.getWorkflowExecution())
                                        .setControl(a.getControl())));
    }

    /** The request, if the sender still runs and has not had its answer yet (Temporal drops it once the sender closed). */
    private Optional<ExternalRequestInfo> pending(WorkflowKey sender, long initiatedId, boolean signal) {
        Optional<WorkflowMutableState> s = updater.load(sender);
        if (s.isEmpty() || s.get().getExecution().getState() != io.kairos.proto.persistence.v1.ExecutionState.EXECUTION_STATE_RUNNING) {
            return Optional.empty();
        }
        return Optional.ofNullable(signal ? s.get().getPendingSignalsOrDefault(initiatedId, null)
                : s.get().getPendingCancelRequestsOrDefault(initiatedId, null));
    }

    private static ExternalRequests.Target target(NamespaceId ns, WorkflowExecution target, WorkflowKey sender, boolean childOnly) {
        return new ExternalRequests.Target(ns, target.getWorkflowId(), target.getRunId(), "", ChildWorkflows.execution(sender), childOnly);
    }

    /** Records the outcome on the sender, once, and gives it a workflow task to see it. */
    private void answer(WorkflowKey sender, long initiatedId, boolean signal, HistoryEvent.Builder event) {
        updater.update(sender, m -> {
            boolean pending = signal ? m.state().containsPendingSignals(initiatedId) : m.state().containsPendingCancelRequests(initiatedId);
            if (m.isRunning() && pending) {
                m.addEvent(event);
                m.scheduleWorkflowTask(1);
            }
            return null;
        });
    }
}
