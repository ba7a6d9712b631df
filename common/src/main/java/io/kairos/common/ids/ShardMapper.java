package io.kairos.common.ids;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/** Which history shard owns a workflow id: a stable hash of (namespace id, workflow id), shards numbered from 1. */
public final class ShardMapper {
    private ShardMapper() {
    }

    public static ShardId shardFor(NamespaceId namespaceId, String workflowId, int shardCount) {
        CRC32C crc = new CRC32C();
        crc.update((namespaceId + "_" + workflowId).getBytes(StandardCharsets.UTF_8));
        return new ShardId((int) (crc.getValue() % shardCount) + 1);
    }
}
