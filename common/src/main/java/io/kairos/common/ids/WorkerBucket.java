package io.kairos.common.ids;

import java.nio.charset.StandardCharsets;

/**
 * The worker service's unit of ownership: every schedule and batch job falls in one of {@link #COUNT} buckets, a hash
 * of its namespace id and id. Stored with the row, so the hash may never change.
 */
public final class WorkerBucket {
    public static final int COUNT = 64;

    private WorkerBucket() {
    }

    /** FNV-1a over "namespaceId/id", modulo {@link #COUNT}. */
    public static int of(String namespaceId, String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (namespaceId + "/" + id).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return (int) Long.remainderUnsigned(h, COUNT);
    }
}
