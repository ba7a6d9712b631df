package io.kairos.frontend.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.temporal.api.command.v1.Command;
import io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.common.v1.Memo;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.enums.v1.ResetReapplyExcludeType;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskFailedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.UpdateNamespaceRequest;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WireChecksTest {
    private static final Set<String> BLOB_ONLY = Set.of("temporal.api.failure.v1.Failure",
            "temporal.api.common.v1.Payload");

    private static boolean clean(Message m) {
        return WireChecks.clean(m.getDescriptorForType(), m.toByteArray(), BLOB_ONLY);
    }

    private static RespondWorkflowTaskCompletedRequest.Builder completion(String activityId) {
        return RespondWorkflowTaskCompletedRequest.newBuilder().setNamespace("default").setIdentity("worker@host")
                .setTaskToken(ByteString.copyFrom(new byte[]{0, 1, 0}))
                .addCommands(Command.newBuilder().setCommandType(CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK)
                        .setScheduleActivityTaskCommandAttributes(ScheduleActivityTaskCommandAttributes.newBuilder()
                                .setActivityId(activityId).setActivityType(ActivityType.newBuilder().setName("act"))
                                .setTaskQueue(TaskQueue.newBuilder().setName("q"))
                                .setStartToCloseTimeout(Duration.newBuilder().setSeconds(10).setNanos(5))
                                .setInput(Payloads.newBuilder().addPayloads(Payload.newBuilder()
                                        .setData(ByteString.copyFrom(new byte[]{0, 0}))))));
    }

    @Test
    void aTypicalRequestIsClean() {
        assertTrue(clean(completion("1").build()));
        assertTrue(clean(StartWorkflowExecutionRequest.newBuilder().setNamespace("default").setWorkflowId("w")
                .setWorkflowRunTimeout(Duration.newBuilder().setSeconds(-5).setNanos(-3))
                .setMemo(Memo.newBuilder().putFields("k", Payload.getDefaultInstance())).build()));
        assertTrue(clean(ResetWorkflowExecutionRequest.newBuilder()
                .addResetReapplyExcludeTypes(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL).build()));
    }

    @Test
    void whatTheReflectiveWalkRefusesIsNotClean() {
        assertFalse(clean(completion("a\0").build())); // a string three messages deep
        assertFalse(clean(StartWorkflowExecutionRequest.newBuilder()
                .setMemo(Memo.newBuilder().putFields("k\0", Payload.getDefaultInstance())).build()));
        assertFalse(clean(ResetWorkflowExecutionRequest.newBuilder().setResetReapplyTypeValue(99).build()));
        assertFalse(clean(ResetWorkflowExecutionRequest.newBuilder() // packed
                .addResetReapplyExcludeTypesValue(1).addResetReapplyExcludeTypesValue(99).build()));
        assertFalse(clean(StartWorkflowExecutionRequest.newBuilder()
                .setWorkflowRunTimeout(Duration.newBuilder().setSeconds(5).setNanos(-1)).build()));
        assertFalse(clean(UpdateNamespaceRequest.newBuilder().setNamespace("n").build().toBuilder()
                .setNamespace("n\0").build()));
    }

    @Test
    void failuresAndPayloadsAreNotLookedInto() {
        assertTrue(clean(RespondActivityTaskFailedRequest.newBuilder().setNamespace("default")
                .setFailure(Failure.newBuilder().setMessage("text with \0 in it")).build()));
        assertTrue(clean(completion("1").build().toBuilder().setCommands(0, completion("1").getCommands(0).toBuilder()
                .setScheduleActivityTaskCommandAttributes(completion("1").getCommands(0)
                        .getScheduleActivityTaskCommandAttributes().toBuilder().setInput(Payloads.newBuilder()
                                .addPayloads(Payload.newBuilder().putMetadata("e", ByteString.copyFromUtf8("a\0")))))).build()));
    }

    @Test
    void aSingularFieldSentTwiceIsLeftToTheWalkWhichSeesTheMergedValue() throws Exception {
        // Each occurrence is a valid duration; the parser merges them into 5 s and -1 ns, which is not.
        byte[] twice = concat(StartWorkflowExecutionRequest.newBuilder()
                        .setWorkflowRunTimeout(Duration.newBuilder().setSeconds(5)).build().toByteArray(),
                StartWorkflowExecutionRequest.newBuilder()
                        .setWorkflowRunTimeout(Duration.newBuilder().setNanos(-1)).build().toByteArray());
        assertFalse(WireChecks.clean(StartWorkflowExecutionRequest.getDescriptor(), twice, BLOB_ONLY));
        assertEquals("workflow_run_timeout is not a valid duration.",
                RequestChecks.problem(StartWorkflowExecutionRequest.parseFrom(twice)));
        // A string sent twice: the parser keeps the last one, so a NUL in the first is not in the request.
        byte[] overwritten = concat(StartWorkflowExecutionRequest.newBuilder().setWorkflowId("a\0").build().toByteArray(),
                StartWorkflowExecutionRequest.newBuilder().setWorkflowId("b").build().toByteArray());
        assertFalse(WireChecks.clean(StartWorkflowExecutionRequest.getDescriptor(), overwritten, BLOB_ONLY));
        assertNull(RequestChecks.problem(StartWorkflowExecutionRequest.parseFrom(overwritten)));
    }

    @Test
    void timestampsOutOfRangeAreNotClean() {
        assertTrue(clean(io.temporal.api.history.v1.HistoryEvent.newBuilder()
                .setEventTime(Timestamp.newBuilder().setSeconds(253_402_300_799L).setNanos(999_999_999)).build()));
        assertFalse(clean(io.temporal.api.history.v1.HistoryEvent.newBuilder()
                .setEventTime(Timestamp.newBuilder().setSeconds(253_402_300_800L)).build()));
        assertFalse(clean(io.temporal.api.history.v1.HistoryEvent.newBuilder()
                .setEventTime(Timestamp.newBuilder().setNanos(-1)).build()));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
