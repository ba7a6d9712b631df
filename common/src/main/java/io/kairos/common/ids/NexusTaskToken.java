package io.kairos.common.ids;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kairos.proto.persistence.v1.NexusTaskTokenData;

import java.util.Objects;

/**
 * The opaque token a worker gets with a Nexus task (Temporal's {@code tokenspb.NexusTask}): a format-version byte
 * followed by {@link NexusTaskTokenData}. The byte differs from {@link TaskToken}'s, so a workflow or activity token
 * sent to RespondNexusTask* (or this one to RespondWorkflowTask*) is rejected as malformed instead of misread.
 */
public record NexusTaskToken(NamespaceId namespaceId, String taskQueue, String taskId) {
    public static final byte FORMAT_V1 = 2;

    public NexusTaskToken {
        Objects.requireNonNull(namespaceId, "namespaceId");
        Objects.requireNonNull(taskQueue, "taskQueue");
        Objects.requireNonNull(taskId, "taskId");
    }

    public ByteString toBytes() {
        return ByteString.copyFrom(new byte[] {FORMAT_V1}).concat(NexusTaskTokenData.newBuilder()
                .setNamespaceId(namespaceId.toString()).setTaskQueue(taskQueue).setTaskId(taskId)
                .build().toByteString());
    }

    /**
     * Temporal's frontend tells "cannot deserialize" from "deserialized but names no task" (Invalid TaskToken):
     * an empty queue or task id parses, and {@link #isComplete()} says whether it names a task.
     *
     * @throws IllegalArgumentException when the bytes are not a Nexus task token of ours
     */
    public static NexusTaskToken parse(ByteString bytes) {
        if (bytes.isEmpty() || bytes.byteAt(0) != FORMAT_V1) {
            throw new IllegalArgumentException("unknown task token format");
        }
        NexusTaskTokenData d;
        try {
            d = NexusTaskTokenData.parseFrom(bytes.substring(1));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("malformed task token", e);
        }
        NamespaceId ns;
        try {
            ns = NamespaceId.parse(d.getNamespaceId());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed task token");
        }
        // The bytes come from the client: only what this server could have written gets past here.
        if (d.getTaskQueue().indexOf('\0') >= 0 || d.getTaskId().indexOf('\0') >= 0) {
            throw new IllegalArgumentException("malformed task token");
        }
        return new NexusTaskToken(ns, d.getTaskQueue(), d.getTaskId());
    }

    /** Names a queue and a task (Temporal answers "Invalid TaskToken." otherwise). */
    public boolean isComplete() {
        return !taskQueue.isEmpty() && !taskId.isEmpty();
    }
}
