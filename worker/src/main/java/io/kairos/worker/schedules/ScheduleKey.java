package io.kairos.worker.schedules;

import io.kairos.common.ids.NamespaceId;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One schedule: its namespace, id and generation (new for every CreateSchedule of the id, so a schedule deleted and
 * created again never reuses a request id or a visibility row of the old one).
 */
record ScheduleKey(NamespaceId namespaceId, String scheduleId, UUID generation) {
    /** Temporal's scheduler workflow id: the schedule's visibility row carries it. */
    static final String WORKFLOW_ID_PREFIX = "temporal-sys-scheduler:";

    /** Temporal's jitter seed: jitter is stable per schedule across restarts. */
    String jitterSeed() {
        return namespaceId + "-" + scheduleId;
    }

    /** A request id fixed by its parts: a repeated step sends the same one, which history deduplicates. */
    String requestId(String... parts) {
        StringBuilder sb = new StringBuilder(generation.toString());
        for (String p : parts) {
            sb.append(':').append(p);
        }
        return UUID.nameUUIDFromBytes(sb.toString().getBytes(StandardCharsets.UTF_8)).toString();
    }

    static String identity(String namespace, String scheduleId) {
        return "temporal-scheduler-" + namespace + "-" + scheduleId;
    }
}
