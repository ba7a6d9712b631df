package io.kairos.persistence.visibility;

import io.kairos.common.ids.StandaloneIds;
import io.temporal.api.common.v1.SearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The search attributes of a standalone activity's visibility row: Temporal's archetype attributes (ActivityId,
 * ActivityType; TaskQueue is the row's task_queue column), queryable by List/CountActivityExecutions only, and
 * TemporalNamespaceDivision, which keeps the row out of workflow lists.
 */
public final class ActivityAttributes {
    public static final String ACTIVITY_ID = "ActivityId";
    public static final String ACTIVITY_TYPE = "ActivityType";
    public static final Set<String> BUILT_IN = Set.of(ACTIVITY_ID, ACTIVITY_TYPE);

    private ActivityAttributes() {
    }

    public static SearchAttributes of(SearchAttributes user, String activityId, String activityType) {
        return user.toBuilder()
                .putIndexedFields(SearchAttributeCatalog.NAMESPACE_DIVISION,
                        NexusOperationAttributes.keyword(StandaloneIds.ACTIVITY_DIVISION))
                .putIndexedFields(ACTIVITY_ID, NexusOperationAttributes.keyword(activityId))
                .putIndexedFields(ACTIVITY_TYPE, NexusOperationAttributes.keyword(activityType))
                .build();
    }

    /** The attributes the user set. */
    public static SearchAttributes user(SearchAttributes all) {
        SearchAttributes.Builder b = all.toBuilder();
        BUILT_IN.forEach(b::removeIndexedFields);
        b.removeIndexedFields(SearchAttributeCatalog.NAMESPACE_DIVISION);
        return b.build();
    }

    public static SearchAttributeCatalog catalog(Map<String, IndexedValueType> custom) {
        Map<String, IndexedValueType> all = new HashMap<>(custom);
        BUILT_IN.forEach(n -> all.put(n, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
        return new SearchAttributeCatalog(all);
    }
}
