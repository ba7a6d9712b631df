package io.kairos.history.engine.queries;

import io.temporal.api.enums.v1.QueryRejectCondition;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import org.junit.jupiter.api.Test;

import static io.temporal.api.enums.v1.QueryRejectCondition.QUERY_REJECT_CONDITION_NONE;
import static io.temporal.api.enums.v1.QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY;
import static io.temporal.api.enums.v1.QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_OPEN;
import static io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;
import static io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW;
import static io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED;
import static io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
import static io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Temporal's query reject conditions, status by status. */
class QueriesTest {
    private static void assertRejected(QueryRejectCondition c, WorkflowExecutionStatus status) {
        var r = Queries.rejected(c, status);
        assertEquals(status, r.getQueryRejected().getStatus(), c + " / " + status);
    }

    private static void assertAnswered(QueryRejectCondition c, WorkflowExecutionStatus status) {
        assertNull(Queries.rejected(c, status), c + " / " + status);
    }

    @Test
    void aRunningWorkflowIsNeverRejected() {
        for (QueryRejectCondition c : new QueryRejectCondition[] {QUERY_REJECT_CONDITION_NONE,
                QUERY_REJECT_CONDITION_NOT_OPEN, QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY}) {
            assertAnswered(c, WORKFLOW_EXECUTION_STATUS_RUNNING);
        }
    }

    @Test
    void notOpenRejectsEveryClosedRunAndNotCompletedCleanlyAllButCompleted() {
        for (WorkflowExecutionStatus closed : new WorkflowExecutionStatus[] {WORKFLOW_EXECUTION_STATUS_COMPLETED,
                WORKFLOW_EXECUTION_STATUS_FAILED, WORKFLOW_EXECUTION_STATUS_TERMINATED,
                WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW}) {
            assertAnswered(QUERY_REJECT_CONDITION_NONE, closed);
            assertRejected(QUERY_REJECT_CONDITION_NOT_OPEN, closed);
        }
        assertAnswered(QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY, WORKFLOW_EXECUTION_STATUS_COMPLETED);
        assertRejected(QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY, WORKFLOW_EXECUTION_STATUS_FAILED);
        assertRejected(QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY, WORKFLOW_EXECUTION_STATUS_TERMINATED);
        assertRejected(QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY, WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW);
    }
}
