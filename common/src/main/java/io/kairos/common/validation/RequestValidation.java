package io.kairos.common.validation;

import com.google.protobuf.Duration;
import io.kairos.common.TemporalCompat;
import io.kairos.common.errors.InvalidArgumentException;
import io.temporal.api.taskqueue.v1.TaskQueue;

import java.nio.charset.StandardCharsets;

/** Field checks shared by the RPCs of the frontend and the worker service, with Temporal's messages. */
public final class RequestValidation {
    /** blob size limit (error): 2 MiB. */
    public static final int BLOB_SIZE_LIMIT = 2 * 1024 * 1024;

    private RequestValidation() {
    }

    public static void requireId(String value, String field) {
        if (value.isEmpty()) {
            throw new InvalidArgumentException(field + " is not set on request.");
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > TemporalCompat.MAX_ID_LENGTH) {
            throw new InvalidArgumentException(field + " length exceeds limit.");
        }
    }

    /** Pollers' identities are kept and shown (DescribeTaskQueue): Temporal's ID limit applies. */
    public static void requireIdentityWithinLimit(String identity) {
        if (identity.getBytes(StandardCharsets.UTF_8).length > TemporalCompat.MAX_ID_LENGTH) {
            throw new InvalidArgumentException("Identity length exceeds limit.");
        }
    }

    public static void requireTaskQueue(TaskQueue tq) {
        if (tq.getName().isEmpty()) {
            throw new InvalidArgumentException("TaskQueue is not set on request.");
        }
        if (tq.getName().getBytes(StandardCharsets.UTF_8).length > TemporalCompat.MAX_ID_LENGTH) {
            throw new InvalidArgumentException("TaskQueue length exceeds limit.");
        }
    }

    public static void requireNonNegative(Duration d, String field) {
        if (d.getSeconds() < 0 || d.getNanos() < 0) {
            throw new InvalidArgumentException("Invalid " + field + ".");
        }
    }

    public static void requireValidCron(String cron) {
        if (cron.isEmpty()) {
            return;
        }
        try {
            io.kairos.common.cron.CronSchedule.parse(cron);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("Invalid CronSchedule: " + e.getMessage() + ".");
        }
    }

    public static void requireBlobSize(com.google.protobuf.MessageLite blob) {
        if (blob.getSerializedSize() > BLOB_SIZE_LIMIT) {
            throw new InvalidArgumentException("Blob data size exceeds limit.");
        }
    }
}
