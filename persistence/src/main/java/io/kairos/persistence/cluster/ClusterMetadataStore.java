package io.kairos.persistence.cluster;

import java.util.Optional;

public interface ClusterMetadataStore {
    /**
     * Returns the stored metadata, creating it with a new cluster id and {@code shardCountIfNew} on the very
     * first start. Concurrent first starts agree on one row.
     */
    ClusterMetadata getOrCreate(String clusterName, int shardCountIfNew);

    Optional<ClusterMetadata> get(String clusterName);
}
