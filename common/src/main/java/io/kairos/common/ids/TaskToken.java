package io.kairos.common.ids;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kairos.proto.persistence.v1.TaskTokenData;

/**
 * The opaque token a worker gets with a task: a format-version byte followed by TaskTokenData. Parsing
 * rejects anything else, so a token from another server or a corrupted one is an invalid argument.
 */
public record TaskToken(TaskTokenData data) {
    public static final byte FORMAT_V1 = 1;

    public ByteString toBytes() {
        return ByteString.copyFrom(new byte[] {FORMAT_V1}).concat(data.toByteString());
    }

    /** @throws IllegalArgumentException when the bytes are not a token of ours */
    public static TaskToken parse(ByteString bytes) {
        if (bytes.isEmpty() || bytes.byteAt(0) != FORMAT_V1) {
            throw new IllegalArgumentException("unknown task token format");
        }
        try {
            TaskTokenData d = TaskTokenData.parseFrom(bytes.substring(1));
            if (d.getNamespaceId().isEmpty() || d.getWorkflowId().isEmpty() || d.getRunId().isEmpty()) {
                throw new IllegalArgumentException("incomplete task token");
            }
            // The bytes come from the client: only what this server could have written gets past here.
            try {
                java.util.UUID.fromString(d.getNamespaceId());
                java.util.UUID.fromString(d.getRunId());
            } catch (IllegalArgumentException notUuid) {
                throw new IllegalArgumentException("malformed task token");
            }
            for (String s : new String[]{d.getWorkflowId(), d.getActivityId(), d.getQueryTaskId(), d.getQueryTaskQueue()}) {
                if (s.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("malformed task token");
                }
            }
            return new TaskToken(d);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("malformed task token", e);
        }
    }

    /** A legacy query task's token: names the run and the matching task the answer is delivered to. */
    public static TaskToken forQuery(String namespaceId, String workflowId, String runId, String queryTaskId,
                                     String taskQueue) {
        return new TaskToken(TaskTokenData.newBuilder().setNamespaceId(namespaceId).setWorkflowId(workflowId)
                .setRunId(runId).setQueryTaskId(queryTaskId).setQueryTaskQueue(taskQueue).build());
    }

    public boolean isQuery() {
        return !data.getQueryTaskId().isEmpty();
    }

    public WorkflowKey workflowKey() {
        return new WorkflowKey(NamespaceId.parse(data.getNamespaceId()), data.getWorkflowId(),
                java.util.UUID.fromString(data.getRunId()));
    }
}
