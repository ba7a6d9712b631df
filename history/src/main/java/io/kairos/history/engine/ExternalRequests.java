package io.kairos.history.engine;

import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowExecutionCancelRequestedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionSignaledEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionTerminatedEventAttributes;
import io.temporal.api.workflowservice.v1.RequestCancelWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.SignalWithStartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.SignalWithStartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionRequest;

/**
 * What clients do to a running workflow from outside: SignalWorkflowExecution, SignalWithStartWorkflowExecution,
 * TerminateWorkflowExecution and RequestCancelWorkflowExecution. Signals and cancel requests are buffered while
 * a workflow task runs and delivered after it; termination ends the run at once.
 */
public final class ExternalRequests {
    /** Temporal's history.maximumSignalsPerExecution default; 0 means no limit. */
    public static final int DEFAULT_MAX_SIGNALS_PER_EXECUTION = 10_000;

    private final WorkflowUpdater updater;
    private final HistoryReads reads;
    private final StartWorkflow start;
    private final int maxSignalsPerExecution;

    public ExternalRequests(WorkflowUpdater updater, HistoryReads reads, StartWorkflow start) {
        this(updater, reads, start, DEFAULT_MAX_SIGNALS_PER_EXECUTION);
    }

    public ExternalRequests(WorkflowUpdater updater, HistoryReads reads, StartWorkflow start, int maxSignalsPerExecution) {
        this.updater = updater;
        this.reads = reads;
        this.start = start;
        this.maxSignalsPerExecution = maxSignalsPerExecution;
    }

    /**
     * Temporal's check before a signal is added (after the request-id dedup): INVALID_ARGUMENT once the run has
     * had {@code limit} signals. Reapplied signals of a reset are not checked, as in Temporal.
     */
    static void requireSignalCapacity(io.kairos.proto.persistence.v1.WorkflowMutableStateOrBuilder s, int limit) {
        if (limit > 0 && s.getExecution().getSignalCount() >= limit) {
            throw new io.kairos.common.errors.InvalidArgumentException("exceeded workflow execution limit for signal events");
        }
    }

    /** Answers with Temporal's request-id link to the Signaled event (a Nexus handler passes it back to its caller). */
    public io.temporal.api.workflowservice.v1.SignalWorkflowExecutionResponse signal(NamespaceId ns, SignalWorkflowExecutionRequest req) {
        WorkflowKey key = reads.resolve(ns, req.getWorkflowExecution().getWorkflowId(), req.getWorkflowExecution().getRunId());
        signal(key, req);
        return io.temporal.api.workflowservice.v1.SignalWorkflowExecutionResponse.newBuilder()
                .setLink(signalLink(req.getNamespace(), key, req.getRequestId())).build();
    }

    private static io.temporal.api.common.v1.Link signalLink(String namespace, WorkflowKey key, String requestId) {
        return io.kairos.history.nexus.NexusLinks.requestIdRef(namespace, key.workflowId(), key.runId().toString(),
                requestId, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
    }

    private void signal(WorkflowKey key, SignalWorkflowExecutionRequest req) {
        updater.update(key, m -> {
            requireRunning(m);
            if (!req.getRequestId().isEmpty() && m.state().getSignalRequestIdsList().contains(req.getRequestId())) {
                return null; // a retried signal: already applied
            }
            requireSignalCapacity(m.state(), maxSignalsPerExecution);
            m.eventLinks(req.getLinksList()); // as Temporal: the request's links go on the Signaled event
            addSignal(m, req.getSignalName(), req.getInput(), req.getIdentity(), req.getHeader(), req.getRequestId());
            m.scheduleWorkflowTask(1);
            return null;
        });
    }

    /** Signals the running workflow, or starts one with the signal as its second event. */
    public SignalWithStartWorkflowExecutionResponse signalWithStart(NamespaceId ns, SignalWithStartWorkflowExecutionRequest req) {
        StartWorkflowExecutionRequest.Builder startReq = StartWorkflowExecutionRequest.newBuilder()
                .setNamespace(req.getNamespace()).setWorkflowId(req.getWorkflowId()).setWorkflowType(req.getWorkflowType())
                .setTaskQueue(req.getTaskQueue()).setInput(req.getInput())
                .setWorkflowExecutionTimeout(req.getWorkflowExecutionTimeout()).setWorkflowRunTimeout(req.getWorkflowRunTimeout())
                .setWorkflowTaskTimeout(req.getWorkflowTaskTimeout()).setIdentity(req.getIdentity())
                .setRequestId(req.getRequestId()).setWorkflowIdReusePolicy(req.getWorkflowIdReusePolicy())
                // Signal-with-start joins a running workflow unless told otherwise.
                .setWorkflowIdConflictPolicy(req.getWorkflowIdConflictPolicy() == WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED
                        ? WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING : req.getWorkflowIdConflictPolicy())
                .setCronSchedule(req.getCronSchedule()).setMemo(req.getMemo())
                .setSearchAttributes(req.getSearchAttributes()).setHeader(req.getHeader()).setPriority(req.getPriority())
                .addAllLinks(req.getLinksList()); // as Temporal: on both the Started and the Signaled event
        if (req.hasRetryPolicy()) {
            startReq.setRetryPolicy(req.getRetryPolicy());
        }
        if (req.hasUserMetadata()) {
            startReq.setUserMetadata(req.getUserMetadata());
        }
        if (req.hasWorkflowStartDelay()) {
            startReq.setWorkflowStartDelay(req.getWorkflowStartDelay());
        }
        var started = start.start(ns, startReq.build(), m -> {
            m.eventLinks(req.getLinksList());
            addSignal(m, req.getSignalName(), req.getSignalInput(), req.getIdentity(), req.getHeader(), req.getRequestId());
        });
        if (!started.getStarted()) {
            signal(ns, SignalWorkflowExecutionRequest.newBuilder().setNamespace(req.getNamespace())
                    .setWorkflowExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                            .setWorkflowId(req.getWorkflowId()).setRunId(started.getRunId()))
                    .setSignalName(req.getSignalName()).setInput(req.getSignalInput()).setIdentity(req.getIdentity())
                    .setHeader(req.getHeader()).setRequestId(req.getRequestId()).addAllLinks(req.getLinksList()).build());
        }
        var key = new WorkflowKey(ns, req.getWorkflowId(), java.util.UUID.fromString(started.getRunId()));
        return SignalWithStartWorkflowExecutionResponse.newBuilder().setRunId(started.getRunId())
                .setStarted(started.getStarted()).setSignalLink(signalLink(req.getNamespace(), key, req.getRequestId())).build();
    }

    public void terminate(NamespaceId ns, TerminateWorkflowExecutionRequest req) {
        WorkflowKey key = chainTarget(ns, req.getWorkflowExecution(), req.getFirstExecutionRunId());
        updater.update(key, m -> {
            requireRunning(m);
            requireFirstRun(m, req.getFirstExecutionRunId());
            terminate(m, req.getReason(), req.getIdentity(), req.getDetails());
            return null;
        });
    }

    /**
     * With a first run id the request follows the chain to its current run (across continue-as-new, retries and
     * cron), whatever run id it names, as Temporal does; without one it acts on the run named (or the current run).
     */
    private WorkflowKey chainTarget(NamespaceId ns, io.temporal.api.common.v1.WorkflowExecution execution, String firstRunId) {
        return reads.resolve(ns, execution.getWorkflowId(), firstRunId.isEmpty() ? execution.getRunId() : "");
    }

    /** A request naming the chain's first run acts only on a run of that chain (Temporal's first_execution_run_id). */
    private static void requireFirstRun(Mutation m, String firstExecutionRunId) {
        if (!firstExecutionRunId.isEmpty() && !m.state().getExecution().getFirstExecutionRunId().equals(firstExecutionRunId)) {
            throw new NotFoundException("workflow execution not found");
        }
    }

    /**
     * Ends the run now, even with a workflow task running: as Temporal's TerminateWorkflow, a started task is failed
     * first with FORCE_CLOSE_COMMAND (no event for a transient one) and the events buffered meanwhile are written.
     */
    public static void terminate(Mutation m, String reason, String identity, io.temporal.api.common.v1.Payloads details) {
        var wt = m.state().getWorkflowTask();
        if (m.workflowTaskStarted()) {
            if (wt.getTransient()) {
                m.state().clearWorkflowTask();
            } else {
                m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
                        .setWorkflowTaskFailedEventAttributes(io.temporal.api.history.v1.WorkflowTaskFailedEventAttributes
                                .newBuilder().setScheduledEventId(wt.getScheduledEventId())
                                .setStartedEventId(wt.getStartedEventId()).setIdentity("history-service")
                                .setCause(io.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND)));
            }
            m.flushBufferedEvents();
        }
        m.state().clearBufferedEvents(); // none without a started task; kept as a guard
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED)
                .setWorkflowExecutionTerminatedEventAttributes(WorkflowExecutionTerminatedEventAttributes.newBuilder()
                        .setReason(reason).setDetails(details).setIdentity(identity)));
    }

    public void requestCancel(NamespaceId ns, RequestCancelWorkflowExecutionRequest req) {
        WorkflowKey key = chainTarget(ns, req.getWorkflowExecution(), req.getFirstExecutionRunId());
        updater.update(key, m -> {
            if (!m.isRunning()) {
                return null; // as in Temporal: canceling a closed run succeeds and changes nothing
            }
            requireFirstRun(m, req.getFirstExecutionRunId());
            if (m.state().getCancelRequested()) {
                return null; // asking twice changes nothing
            }
            m.state().setCancelRequestId(req.getRequestId());
            m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                    .setWorkflowExecutionCancelRequestedEventAttributes(WorkflowExecutionCancelRequestedEventAttributes
                            .newBuilder().setCause(req.getReason()).setIdentity(req.getIdentity())));
            m.scheduleWorkflowTask(1);
            return null;
        });
    }

    private static void addSignal(Mutation m, String name, io.temporal.api.common.v1.Payloads input, String identity,
                                  io.temporal.api.common.v1.Header header, String requestId) {
        addSignal(m, name, input, identity, header, requestId, null);
    }

    private static void addSignal(Mutation m, String name, io.temporal.api.common.v1.Payloads input, String identity,
                                  io.temporal.api.common.v1.Header header, String requestId, WorkflowExecution sender) {
        if (!requestId.isEmpty()) {
            m.state().addSignalRequestIds(requestId);
        }
        var a = WorkflowExecutionSignaledEventAttributes.newBuilder()
                .setSignalName(name).setInput(input).setIdentity(identity).setHeader(header).setRequestId(requestId);
        if (sender != null) {
            a.setExternalWorkflowExecution(sender);
        }
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
                .setWorkflowExecutionSignaledEventAttributes(a));
    }

    /**
     * A workflow acting on another one (transfer tasks of SignalExternal/RequestCancelExternal commands and parent
     * close policies). An empty run id means the current run; a first run id, when set, must be the chain's;
     * {@code childOnly} requires the target to be a child of {@code caller}.
     */
    public record Target(NamespaceId namespaceId, String workflowId, String runId, String firstExecutionRunId,
                  WorkflowExecution caller, boolean childOnly) {
    }

    public void signal(Target t, String name, io.temporal.api.common.v1.Payloads input, io.temporal.api.common.v1.Header header,
                String requestId, String identity) {
        updater.update(resolve(t), m -> {
            requireTarget(m, t);
            if (m.state().getSignalRequestIdsList().contains(requestId)) {
                return null; // the sender's task ran twice
            }
            requireSignalCapacity(m.state(), maxSignalsPerExecution);
            addSignal(m, name, input, identity, header, requestId, t.caller());
            m.scheduleWorkflowTask(1);
            return null;
        });
    }

    public void requestCancel(Target t, String reason, String requestId, long externalInitiatedEventId, String identity) {
        updater.update(resolve(t), m -> {
            if (!m.isRunning()) {
                return null; // Temporal counts canceling a closed run as done
            }
            requireTarget(m, t);
            if (m.state().getCancelRequested()) {
                return null; // cancellation is idempotent, as in Temporal
            }
            m.state().setCancelRequestId(requestId);
            m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
                    .setWorkflowExecutionCancelRequestedEventAttributes(WorkflowExecutionCancelRequestedEventAttributes
                            .newBuilder().setCause(reason).setIdentity(identity)
                            .setExternalInitiatedEventId(externalInitiatedEventId)
                            .setExternalWorkflowExecution(t.caller())));
            m.scheduleWorkflowTask(1);
            return null;
        });
    }

    public void terminate(Target t, String reason, String identity) {
        updater.update(resolve(t), m -> {
            requireTarget(m, t);
            terminate(m, reason, identity, io.temporal.api.common.v1.Payloads.getDefaultInstance());
            return null;
        });
    }

    private WorkflowKey resolve(Target t) {
        return reads.resolve(t.namespaceId(), t.workflowId(), t.runId());
    }

    private static void requireTarget(Mutation m, Target t) {
        requireRunning(m);
        var exec = m.state().getExecution();
        if (!t.firstExecutionRunId().isEmpty() && !exec.getFirstExecutionRunId().equals(t.firstExecutionRunId())) {
            throw new NotFoundException("workflow execution not found");
        }
        if (t.childOnly() && (!exec.getParentWorkflowId().equals(t.caller().getWorkflowId())
                || !exec.getParentRunId().equals(t.caller().getRunId()))) {
            throw new NotFoundException("Workflow parent does not match");
        }
    }

    /** Temporal answers NOT_FOUND "workflow execution already completed" for a closed run. */
    private static void requireRunning(Mutation m) {
        if (!m.isRunning()) {
            throw new NotFoundException("workflow execution already completed");
        }
    }
}
