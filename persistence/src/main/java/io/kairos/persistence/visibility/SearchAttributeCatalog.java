package io.kairos.persistence.visibility;

import io.temporal.api.enums.v1.IndexedValueType;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The search attributes a namespace can query: Temporal's system attributes (columns of
 * executions_visibility), its predefined ones (kept in the search_attributes JSONB like custom ones) and the
 * namespace's custom attributes.
 */
public final class SearchAttributeCatalog {
    /** How a system attribute is stored. */
    public enum Storage { TEXT, UUID_TEXT, STATUS, TIMESTAMP, BIGINT, DURATION }

    /** A system attribute: its column, API type and storage. */
    public record SystemAttribute(String name, String column, IndexedValueType type, Storage storage) {
    }

    private static final Map<String, SystemAttribute> SYSTEM = new LinkedHashMap<>();
    private static final Map<String, IndexedValueType> PREDEFINED = new LinkedHashMap<>();

    static {
        sys("WorkflowId", "workflow_id", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, Storage.TEXT);
        sys("RunId", "run_id", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, Storage.UUID_TEXT);
        sys("WorkflowType", "workflow_type_name", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, Storage.TEXT);
        sys("StartTime", "start_time", IndexedValueType.INDEXED_VALUE_TYPE_DATETIME, Storage.TIMESTAMP);
        sys("ExecutionTime", "execution_time", IndexedValueType.INDEXED_VALUE_TYPE_DATETIME, Storage.TIMESTAMP);
        sys("CloseTime", "close_time", IndexedValueType.INDEXED_VALUE_TYPE_DATETIME, Storage.TIMESTAMP);
        sys("ExecutionStatus", "status", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, Storage.STATUS);
        sys("TaskQueue", "task_queue", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, Storage.TEXT);
        sys("HistoryLength", "history_length", IndexedValueType.INDEXED_VALUE_TYPE_INT, Storage.BIGINT);
        sys("HistorySizeBytes", "history_size_bytes", IndexedValueType.INDEXED_VALUE_TYPE_INT, Storage.BIGINT);
        sys("ExecutionDuration", "execution_duration", IndexedValueType.INDEXED_VALUE_TYPE_INT, Storage.DURATION);
        sys("StateTransitionCount", "state_transition_count", IndexedValueType.INDEXED_VALUE_TYPE_INT, Storage.BIGINT);
        sys("ParentWorkflowId", "parent_workflow_id", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, Storage.TEXT);
        sys("ParentRunId", "parent_run_id", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, Storage.UUID_TEXT);
        sys("RootWorkflowId", "root_workflow_id", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, Storage.TEXT);
        sys("RootRunId", "root_run_id", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, Storage.UUID_TEXT);
        sys("TemporalNamespaceDivision", "namespace_division", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, Storage.TEXT);

        PREDEFINED.put("BatcherUser", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
        PREDEFINED.put("BinaryChecksums", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
        PREDEFINED.put("BuildIds", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
        PREDEFINED.put("TemporalChangeVersion", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
        PREDEFINED.put("TemporalScheduledStartTime", IndexedValueType.INDEXED_VALUE_TYPE_DATETIME);
        PREDEFINED.put("TemporalScheduledById", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
        PREDEFINED.put("TemporalSchedulePaused", IndexedValueType.INDEXED_VALUE_TYPE_BOOL);
        PREDEFINED.put("TemporalWorkerDeploymentVersion", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
        PREDEFINED.put("TemporalWorkerDeployment", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
        PREDEFINED.put("TemporalWorkflowVersioningBehavior", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
        PREDEFINED.put("TemporalPauseInfo", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
    }

    /** Names a custom attribute may not take: Temporal reserves its system names and the "Temporal" prefix. */
    private static final Set<String> RESERVED_EXTRA = Set.of("NamespaceId", "Memo", "Encoding", "VisibilityTaskKey");

    /**
     * Kept by history while a run has paused activities: "property:activityType=<type>" per paused type, which
     * Temporal's batch unpause queries.
     */
    public static final String PAUSE_INFO = "TemporalPauseInfo";

    /** The one system attribute a start may set (system workflows such as the scheduler hide behind it). */
    public static final String NAMESPACE_DIVISION = "TemporalNamespaceDivision";

    private static void sys(String name, String column, IndexedValueType type, Storage storage) {
        SYSTEM.put(name, new SystemAttribute(name, column, type, storage));
    }

    private final Map<String, IndexedValueType> custom;

    public SearchAttributeCatalog(Map<String, IndexedValueType> custom) {
        this.custom = Map.copyOf(custom);
    }

    public static Optional<SystemAttribute> system(String name) {
        return Optional.ofNullable(SYSTEM.get(name));
    }

    public static Map<String, SystemAttribute> systemAttributes() {
        return Collections.unmodifiableMap(SYSTEM);
    }

    /** Predefined attributes: system-owned, but stored with the custom ones. */
    public static Map<String, IndexedValueType> predefined() {
        return Collections.unmodifiableMap(PREDEFINED);
    }

    public static boolean isReserved(String name) {
        return SYSTEM.containsKey(name) || PREDEFINED.containsKey(name) || RESERVED_EXTRA.contains(name)
                || name.startsWith("Temporal");
    }

    public Map<String, IndexedValueType> custom() {
        return custom;
    }

    /** The type of a non-system attribute stored in the JSONB (predefined or custom), if it exists. */
    public Optional<IndexedValueType> jsonType(String name) {
        IndexedValueType t = PREDEFINED.get(name);
        return Optional.ofNullable(t != null ? t : custom.get(name));
    }

    public static String typeName(IndexedValueType t) {
        return switch (t) {
            case INDEXED_VALUE_TYPE_TEXT -> "Text";
            case INDEXED_VALUE_TYPE_KEYWORD -> "Keyword";
            case INDEXED_VALUE_TYPE_INT -> "Int";
            case INDEXED_VALUE_TYPE_DOUBLE -> "Double";
            case INDEXED_VALUE_TYPE_BOOL -> "Bool";
            case INDEXED_VALUE_TYPE_DATETIME -> "Datetime";
            case INDEXED_VALUE_TYPE_KEYWORD_LIST -> "KeywordList";
            default -> "Unspecified";
        };
    }
}
