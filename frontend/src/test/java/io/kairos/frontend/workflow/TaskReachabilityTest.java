package io.kairos.frontend.workflow;

import io.temporal.api.enums.v1.BuildIdTaskReachability;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TaskReachabilityTest {
    private final List<String> queries = new ArrayList<>();

    private TaskReachability with(Map<String, Long> counts) {
        return new TaskReachability(r -> {
            assertEquals("default", r.getNamespace());
            queries.add(r.getQuery());
            return counts.getOrDefault(r.getQuery(), 0L);
        });
    }


    @Test
    void unversionedIsReachableWithoutAskingVisibility() {
        assertEquals(BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_REACHABLE, with(Map.of()).of("default", "q", ""));
        assertEquals(List.of(), queries);
    }

    @Test
    void aBuildIdIsJudgedByRunningThenClosedWorkflows() {
        String open = "TaskQueue = 'it\\'s' AND BuildIds IN ('assigned:v1') AND ExecutionStatus = \"Running\"";
        String closed = "TaskQueue = 'it\\'s' AND BuildIds IN ('versioned:v1') AND ExecutionStatus != \"Running\"";
        assertEquals(BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_UNREACHABLE,
                with(Map.of()).of("default", "it's", "v1"));
        assertEquals(List.of(open, closed), queries);
        assertEquals(BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_CLOSED_WORKFLOWS_ONLY,
                with(Map.of(closed, 2L)).of("default", "it's", "v1"));
        assertEquals(BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_REACHABLE,
                with(Map.of(open, 1L)).of("default", "it's", "v1"));
        assertEquals(BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_UNSPECIFIED,
                new TaskReachability(null).of("default", "q", "v1"), "no visibility database: not known");
    }
}
