package io.kairos.history;

import io.kairos.common.ids.NamespaceId;
import io.kairos.proto.persistence.v1.HistoryTask;
import io.kairos.proto.persistence.v1.UpsertVisibility;
import io.kairos.proto.persistence.v1.WorkflowRunTimeout;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.api.command.v1.Command;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.history.v1.HistoryEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class HistoryMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final NamespaceId ns = NamespaceId.random();
    private final HistoryMetrics metrics = new HistoryMetrics(registry, id -> id.equals(ns) ? "orders" : id.toString());

    @Test
    void taskOperationsAreTemporalsTaskTypeNames() {
        assertEquals("TimerActiveTaskWorkflowRunTimeout", HistoryMetrics.taskOperation(HistoryTask.newBuilder()
                .setWorkflowRunTimeout(WorkflowRunTimeout.getDefaultInstance()).build()));
        assertEquals("VisibilityTaskUpsertExecution", HistoryMetrics.taskOperation(HistoryTask.newBuilder()
                .setUpsertVisibility(UpsertVisibility.getDefaultInstance()).build()));
        assertEquals("VisibilityTaskStartExecution", HistoryMetrics.taskOperation(HistoryTask.newBuilder()
                .setUpsertVisibility(UpsertVisibility.newBuilder().setKind(UpsertVisibility.Kind.KIND_START)).build()));
        assertEquals("VisibilityTaskCloseExecution", HistoryMetrics.taskOperation(HistoryTask.newBuilder()
                .setUpsertVisibility(UpsertVisibility.newBuilder().setKind(UpsertVisibility.Kind.KIND_CLOSE)).build()));
        // Every task kind has a Temporal name.
        for (HistoryTask.TaskCase c : HistoryTask.TaskCase.values()) {
            if (c != HistoryTask.TaskCase.TASK_NOT_SET) {
                assertEquals(false, HistoryMetrics.taskOperation(taskOf(c)).equals(HistoryMetrics.UNKNOWN), c.name());
            }
        }
    }

    private static HistoryTask taskOf(HistoryTask.TaskCase c) {
        var field = HistoryTask.getDescriptor().findFieldByNumber(c.getNumber());
        var b = HistoryTask.newBuilder();
        return b.setField(field, b.newBuilderForField(field).build()).build();
    }

    @Test
    void commandTypesAreTaggedAsTemporalPrintsThem() {
        assertEquals("ScheduleActivityTask", io.kairos.common.metrics.MetricNames.commandType(CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK));
        assertEquals("UpsertWorkflowSearchAttributes",
                io.kairos.common.metrics.MetricNames.commandType(CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES));
    }

    @Test
    void namespacesAreTaggedByNameAndUnknownOnesAsUnknown() {
        assertEquals("orders", metrics.namespace(ns));
        assertEquals("_unknown_", metrics.namespace(NamespaceId.random())); // the resolver answers with the id
        assertEquals("_unknown_", metrics.namespace("not-a-uuid"));
        assertEquals("_unknown_", new HistoryMetrics(registry, id -> {
            throw new IllegalStateException("database down");
        }).namespace(ns));
    }

    @Test
    void aWriteWithoutACloseEventCountsNoCompletion() {
        metrics.runWritten(ns, "T", "q", null, List.of(HistoryEvent.newBuilder()
                .setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).build()));
        assertEquals(List.of(), registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("workflow_")).toList());
        metrics.runWritten(ns, "T", "q", null, List.of(HistoryEvent.newBuilder()
                .setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED).build()));
        assertEquals(1, registry.get("workflow_terminate").tags("operation", "CompletionStats", "namespace", "orders",
                "workflowType", "T", "taskqueue", "q").counter().count());
    }

    @Test
    void timeoutsAndCompletionBreakdowns() {
        metrics.timedOut("TimerActiveTaskWorkflowTaskTimeout", ns, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START);
        metrics.timedOut("TimerActiveTaskActivityTimeout", ns, TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
        assertEquals(1, registry.get("schedule_to_start_timeout")
                .tags("operation", "TimerActiveTaskWorkflowTaskTimeout", "namespace", "orders").counter().count());
        assertEquals(1, registry.get("heartbeat_timeout")
                .tags("operation", "TimerActiveTaskActivityTimeout", "namespace", "orders").counter().count());

        Command complete = Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION).build();
        Command fail = Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION).build();
        metrics.workflowTaskCompleted(ns, List.of(complete, fail), false);
        assertEquals(1, registry.get("multiple_completion_commands").counter().count());
        assertNull(registry.find("empty_completion_commands").counter());
    }
}
