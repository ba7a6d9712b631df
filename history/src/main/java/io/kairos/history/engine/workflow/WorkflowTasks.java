package io.kairos.history.engine.workflow;

import io.kairos.history.engine.BadCommandException;
import io.kairos.history.engine.HistoryLimits;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.WorkflowUpdater;
import io.kairos.history.engine.updates.UpdateMessages;
import io.kairos.history.engine.updates.Updates;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.TaskToken;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.lifecycle.WorkflowTaskLifecycle;
import io.kairos.proto.history.v1.RecordWorkflowTaskStartedRequest;
import io.kairos.proto.persistence.v1.TaskTokenData;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.kairos.proto.persistence.v1.WorkflowTaskInfo;
import io.kairos.proto.persistence.v1.WorkflowTaskDispatch;
import io.kairos.proto.persistence.v1.WorkflowTaskTimeout;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowTaskCompletedEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskFailedEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskScheduledEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskStartedEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskTimedOutEventAttributes;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskFailedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskFailedResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The workflow task lifecycle (see {@link io.kairos.history.lifecycle.WorkflowTaskLifecycle}): started by a
 * poll through matching, then completed (running the worker's commands), failed or timed out. Retries after a
 * failure or timeout are transient: their Scheduled/Started events are sent to the worker but written only
 * when the task completes.
 */
public final class WorkflowTasks {
    /** Temporal's operation tags of these metrics. */
    private static final String RESPOND_COMPLETED = "RespondWorkflowTaskCompleted";
    private static final String TIMEOUT_OPERATION = "TimerActiveTaskWorkflowTaskTimeout";
    /** Temporal's message (the Go name of WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND) for a close that raced new events. */
    static final String UNHANDLED_COMMAND = "UnhandledCommand";
    private final WorkflowUpdater updater;
    private final Commands commands;
    private final Updates updates;

    public WorkflowTasks(WorkflowUpdater updater, Commands commands, Updates updates) {
        this.updater = updater;
        this.commands = commands;
        this.updates = updates;
    }

    public PollWorkflowTaskQueueResponse recordStarted(RecordWorkflowTaskStartedRequest req) {
        WorkflowKey key = key(req.getNamespaceId(), req.getExecution());
        return updater.update(key, m -> {
            WorkflowTaskInfo wt = m.state().getWorkflowTask();
            if (!m.isRunning() || !m.state().hasWorkflowTask() || wt.getScheduledEventId() != req.getScheduledEventId()) {
                throw new NotFoundException("Workflow task not found.");
            }
            if (wt.getStartedEventId() > 0) {
                if (wt.getRequestId().equals(req.getPollerId())) {
                    return response(m, key, isSticky(req)); // the same poll retried: same answer
                }
                throw new NotFoundException("Workflow task already started.");
            }
            WorkflowTaskLifecycle.TABLE.move(WorkflowTaskLifecycle.of(m.state()), WorkflowTaskLifecycle.State.STARTED);
            String identity = req.getPollRequest().getIdentity();
            if (wt.getTransient() && m.state().getNextEventId() != wt.getScheduledEventId()) {
                // Events were written since it was scheduled: it can no longer be transient.
                m.state().clearWorkflowTask();
                m.addEvent(scheduledEvent(wt));
                wt = m.state().getWorkflowTask().toBuilder().setAttempt(wt.getAttempt()).build();
                m.state().setWorkflowTask(wt);
            }
            if (wt.getTransient()) {
                m.state().setWorkflowTask(wt.toBuilder().setStartedEventId(wt.getScheduledEventId() + 1)
                        .setStartedTime(m.nowTs()).setRequestId(req.getPollerId()).setIdentity(identity));
            } else {
                m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
                        .setWorkflowTaskStartedEventAttributes(WorkflowTaskStartedEventAttributes.newBuilder()
                                .setScheduledEventId(wt.getScheduledEventId())
                                .setIdentity(identity)
                                .setRequestId(req.getPollerId())
                                .setHistorySizeBytes(m.state().getExecution().getHistorySizeBytes())
                                .setSuggestContinueAsNew(HistoryLimits.suggestContinueAsNew(m.state()))));
            }
            m.workflowTaskTimeoutTimer(m.state().getWorkflowTask());
            return response(m, key, isSticky(req));
        });
    }

    private static HistoryEvent.Builder scheduledEvent(WorkflowTaskInfo wt) {
        return HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
                .setWorkflowTaskScheduledEventAttributes(WorkflowTaskScheduledEventAttributes.newBuilder()
                        .setTaskQueue(wt.getTaskQueue()).setStartToCloseTimeout(wt.getStartToCloseTimeout())
                        .setAttempt(wt.getAttempt()));
    }

    private static boolean isSticky(RecordWorkflowTaskStartedRequest req) {
        return req.getPollRequest().getTaskQueue().getKind() == TaskQueueKind.TASK_QUEUE_KIND_STICKY;
    }

    /**
     * The poll response. A sticky worker has the workflow cached and gets only the events since its last
     * completed task; others get the full history. Transient events are appended when the task is transient.
     */
    private PollWorkflowTaskQueueResponse response(Mutation m, WorkflowKey key, boolean sticky) {
        WorkflowMutableState.Builder s = m.state();
        WorkflowTaskInfo wt = s.getWorkflowTask();
        long first = sticky ? s.getExecution().getLastCompletedWorkflowTaskStartedEventId() + 1 : 1;
        // Events of this mutation are not committed yet: read the committed ones, take the rest from the mutation.
        long uncommittedFrom = m.events().isEmpty() ? s.getNextEventId() : m.events().get(0).getEventId();
        List<HistoryEvent> history = new ArrayList<>(updater.readHistory(key, first, uncommittedFrom,
                Integer.MAX_VALUE));
        for (HistoryEvent e : m.events()) {
            if (e.getEventId() >= first) {
                history.add(e);
            }
        }
        if (wt.getTransient()) {
            history.add(scheduledEvent(wt).setEventId(wt.getScheduledEventId()).setEventTime(wt.getScheduledTime()).build());
            history.add(HistoryEvent.newBuilder().setEventId(wt.getStartedEventId()).setEventTime(wt.getStartedTime())
                    .setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
                    .setWorkflowTaskStartedEventAttributes(WorkflowTaskStartedEventAttributes.newBuilder()
                            .setScheduledEventId(wt.getScheduledEventId()).setIdentity(wt.getIdentity())
                            .setRequestId(wt.getRequestId()))
                    .build());
        }
        return pollResponse(m, key, history).addAllMessages(updates.deliver(m, wt.getStartedEventId())).build();
    }

    /**
     * Eager workflow start: the new run's first workflow task, started in the start's own transaction by the
     * requesting worker, whose start response carries it (Temporal's request_eager_execution).
     */
    static PollWorkflowTaskQueueResponse startEagerly(Mutation m, WorkflowKey key, String identity, String requestId) {
        WorkflowTaskLifecycle.TABLE.move(WorkflowTaskLifecycle.of(m.state()), WorkflowTaskLifecycle.State.STARTED);
        m.dropWorkflowTaskDispatch();
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
                .setWorkflowTaskStartedEventAttributes(WorkflowTaskStartedEventAttributes.newBuilder()
                        .setScheduledEventId(m.state().getWorkflowTask().getScheduledEventId())
                        .setIdentity(identity).setRequestId(requestId)
                        .setHistorySizeBytes(m.state().getExecution().getHistorySizeBytes())));
        m.workflowTaskTimeoutTimer(m.state().getWorkflowTask());
        return pollResponse(m, key, m.events()).build();
    }

    private static PollWorkflowTaskQueueResponse.Builder pollResponse(Mutation m, WorkflowKey key, List<HistoryEvent> history) {
        WorkflowTaskInfo wt = m.state().getWorkflowTask();
        var exec = m.state().getExecution();
        TaskToken token = new TaskToken(TaskTokenData.newBuilder()
                .setNamespaceId(key.namespaceId().toString()).setWorkflowId(key.workflowId()).setRunId(key.runId().toString())
                .setScheduledEventId(wt.getScheduledEventId()).setStartedEventId(wt.getStartedEventId())
                .setAttempt(wt.getAttempt()).build());
        return PollWorkflowTaskQueueResponse.newBuilder()
                .setTaskToken(token.toBytes())
                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(key.workflowId()).setRunId(key.runId().toString()))
                .setWorkflowType(WorkflowType.newBuilder().setName(exec.getWorkflowType()))
                .setPreviousStartedEventId(exec.getLastCompletedWorkflowTaskStartedEventId())
                .setStartedEventId(wt.getStartedEventId())
                .setAttempt(wt.getAttempt())
                .setHistory(History.newBuilder().addAllEvents(history))
                .setWorkflowExecutionTaskQueue(exec.getTaskQueue())
                .setScheduledTime(wt.getScheduledTime())
                .setStartedTime(wt.getStartedTime());
    }

    public RespondWorkflowTaskCompletedResponse completed(NamespaceId ns, RespondWorkflowTaskCompletedRequest req) {
        TaskToken token = parse(req.getTaskToken(), ns);
        try {
            RespondWorkflowTaskCompletedResponse r = applyCompletion(token, req);
            if (r == null) {
                // As Temporal: the failure is committed, yet the worker hears an error (so it does not count the
                // workflow as closed; sdk-core matches this exact message).
                throw new InvalidArgumentException(UNHANDLED_COMMAND);
            }
            return r;
        } catch (BadCommandException bad) {
            // Nothing of the completion was committed; record the failure and retry the task instead.
            updater.update(token.workflowKey(), m -> {
                WorkflowTaskInfo wt = requireStarted(m, token);
                failOrRetry(m, wt, HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
                        .setWorkflowTaskFailedEventAttributes(WorkflowTaskFailedEventAttributes.newBuilder()
                                .setScheduledEventId(wt.getScheduledEventId())
                                .setStartedEventId(wt.getStartedEventId())
                                .setCause(bad.failedCause())
                                .setFailure(io.temporal.api.failure.v1.Failure.newBuilder().setMessage(bad.getMessage())
                                        .setSource("Server"))
                                .setIdentity(req.getIdentity())));
                m.afterCommit(() -> updater.metrics().workflowTaskFailed(ns, RESPOND_COMPLETED));
                return null;
            });
            throw new InvalidArgumentException(bad.getMessage());
        }
    }

    private RespondWorkflowTaskCompletedResponse applyCompletion(TaskToken token, RespondWorkflowTaskCompletedRequest req) {
        return updater.update(token.workflowKey(), m -> {
            WorkflowTaskInfo wt = requireStarted(m, token);
            if (commands.closesWorkflow(req.getCommandsList()) && m.hasBufferedEvents()) {
                // Temporal's UnhandledCommand: new events arrived while the worker decided to close the
                // workflow, so the task fails and a new one shows the worker those events first.
                failOrRetry(m, wt, HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
                        .setWorkflowTaskFailedEventAttributes(WorkflowTaskFailedEventAttributes.newBuilder()
                                .setScheduledEventId(wt.getScheduledEventId())
                                .setStartedEventId(wt.getStartedEventId())
                                .setCause(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND)
                                .setFailure(io.temporal.api.failure.v1.Failure.newBuilder().setMessage(UNHANDLED_COMMAND)
                                        .setServerFailureInfo(io.temporal.api.failure.v1.ServerFailureInfo.getDefaultInstance()))
                                .setIdentity(req.getIdentity())));
                m.afterCommit(() -> updater.metrics().workflowTaskFailed(token.workflowKey().namespaceId(),
                        RESPOND_COMPLETED));
                return null;
            }
            WorkflowTaskLifecycle.TABLE.move(WorkflowTaskLifecycle.State.STARTED, WorkflowTaskLifecycle.State.NONE);
            writeTransientEvents(m, wt);
            m.completingWorkflowTask(true);
            HistoryEvent done = m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
                    .setWorkflowTaskCompletedEventAttributes(WorkflowTaskCompletedEventAttributes.newBuilder()
                            .setScheduledEventId(wt.getScheduledEventId())
                            .setStartedEventId(wt.getStartedEventId())
                            .setIdentity(req.getIdentity())
                            .setBinaryChecksum(req.getBinaryChecksum())
                            .setSdkMetadata(req.getSdkMetadata())
                            .setMeteringMetadata(req.getMeteringMetadata())
                            .setWorkerVersion(req.getWorkerVersionStamp())));
            m.workflowTaskCompletedEventId(done.getEventId());
            if (req.hasStickyAttributes()) {
                m.state().getExecutionBuilder().setStickyTaskQueue(req.getStickyAttributes().getWorkerTaskQueue())
                        .setStickyScheduleToStartTimeout(req.getStickyAttributes().getScheduleToStartTimeout());
            }
            UpdateMessages messages = new UpdateMessages(updates, token.workflowKey(), req.getMessagesList());
            m.updateMessages(messages);
            commands.apply(m, req.getCommandsList());
            // Counted once the completion is committed (a raced commit re-runs this handler).
            boolean sticky = req.hasStickyAttributes() && req.getStickyAttributes().hasWorkerTaskQueue();
            m.afterCommit(() -> updater.metrics().workflowTaskCompleted(token.workflowKey().namespaceId(),
                    req.getCommandsList(), sticky));
            messages.processRemaining(m);
            boolean heartbeat = req.getForceCreateNewWorkflowTask() && req.getCommandsCount() == 0 && req.getMessagesCount() == 0;
            if (m.isRunning() && !heartbeat) {
                messages.rejectUnprocessed(m);
            }
            HistoryLimits.terminateIfExceeded(m);
            if (!m.isRunning()) {
                messages.closed(m);
            }
            m.completingWorkflowTask(false);
            boolean newEvents = m.hasBufferedEvents();
            m.flushBufferedEvents();
            if (m.isRunning() && (newEvents || req.getForceCreateNewWorkflowTask() || messages.hasUndelivered())) {
                m.scheduleWorkflowTask(1);
            }
            return RespondWorkflowTaskCompletedResponse.newBuilder()
                    .addAllActivityTasks(commands.activities().startEager(m, token.workflowKey(), req.getIdentity()))
                    .build();
        });
    }

    public RespondWorkflowTaskFailedResponse failed(NamespaceId ns, RespondWorkflowTaskFailedRequest req) {
        TaskToken token = parse(req.getTaskToken(), ns);
        return updater.update(token.workflowKey(), m -> {
            WorkflowTaskInfo wt = requireStarted(m, token);
            if (req.getCause() == WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_GRPC_MESSAGE_TOO_LARGE) {
                // The worker cannot send its completion at all: retrying would loop, so Temporal terminates the run.
                ExternalRequests.terminate(m, req.getCause().name(), "history-service",
                        io.temporal.api.common.v1.Payloads.getDefaultInstance());
                return RespondWorkflowTaskFailedResponse.getDefaultInstance();
            }
            failOrRetry(m, wt, HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
                    .setWorkflowTaskFailedEventAttributes(WorkflowTaskFailedEventAttributes.newBuilder()
                            .setScheduledEventId(wt.getScheduledEventId())
                            .setStartedEventId(wt.getStartedEventId())
                            .setCause(req.getCause() == WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED
                                    ? WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE
                                    : req.getCause())
                            .setFailure(req.getFailure())
                            .setIdentity(req.getIdentity())
                            .setBinaryChecksum(req.getBinaryChecksum())));
            m.afterCommit(() -> updater.metrics().workflowTaskFailed(ns, "RespondWorkflowTaskFailed"));
            return RespondWorkflowTaskFailedResponse.getDefaultInstance();
        });
    }

    /**
     * Timer queue: a started task ran past its start-to-close timeout, or a task on a sticky queue was not
     * picked up in time (schedule-to-start) and moves to the normal queue.
     */
    public void timedOut(WorkflowKey key, WorkflowTaskTimeout t) {
        updater.update(key, m -> {
            WorkflowTaskInfo wt = m.state().getWorkflowTask();
            if (!m.isRunning() || !m.state().hasWorkflowTask() || wt.getScheduledEventId() != t.getScheduledEventId()
                    || wt.getAttempt() != t.getAttempt()) {
                return null; // stale timer: the task completed or moved on
            }
            if (t.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) {
                if (wt.getStartedEventId() == 0) {
                    stickyScheduleToStartTimedOut(m, wt);
                    m.afterCommit(() -> updater.metrics().timedOut(TIMEOUT_OPERATION, key.namespaceId(),
                            TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START));
                }
                return null;
            }
            if (wt.getStartedEventId() == 0) {
                return null;
            }
            failOrRetry(m, wt, HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)
                    .setWorkflowTaskTimedOutEventAttributes(WorkflowTaskTimedOutEventAttributes.newBuilder()
                            .setScheduledEventId(wt.getScheduledEventId())
                            .setStartedEventId(wt.getStartedEventId())
                            .setTimeoutType(TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE)));
            m.afterCommit(() -> updater.metrics().timedOut(TIMEOUT_OPERATION, key.namespaceId(),
                    TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE));
            return null;
        });
    }

    private static void stickyScheduleToStartTimedOut(Mutation m, WorkflowTaskInfo wt) {
        WorkflowTaskLifecycle.TABLE.move(WorkflowTaskLifecycle.State.SCHEDULED, WorkflowTaskLifecycle.State.NONE);
        m.clearStickiness();
        if (wt.getTransient()) {
            m.state().clearWorkflowTask();
        } else {
            m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)
                    .setWorkflowTaskTimedOutEventAttributes(WorkflowTaskTimedOutEventAttributes.newBuilder()
                            .setScheduledEventId(wt.getScheduledEventId())
                            .setTimeoutType(TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START)));
        }
        m.scheduleWorkflowTask(wt.getTransient() ? wt.getAttempt() : 1);
    }

    /** ResetStickyTaskQueue: the worker dropped the workflow from its cache; send full histories again. */
    public void resetSticky(NamespaceId ns, WorkflowExecution execution) {
        updater.update(key(ns.toString(), execution), m -> {
            m.clearStickiness();
            return null;
        });
    }

    /** Transfer queue: matching says no worker polls the sticky queue: send the same task to the normal queue. */
    public void stickyWorkerUnavailable(WorkflowKey key, WorkflowTaskDispatch d) {
        updater.update(key, m -> {
            WorkflowTaskInfo wt = m.state().getWorkflowTask();
            if (!m.isRunning() || !m.state().hasWorkflowTask() || wt.getScheduledEventId() != d.getScheduledEventId()
                    || wt.getAttempt() != d.getAttempt() || wt.getStartedEventId() > 0) {
                return null;
            }
            m.clearStickiness();
            m.state().setWorkflowTask(wt.toBuilder().setTaskQueue(m.state().getExecution().getTaskQueue()));
            m.dispatchWorkflowTask(m.state().getWorkflowTask());
            return null;
        });
    }

    /**
     * The first failure of a task is written (failed or timed-out event); later attempts are transient, so
     * their failures write nothing. Buffered events are flushed so the retry sees them.
     */
    private static void failOrRetry(Mutation m, WorkflowTaskInfo wt, HistoryEvent.Builder failureEvent) {
        WorkflowTaskLifecycle.TABLE.move(WorkflowTaskLifecycle.of(m.state()), WorkflowTaskLifecycle.State.SCHEDULED);
        // The worker's cache may be what failed: retry with full history on the normal queue.
        m.clearStickiness();
        if (wt.getTransient()) {
            m.state().clearWorkflowTask();
        } else {
            m.addEvent(failureEvent);
        }
        boolean newEvents = m.hasBufferedEvents();
        m.flushBufferedEvents();
        m.scheduleWorkflowTask(newEvents ? 1 : wt.getAttempt() + 1);
    }

    private static void writeTransientEvents(Mutation m, WorkflowTaskInfo wt) {
        if (!wt.getTransient()) {
            return;
        }
        m.state().clearWorkflowTask();
        m.addEvent(scheduledEvent(wt));
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
                .setWorkflowTaskStartedEventAttributes(WorkflowTaskStartedEventAttributes.newBuilder()
                        .setScheduledEventId(wt.getScheduledEventId()).setIdentity(wt.getIdentity())
                        .setRequestId(wt.getRequestId())));
    }

    private static WorkflowTaskInfo requireStarted(Mutation m, TaskToken token) {
        TaskTokenData t = token.data();
        WorkflowTaskInfo wt = m.state().getWorkflowTask();
        if (!m.isRunning() || !m.state().hasWorkflowTask() || t.getIsActivity()
                || wt.getScheduledEventId() != t.getScheduledEventId() || wt.getStartedEventId() != t.getStartedEventId()
                || wt.getAttempt() != t.getAttempt() || wt.getStartedEventId() == 0) {
            throw new NotFoundException("Workflow task not found.");
        }
        return wt;
    }

    public static TaskToken parse(com.google.protobuf.ByteString bytes, NamespaceId ns) {
        TaskToken token;
        try {
            token = TaskToken.parse(bytes);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("Error deserializing task token. Error: " + e.getMessage());
        }
        if (ns != null && !token.data().getNamespaceId().equals(ns.toString())) {
            throw new InvalidArgumentException("Operation requested with a token from a different namespace.");
        }
        return token;
    }

    public static WorkflowKey key(String namespaceId, WorkflowExecution execution) {
        try {
            return new WorkflowKey(NamespaceId.parse(namespaceId), execution.getWorkflowId(), UUID.fromString(execution.getRunId()));
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("Invalid RunId.");
        }
    }
}
