package io.kairos.persistence.cluster;

import java.time.Instant;
import java.util.UUID;

/** Facts fixed when the cluster was first started. The shard count can never change afterwards. */
public record ClusterMetadata(String clusterName, UUID clusterId, int historyShardCount, Instant createdAt) {
}
