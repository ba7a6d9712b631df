package io.kairos.persistence.nexus;

import io.kairos.common.ids.NamespaceId;

import java.time.Instant;
import java.util.UUID;

/**
 * One Nexus endpoint as stored. Exactly one target: a worker target (namespace and task queue) or an external URL.
 *
 * @param description a serialized temporal.api.common.v1.Payload, or null
 */
public record NexusEndpointRow(UUID id, long version, String name, NamespaceId targetNamespace, String targetTaskQueue,
                               String externalUrl, byte[] description, Instant createdTime,
                               Instant lastModifiedTime) {
    public boolean isWorkerTarget() {
        return targetNamespace != null;
    }
}
