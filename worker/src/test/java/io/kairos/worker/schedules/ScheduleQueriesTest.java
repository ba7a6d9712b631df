package io.kairos.worker.schedules;

import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.persistence.visibility.SearchAttributeCatalog;
import io.temporal.api.enums.v1.IndexedValueType;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ListSchedules' query: custom attributes, TemporalSchedulePaused and ScheduleId only, narrowed to scheduler rows. */
class ScheduleQueriesTest {
    private static final SearchAttributeCatalog CATALOG =
            new SearchAttributeCatalog(Map.of("Tag", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));

    @Test
    void anEmptyQueryListsTheRunningSchedulerRows() {
        var q = ScheduleQueries.compile("", CATALOG);
        assertTrue(q.params().contains("TemporalScheduler"), q.toString());
        assertTrue(q.where().contains("namespace_division"), q.where());
    }

    @Test
    void scheduleIdBecomesTheSchedulersWorkflowId() {
        var q = ScheduleQueries.compile("ScheduleId = 'nightly' OR ScheduleId IN ('a', 'b') OR ScheduleId STARTS_WITH 'x'", CATALOG);
        assertTrue(q.params().contains("temporal-sys-scheduler:nightly"), q.params().toString());
        assertTrue(q.params().contains("temporal-sys-scheduler:a"), q.params().toString());
        assertTrue(q.params().stream().anyMatch(p -> p.toString().startsWith("temporal-sys-scheduler:x")), q.params().toString());
    }

    @Test
    void customAttributesAndPausedAreAllowed() {
        ScheduleQueries.compile("Tag = 'blue' AND TemporalSchedulePaused = false", CATALOG);
    }

    @Test
    void otherReservedNamesAreRefusedAsTemporalDoes() {
        var e = assertThrows(InvalidArgumentException.class, () -> ScheduleQueries.compile("WorkflowType = 'x'", CATALOG));
        assertEquals("invalid query filter for schedules: cannot filter on \"WorkflowType\"", e.getMessage());
        assertThrows(InvalidArgumentException.class, () -> ScheduleQueries.compile("TemporalNamespaceDivision = 'x'", CATALOG));
        assertThrows(InvalidArgumentException.class, () -> ScheduleQueries.compile("Nope = 'x'", CATALOG));
        assertThrows(InvalidArgumentException.class, () -> ScheduleQueries.compile("ScheduleId = 5", CATALOG));
    }

    @Test
    void aCustomScheduleIdAttributeIsLeftAlone() {
        var catalog = new SearchAttributeCatalog(Map.of("ScheduleId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
        var q = ScheduleQueries.compile("ScheduleId = 'nightly'", catalog);
        assertTrue(q.params().stream().anyMatch(p -> p.toString().contains("nightly")), q.params().toString());
        assertTrue(q.params().stream().noneMatch(p -> p.toString().contains("temporal-sys-scheduler")), q.params().toString());
    }
}
