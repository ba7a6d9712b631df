package io.kairos.frontend.namespace;

import io.kairos.persistence.namespace.NamespaceRow;
import io.kairos.proto.persistence.v1.NamespaceRecord;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.UpdateNamespaceResponse;

/** Builds Temporal's namespace responses from a stored record. */
final class NamespaceResponses {
    /** Blob and memo limits we enforce (Temporal's defaults). */
    static final long BLOB_SIZE_LIMIT_ERROR = 2 * 1024 * 1024;
    static final long MEMO_SIZE_LIMIT_ERROR = 2 * 1024 * 1024;

    private NamespaceResponses() {
    }

    /**
     * Capabilities are claimed only once the feature works end to end on this server: eager workflow start does;
     * synchronous updates and heartbeating workers are not claimed.
     */
    static NamespaceInfo.Capabilities capabilities() {
        return NamespaceInfo.Capabilities.newBuilder().setEagerWorkflowStart(true).build();
    }

    static NamespaceInfo info(NamespaceRecord r) {
        return r.getInfo().toBuilder()
                .setCapabilities(capabilities())
                .setLimits(NamespaceInfo.Limits.newBuilder()
                        .setBlobSizeLimitError(BLOB_SIZE_LIMIT_ERROR)
                        .setMemoSizeLimitError(MEMO_SIZE_LIMIT_ERROR))
                .setSupportsSchedules(true) // the worker service runs schedules
                .build();
    }

    static DescribeNamespaceResponse describe(NamespaceRow row) {
        NamespaceRecord r = row.record();
        return DescribeNamespaceResponse.newBuilder()
                .setNamespaceInfo(info(r))
                .setConfig(r.getConfig())
                .setReplicationConfig(r.getReplicationConfig())
                .setFailoverVersion(r.getFailoverVersion())
                .setIsGlobalNamespace(r.getIsGlobalNamespace())
                .build();
    }

    static UpdateNamespaceResponse update(NamespaceRecord r) {
        return UpdateNamespaceResponse.newBuilder()
                .setNamespaceInfo(info(r))
                .setConfig(r.getConfig())
                .setReplicationConfig(r.getReplicationConfig())
                .setFailoverVersion(r.getFailoverVersion())
                .setIsGlobalNamespace(r.getIsGlobalNamespace())
                .build();
    }
}
