package io.kairos.frontend.cluster;

import io.kairos.common.TemporalCompat;
import io.kairos.common.errors.UnavailableException;
import io.kairos.persistence.cluster.ClusterMetadata;
import io.kairos.persistence.cluster.ClusterMetadataStore;
import io.temporal.api.workflowservice.v1.GetClusterInfoResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;

/** GetSystemInfo and GetClusterInfo. */
public final class ClusterInfoHandler {
    private final ClusterMetadataStore clusterStore;
    private final String clusterName;
    private final boolean schedules;

    /** @param schedules the worker service's RPCs are wired (schedules work) */
    public ClusterInfoHandler(ClusterMetadataStore clusterStore, String clusterName, boolean schedules) {
        this.clusterStore = clusterStore;
        this.clusterName = clusterName;
        this.schedules = schedules;
    }

    /**
     * Capabilities are claimed only for behaviour this server has: INTERNAL is reserved for real faults
     * (internal_error_differentiation); activity timeout failures carry the last heartbeat details; failures and
     * SDK metadata are stored exactly as sent; ModifyWorkflowProperties upserts the memo; signal and query headers
     * reach the worker; CountWorkflowExecutions groups by ExecutionStatus; schedules run in the worker service; a start
     * may hand its first workflow task back eagerly; Nexus operations run between workflows of this cluster. Versioning is not built yet and stays false.
     */
    public GetSystemInfoResponse systemInfo() {
        return GetSystemInfoResponse.newBuilder()
                .setServerVersion(TemporalCompat.SERVER_VERSION)
                .setCapabilities(GetSystemInfoResponse.Capabilities.newBuilder()
                        .setInternalErrorDifferentiation(true)
                        .setActivityFailureIncludeHeartbeat(true)
                        .setEncodedFailureAttributes(true)
                        .setSdkMetadata(true)
                        .setUpsertMemo(true)
                        .setSignalAndQueryHeader(true)
                        .setCountGroupByExecutionStatus(true)
                        .setEagerWorkflowStart(true)
                        .setNexus(true)
                        .setSupportsSchedules(schedules))
                .build();
    }

    public GetClusterInfoResponse clusterInfo() {
        ClusterMetadata m = clusterStore.get(clusterName).orElseThrow(() ->
                new UnavailableException("cluster metadata for " + clusterName + " is not initialized yet", null));
        return GetClusterInfoResponse.newBuilder()
                .putAllSupportedClients(TemporalCompat.SUPPORTED_CLIENTS)
                .setServerVersion(TemporalCompat.SERVER_VERSION)
                .setClusterId(m.clusterId().toString())
                .setClusterName(m.clusterName())
                .setHistoryShardCount(m.historyShardCount())
                .setPersistenceStore(TemporalCompat.POSTGRES_STORE_NAME)
                .setVisibilityStore(TemporalCompat.POSTGRES_STORE_NAME)
                .setInitialFailoverVersion(1)
                .setFailoverVersionIncrement(10)
                .build();
    }
}
