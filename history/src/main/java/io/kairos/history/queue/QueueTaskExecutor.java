package io.kairos.history.queue;

import io.grpc.StatusRuntimeException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.activities.Activities;
import io.kairos.history.engine.children.ChildWorkflows;
import io.kairos.history.engine.children.ExternalCommands;
import io.kairos.history.engine.MatchingStatus;
import io.kairos.history.engine.workflow.Timers;
import io.kairos.history.engine.workflow.WorkflowTasks;
import io.kairos.proto.matching.v1.AddActivityTaskRequest;
import io.kairos.proto.matching.v1.AddWorkflowTaskRequest;
import io.kairos.proto.matching.v1.MatchingServiceGrpc;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.temporal.api.common.v1.WorkflowExecution;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Executes one transfer or timer task. Throws to have the task retried later; returns when it is done. */
public final class QueueTaskExecutor implements QueueProcessor.TaskRunner {
    private final MatchingServiceGrpc.MatchingServiceBlockingStub matching;
    private final WorkflowTasks workflowTasks;
    private final Activities activities;
    private final Timers timers;
    private final ChildWorkflows children;
    private final ExternalCommands external;
    private volatile io.kairos.history.visibility.VisibilityTasks visibility;

    public QueueTaskExecutor(MatchingServiceGrpc.MatchingServiceBlockingStub matching, WorkflowTasks workflowTasks,
                             Activities activities, Timers timers, ChildWorkflows children, ExternalCommands external) {
        this.matching = matching;
        this.workflowTasks = workflowTasks;
        this.activities = activities;
        this.timers = timers;
        this.children = children;
        this.external = external;
    }

    private volatile io.kairos.history.engine.workflow.WorkflowDeletion deletion;
    private volatile io.kairos.history.nexus.NexusOperations nexus;
    private volatile io.kairos.history.nexus.NexusCancellations nexusCancels;
    private volatile io.kairos.history.nexus.NexusCallbacks callbacks;

    /** Runs Nexus operation and completion callback tasks. */
    public QueueTaskExecutor withNexus(io.kairos.history.nexus.NexusOperations n, io.kairos.history.nexus.NexusCancellations c,
                                       io.kairos.history.nexus.NexusCallbacks cb) {
        this.nexus = n;
        this.nexusCancels = c;
        this.callbacks = cb;
        return this;
    }

    /** Runs DeleteHistory (retention) timers; without it they are dropped. */
    public QueueTaskExecutor withDeletion(io.kairos.history.engine.workflow.WorkflowDeletion d) {
        this.deletion = d;
        return this;
    }

    private volatile java.util.function.Consumer<WorkflowKey> archival;

    /** Runs ArchiveExecution tasks; without it they are dropped. */
    public QueueTaskExecutor withArchival(java.util.function.Consumer<WorkflowKey> archiveClosedRun) {
        this.archival = archiveClosedRun;
        return this;
    }

    /** Where UpsertVisibility tasks write; without it (tests without a visibility database) they are dropped. */
    public QueueTaskExecutor withVisibility(io.kairos.history.visibility.VisibilityTasks v) {
        this.visibility = v;
        return this;
    }

    @Override
    public void execute(HistoryTask t) {
        WorkflowKey key = new WorkflowKey(NamespaceId.parse(t.getNamespaceId()), t.getWorkflowId(), UUID.fromString(t.getRunId()));
        WorkflowExecution execution = WorkflowExecution.newBuilder().setWorkflowId(t.getWorkflowId()).setRunId(t.getRunId()).build();
        switch (t.getTaskCase()) {
            case WORKFLOW_TASK -> {
                try {
                    matching.withDeadlineAfter(10, TimeUnit.SECONDS).addWorkflowTask(AddWorkflowTaskRequest.newBuilder()
                            .setNamespaceId(t.getNamespaceId()).setExecution(execution)
                            .setTaskQueue(t.getWorkflowTask().getTaskQueue())
                            .setScheduleToStartTimeout(t.getWorkflowTask().getScheduleToStartTimeout())
                            .setScheduledEventId(t.getWorkflowTask().getScheduledEventId()).build());
                } catch (StatusRuntimeException e) {
                    if (!MatchingStatus.isStickyWorkerUnavailable(e)) {
                        throw e;
                    }
                    workflowTasks.stickyWorkerUnavailable(key, t.getWorkflowTask());
                }
            }
            case ACTIVITY_TASK -> matching.withDeadlineAfter(10, TimeUnit.SECONDS).addActivityTask(AddActivityTaskRequest.newBuilder()
                    .setNamespaceId(t.getNamespaceId()).setExecution(execution)
                    .setTaskQueue(t.getActivityTask().getTaskQueue())
                    .setScheduledEventId(t.getActivityTask().getScheduledEventId())
                    .setAttempt(t.getActivityTask().getAttempt())
                    .setScheduleToStartTimeout(t.getActivityTask().getScheduleToStartTimeout()).build());
            case WORKFLOW_TASK_TIMEOUT -> workflowTasks.timedOut(key, t.getWorkflowTaskTimeout());
            case ACTIVITY_TIMEOUT -> activities.timedOut(key, t.getActivityTimeout());
            case USER_TIMER -> timers.userTimerFired(key, t.getUserTimer());
            case WORKFLOW_RUN_TIMEOUT -> timers.runTimedOut(key);
            case ACTIVITY_RETRY -> activities.retryTimerFired(key, t.getActivityRetry());
            case WORKFLOW_BACKOFF -> timers.backoffFired(key);
            case START_CHILD -> children.startChildTask(key, t.getStartChild());
            case CLOSE_EXECUTION -> children.closeExecutionTask(key, t.getCloseExecution());
            case SIGNAL_EXTERNAL -> external.signalTask(key, t.getSignalExternal());
            case CANCEL_EXTERNAL -> external.cancelTask(key, t.getCancelExternal());
            case NEXUS_INVOCATION -> nexus.invocationTask(key, t.getNexusInvocation());
            case NEXUS_BACKOFF -> nexus.backoffFired(key, t.getNexusBackoff());
            case NEXUS_TIMEOUT -> nexus.timedOut(key, t.getNexusTimeout());
            case NEXUS_CANCEL -> nexusCancels.cancelTask(key, t.getNexusCancel());
            case NEXUS_CANCEL_BACKOFF -> nexusCancels.backoffFired(key, t.getNexusCancelBackoff());
            case NEXUS_CALLBACK -> callbacks.callbackTask(key, t.getNexusCallback());
            case NEXUS_CALLBACK_BACKOFF -> callbacks.backoffFired(key, t.getNexusCallbackBackoff());
            case UPSERT_VISIBILITY -> {
                if (visibility != null) {
                    visibility.upsert(key);
                }
            }
            case DELETE_HISTORY -> {
                if (deletion != null) {
                    deletion.retentionExpired(key);
                }
            }
            case ARCHIVE_EXECUTION -> {
                if (archival != null) {
                    archival.accept(key);
                }
            }
            case TASK_NOT_SET -> throw new IllegalStateException("queue task without a body");
        }
    }
}
