package io.kairos.history.lifecycle;

import io.temporal.api.enums.v1.NexusOperationExecutionStatus;

/**
 * A standalone Nexus operation's execution: RUNNING -> one closed status, final (Temporal's nexusoperation
 * archetype). Its inner operation follows {@link NexusOperationLifecycle}, as a workflow's does.
 */
public final class StandaloneNexusOperationLifecycle {
    public static final TransitionTable<NexusOperationExecutionStatus> TABLE =
            TransitionTable.of("standalone nexus operation", NexusOperationExecutionStatus.class)
                    .allow(NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_RUNNING,
                            NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_COMPLETED,
                            NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_FAILED,
                            NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_CANCELED,
                            NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_TERMINATED,
                            NexusOperationExecutionStatus.NEXUS_OPERATION_EXECUTION_STATUS_TIMED_OUT)
                    .build();

    private StandaloneNexusOperationLifecycle() {
    }
}
