package io.kairos.history.lifecycle;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;

/** Workflow run: RUNNING -> one closed status, final. */
public final class WorkflowLifecycle {
    public static final TransitionTable<WorkflowExecutionStatus> TABLE =
            TransitionTable.of("workflow", WorkflowExecutionStatus.class)
                    .allow(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
                            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
                            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
                            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
                            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
                            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
                            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW)
                    .build();

    private WorkflowLifecycle() {
    }
}
