package io.kairos.history.engine.activities;

import com.google.gson.JsonArray;
import com.google.protobuf.ByteString;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.kairos.proto.persistence.v1.ActivityInfo;
import io.kairos.proto.persistence.v1.WorkflowMutableState;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.SearchAttributes;

import java.util.TreeSet;

/**
 * Temporal's TemporalPauseInfo search attribute (KeywordList): "property:activityType=&lt;type&gt;" for each activity
 * type with a paused pending activity, so visibility queries (and batch unpause) find runs with paused activities.
 * It is derived from the pending activities whenever a write may have changed them, and absent when none is paused.
 */
public final class PauseInfoAttribute {
    static final String NAME = SearchAttributeCatalog.PAUSE_INFO;

    private PauseInfoAttribute() {
    }

    /** Brings the run's attribute in line with its paused activities; true when it changed. */
    public static boolean refresh(WorkflowMutableState.Builder s) {
        TreeSet<String> types = new TreeSet<>();
        for (ActivityInfo ai : s.getActivitiesMap().values()) {
            if (ai.getPaused()) {
                types.add("property:activityType=" + ai.getScheduled().getActivityType().getName());
            }
        }
        SearchAttributes current = s.getExecution().getSearchAttributes();
        Payload had = current.getIndexedFieldsMap().get(NAME);
        if (types.isEmpty()) {
            if (had == null) {
                return false;
            }
            s.getExecutionBuilder().getSearchAttributesBuilder().removeIndexedFields(NAME);
            return true;
        }
        Payload now = payload(types);
        if (now.equals(had)) {
            return false;
        }
        s.getExecutionBuilder().getSearchAttributesBuilder().putIndexedFields(NAME, now);
        return true;
    }

    public static boolean present(WorkflowMutableState.Builder s) {
        return s.getExecution().getSearchAttributes().containsIndexedFields(NAME);
    }

    /** Whether the paused activities differ (in number: a write pauses nothing without saying so). */
    public static boolean pausedChanged(WorkflowMutableState before, WorkflowMutableState.Builder after) {
        return paused(before.getActivitiesMap().values()) != paused(after.getActivitiesMap().values());
    }

    private static long paused(java.util.Collection<ActivityInfo> activities) {
        return activities.stream().filter(ActivityInfo::getPaused).count();
    }

    /** A run's attributes as the next run of its chain inherits them: the pauses are this run's own. */
    public static SearchAttributes inherited(SearchAttributes sa) {
        return sa.containsIndexedFields(NAME) ? sa.toBuilder().removeIndexedFields(NAME).build() : sa;
    }

    private static Payload payload(Iterable<String> values) {
        JsonArray a = new JsonArray();
        values.forEach(a::add);
        return Payload.newBuilder()
                .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                .putMetadata("type", ByteString.copyFromUtf8("KeywordList"))
                .setData(ByteString.copyFromUtf8(a.toString()))
                .build();
    }
}
