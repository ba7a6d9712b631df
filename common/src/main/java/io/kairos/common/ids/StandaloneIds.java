package io.kairos.common.ids;

import java.util.Optional;

/**
 * The business-id space of a standalone (client-started) execution, as Temporal gives each CHASM archetype its own.
 * A standalone Nexus operation or activity is stored as a hidden run in the executions tables; its row's workflow id is the
 * operation id behind a prefix of Unicode noncharacters (U+FDD0, reserved by Unicode for internal use, which no SDK
 * puts in an id), so it never meets a workflow id in current_executions and its shard follows from the id.
 */
public final class StandaloneIds {
    private static final String NEXUS_OPERATION_PREFIX = "\uFDD0nexus-operation\uFDD0";
    private static final String ACTIVITY_PREFIX = "\uFDD0activity\uFDD0";

    /** Visibility's TemporalNamespaceDivision of standalone activities. */
    public static final String ACTIVITY_DIVISION = "__temporal_standalone_activity";

    /** Visibility's TemporalNamespaceDivision of standalone Nexus operations: workflow lists never show them. */
    public static final String NEXUS_OPERATION_DIVISION = "__temporal_standalone_nexus_operation";

    private StandaloneIds() {
    }

    /** The hidden workflow id holding the standalone Nexus operation {@code operationId}. */
    public static String nexusOperation(String operationId) {
        return NEXUS_OPERATION_PREFIX + operationId;
    }

    public static boolean isNexusOperation(String workflowId) {
        return workflowId.startsWith(NEXUS_OPERATION_PREFIX);
    }

    /** The hidden workflow id holding the standalone activity {@code activityId}. */
    public static String activity(String activityId) {
        return ACTIVITY_PREFIX + activityId;
    }

    public static boolean isActivity(String workflowId) {
        return workflowId.startsWith(ACTIVITY_PREFIX);
    }

    /** The activity id of a hidden activity run's workflow id, or empty. */
    public static Optional<String> activityId(String workflowId) {
        return isActivity(workflowId) ? Optional.of(workflowId.substring(ACTIVITY_PREFIX.length())) : Optional.empty();
    }

    /** Any standalone archetype: such a run never has a workflow task. */
    public static boolean isStandalone(String workflowId) {
        return !workflowId.isEmpty() && workflowId.charAt(0) == '\uFDD0';
    }

    /** The operation id of a hidden run's workflow id, or empty when it is a workflow's. */
    public static Optional<String> operationId(String workflowId) {
        return isNexusOperation(workflowId) ? Optional.of(workflowId.substring(NEXUS_OPERATION_PREFIX.length()))
                : Optional.empty();
    }
}
