package io.kairos.frontend.namespace;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Timestamps;
import io.kairos.common.TemporalCompat;
import io.kairos.common.errors.FailedPreconditionException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.NamespaceAlreadyExistsException;
import io.kairos.common.errors.NamespaceInvalidStateException;
import io.kairos.common.errors.NamespaceNotFoundException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.namespace.NamespacePage;
import io.kairos.persistence.namespace.NamespaceRow;
import io.kairos.persistence.namespace.NamespaceStore;
import io.kairos.persistence.sql.ConditionFailedException;
import io.kairos.persistence.sql.DuplicateKeyException;
import io.kairos.proto.persistence.v1.NamespaceRecord;
import io.temporal.api.enums.v1.ArchivalState;
import io.temporal.api.enums.v1.NamespaceState;
import io.temporal.api.enums.v1.ReplicationState;
import io.temporal.api.namespace.v1.BadBinaries;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.namespace.v1.UpdateNamespaceInfo;
import io.temporal.api.replication.v1.ClusterReplicationConfig;
import io.temporal.api.replication.v1.NamespaceReplicationConfig;
import io.temporal.api.workflowservice.v1.DeprecateNamespaceRequest;
import io.temporal.api.workflowservice.v1.DeprecateNamespaceResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.ListNamespacesRequest;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.api.workflowservice.v1.RegisterNamespaceResponse;
import io.temporal.api.workflowservice.v1.UpdateNamespaceRequest;
import io.temporal.api.workflowservice.v1.UpdateNamespaceResponse;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * RegisterNamespace, DescribeNamespace, ListNamespaces, UpdateNamespace and DeprecateNamespace, with
 * Temporal's validation order and messages. Namespaces are local to this cluster: global namespaces are not
 * configured, so requests for them behave as on a Temporal cluster without them. Archival states follow
 * {@link ArchivalStates}.
 */
public final class NamespaceHandler {
    static final int DEFAULT_PAGE_SIZE = 100;
    private static final int MAX_CAS_ATTEMPTS = 5;
    /** frontend.maxBadBinaries */
    static final int MAX_BAD_BINARIES = 10;
    private static final List<NamespaceState> UPDATABLE =
            List.of(NamespaceState.NAMESPACE_STATE_REGISTERED, NamespaceState.NAMESPACE_STATE_DEPRECATED);

    private final NamespaceStore store;
    private final NamespaceRegistry registry;
    private final String clusterName;
    private final Clock clock;
    private volatile io.kairos.persistence.archival.Archives archives = io.kairos.persistence.archival.Archives.disabled();

    /** The cluster's archival configuration and providers; without it every namespace's archival stays disabled. */
    public void archival(io.kairos.persistence.archival.Archives a) {
        this.archives = a;
    }

    public NamespaceHandler(NamespaceStore store, NamespaceRegistry registry, String clusterName, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.clusterName = clusterName;
        this.clock = clock;
    }

    public RegisterNamespaceResponse register(RegisterNamespaceRequest req) {
        String name = req.getNamespace();
        NamespaceValidation.requireValidNewName(name);
        if (req.getIsGlobalNamespace()) {
            throw new InvalidArgumentException("Cannot register global namespace when not enabled");
        }
        var retention = NamespaceValidation.retention(req.hasWorkflowExecutionRetentionPeriod(),
                req.getWorkflowExecutionRetentionPeriod());
        if (store.getByName(name).isPresent()) {
            throw new NamespaceAlreadyExistsException("Namespace \"" + name + "\" already exists");
        }
        validateClusters(req.getActiveClusterName(),
                req.getClustersList().stream().map(ClusterReplicationConfig::getClusterName).toList());
        var cluster = archives.config();
        ArchivalStates history = ArchivalStates.register(cluster.history(), req.getHistoryArchivalState(),
                req.getHistoryArchivalUri(), archives.history()::validate);
        ArchivalStates visibility = ArchivalStates.register(cluster.visibility(), req.getVisibilityArchivalState(),
                req.getVisibilityArchivalUri(), archives.visibility()::validate);
        NamespaceId id = NamespaceId.random();
        var now = Timestamps.fromMillis(clock.millis());
        NamespaceRecord record = NamespaceRecord.newBuilder()
                .setInfo(NamespaceInfo.newBuilder()
                        .setName(name)
                        .setId(id.toString())
                        .setState(NamespaceState.NAMESPACE_STATE_REGISTERED)
                        .setDescription(req.getDescription())
                        .setOwnerEmail(req.getOwnerEmail())
                        .putAllData(req.getDataMap()))
                .setConfig(NamespaceConfig.newBuilder()
                        .setWorkflowExecutionRetentionTtl(retention)
                        .setBadBinaries(BadBinaries.getDefaultInstance())
                        .setHistoryArchivalState(history.state())
                        .setHistoryArchivalUri(history.uri())
                        .setVisibilityArchivalState(visibility.state())
                        .setVisibilityArchivalUri(visibility.uri()))
                .setReplicationConfig(localReplication())
                .setCreatedTime(now)
                .setUpdatedTime(now)
                .build();
        try {
            store.create(id, record);
        } catch (DuplicateKeyException e) {
            // Lost a race with a concurrent register of the same name.
            throw new NamespaceAlreadyExistsException("name: " + name);
        }
        registry.invalidate(name);
        return RegisterNamespaceResponse.getDefaultInstance();
    }

    public DescribeNamespaceResponse describe(DescribeNamespaceRequest req) {
        NamespaceRow row = NamespaceRef.of(req.getNamespace(), req.getId(),
                "GetNamespace operation failed.  Both ID and Name specified in request.")
                .lookup(store::getByName, store::getById);
        return NamespaceResponses.describe(row);
    }

    public ListNamespacesResponse list(ListNamespacesRequest req) {
        if (req.getPageSize() < 0) {
            throw new InvalidArgumentException("Invalid PageSize: " + req.getPageSize() + ".");
        }
        int pageSize = req.getPageSize() == 0 ? DEFAULT_PAGE_SIZE : req.getPageSize();
        boolean includeDeleted = req.getNamespaceFilter().getIncludeDeleted();
        byte[] token = req.getNextPageToken().isEmpty() ? null : req.getNextPageToken().toByteArray();
        if (token != null && token.length != 16) {
            throw new InvalidArgumentException("Invalid NextPageToken.");
        }
        // Deleted rows are skipped; keep reading so a full page stays full, as Temporal does.
        List<DescribeNamespaceResponse> out = new ArrayList<>();
        byte[] next = token;
        do {
            NamespacePage page = store.list(pageSize - out.size(), next);
            for (NamespaceRow row : page.rows()) {
                if (includeDeleted || row.state() != NamespaceState.NAMESPACE_STATE_DELETED) {
                    out.add(NamespaceResponses.describe(row));
                }
            }
            next = page.nextPageToken();
        } while (next != null && out.size() < pageSize);
        ListNamespacesResponse.Builder b = ListNamespacesResponse.newBuilder().addAllNamespaces(out);
        if (next != null) {
            b.setNextPageToken(ByteString.copyFrom(next));
        }
        return b.build();
    }

    public UpdateNamespaceResponse update(UpdateNamespaceRequest req) {
        String name = req.getNamespace();
        NamespaceValidation.requireName(name);
        if (req.getPromoteNamespace()) {
            throw new InvalidArgumentException("global namespace is not enabled on this cluster, cannot update "
                    + "global namespace or promote local namespace: " + name);
        }
        NamespaceRecord result = mutate(name, UPDATABLE, current -> applyUpdate(current, req));
        return NamespaceResponses.update(result);
    }

    public DeprecateNamespaceResponse deprecate(DeprecateNamespaceRequest req) {
        String name = req.getNamespace();
        NamespaceValidation.requireName(name);
        mutate(name, UPDATABLE, current -> {
            NamespaceRecord.Builder b = current.toBuilder();
            b.getInfoBuilder().setState(NamespaceState.NAMESPACE_STATE_DEPRECATED);
            return b.build();
        });
        return DeprecateNamespaceResponse.getDefaultInstance();
    }

    /**
     * Reads the namespace by name, applies {@code change} and writes it back with compare-and-swap, retrying
     * when a concurrent writer got there first. A change that alters nothing writes nothing.
     */
    private NamespaceRecord mutate(String name, List<NamespaceState> allowed, UnaryOperator<NamespaceRecord> change) {
        for (int attempt = 1; ; attempt++) {
            NamespaceRow row = store.getByName(name).orElseThrow(() -> new NamespaceNotFoundException(name));
            if (!allowed.contains(row.state())) {
                throw new NamespaceInvalidStateException(name, row.state(), allowed);
            }
            NamespaceRecord updated = change.apply(row.record());
            if (updated.equals(row.record())) {
                return updated;
            }
            updated = updated.toBuilder()
                    .setConfigVersion(row.record().getConfigVersion() + 1)
                    .setUpdatedTime(Timestamps.fromMillis(clock.millis()))
                    .build();
            try {
                store.update(row, updated);
                registry.invalidate(name);
                return updated;
            } catch (ConditionFailedException e) {
                if (attempt >= MAX_CAS_ATTEMPTS) {
                    throw new FailedPreconditionException("Namespace " + name + " is being changed concurrently; retry.");
                }
            }
        }
    }

    private NamespaceRecord applyUpdate(NamespaceRecord current, UpdateNamespaceRequest req) {
        NamespaceRecord.Builder b = current.toBuilder();
        if (req.hasUpdateInfo()) {
            UpdateNamespaceInfo u = req.getUpdateInfo();
            NamespaceInfo.Builder info = b.getInfoBuilder();
            if (!u.getDescription().isEmpty()) {
                info.setDescription(u.getDescription());
            }
            if (!u.getOwnerEmail().isEmpty()) {
                info.setOwnerEmail(u.getOwnerEmail());
            }
            info.putAllData(u.getDataMap());
            NamespaceState to = u.getState();
            if (to != NamespaceState.NAMESPACE_STATE_UNSPECIFIED && to != info.getState()) {
                if (!NamespaceLifecycle.canMove(info.getState(), to)) {
                    throw new InvalidArgumentException("Invalid namespace state update.");
                }
                info.setState(to);
            }
        }
        if (req.hasConfig()) {
            NamespaceConfig c = req.getConfig();
            NamespaceConfig.Builder config = b.getConfigBuilder();
            if (c.hasWorkflowExecutionRetentionTtl()) {
                config.setWorkflowExecutionRetentionTtl(NamespaceValidation.retention(true, c.getWorkflowExecutionRetentionTtl()));
            }
            var cluster = archives.config();
            ArchivalStates history = new ArchivalStates(config.getHistoryArchivalState(), config.getHistoryArchivalUri())
                    .update(cluster.history(), c.getHistoryArchivalState(), c.getHistoryArchivalUri(),
                            archives.history()::validate);
            config.setHistoryArchivalState(history.state()).setHistoryArchivalUri(history.uri());
            ArchivalStates visibility = new ArchivalStates(config.getVisibilityArchivalState(),
                    config.getVisibilityArchivalUri())
                    .update(cluster.visibility(), c.getVisibilityArchivalState(), c.getVisibilityArchivalUri(),
                            archives.visibility()::validate);
            config.setVisibilityArchivalState(visibility.state()).setVisibilityArchivalUri(visibility.uri());
            if (c.getCustomSearchAttributeAliasesCount() > 0) {
                throw new InvalidArgumentException("Custom search attribute aliases are not supported by this server yet.");
            }
            if (c.hasBadBinaries() && c.getBadBinaries().getBinariesCount() > 0) {
                var now = Timestamps.fromMillis(clock.millis());
                BadBinaries.Builder bad = config.getBadBinariesBuilder();
                c.getBadBinaries().getBinariesMap().forEach((checksum, info) ->
                        bad.putBinaries(checksum, info.toBuilder().setCreateTime(now).build()));
                if (bad.getBinariesCount() > MAX_BAD_BINARIES) {
                    throw new InvalidArgumentException("Total resetBinaries cannot exceed the max limit: "
                            + MAX_BAD_BINARIES);
                }
            }
        }
        if (!req.getDeleteBadBinary().isEmpty()) {
            BadBinaries.Builder bad = b.getConfigBuilder().getBadBinariesBuilder();
            if (!bad.containsBinaries(req.getDeleteBadBinary())) {
                throw new InvalidArgumentException("Bad binary checksum " + req.getDeleteBadBinary() + " doesn't exists.");
            }
            bad.removeBinaries(req.getDeleteBadBinary());
        }
        if (req.hasReplicationConfig()) {
            NamespaceReplicationConfig r = req.getReplicationConfig();
            validateClusters(r.getActiveClusterName(),
                    r.getClustersList().stream().map(ClusterReplicationConfig::getClusterName).toList());
        }
        return b.build();
    }

    /** A local namespace lives on this cluster only. */
    private void validateClusters(String active, List<String> clusters) {
        if (!active.isEmpty() && !active.equals(clusterName)) {
            throw new InvalidArgumentException("Invalid cluster name: " + active);
        }
        for (String c : clusters) {
            if (!c.equals(clusterName)) {
                throw new InvalidArgumentException("Invalid cluster name: " + c);
            }
        }
    }

    private NamespaceReplicationConfig localReplication() {
        return NamespaceReplicationConfig.newBuilder()
                .setActiveClusterName(clusterName)
                .addClusters(ClusterReplicationConfig.newBuilder().setClusterName(clusterName))
                .setState(ReplicationState.REPLICATION_STATE_NORMAL)
                .build();
    }

    /** temporal-system is created with Temporal's fixed id and description, if missing. */
    public void ensureSystemNamespace() {
        ensureNamespace(NamespaceId.TEMPORAL_SYSTEM, TemporalCompat.SYSTEM_NAMESPACE, "Temporal internal system namespace",
                "temporal-core@temporal.io", 7 * 24 * 3600);
    }

    /** Creates the namespace unless one with that name exists; safe when several processes start at once. */
    public void ensureNamespace(NamespaceId id, String name, String description, String owner, long retentionSeconds) {
        if (store.getByName(name).isPresent()) {
            return;
        }
        // The config's namespaces get the cluster's archival defaults, as if registered; temporal-system never archives.
        var cluster = archives.config();
        boolean system = id.equals(NamespaceId.TEMPORAL_SYSTEM);
        ArchivalStates history = system ? ArchivalStates.NEVER_ENABLED : ArchivalStates.register(cluster.history(),
                ArchivalState.ARCHIVAL_STATE_UNSPECIFIED, "", archives.history()::validate);
        ArchivalStates visibility = system ? ArchivalStates.NEVER_ENABLED : ArchivalStates.register(cluster.visibility(),
                ArchivalState.ARCHIVAL_STATE_UNSPECIFIED, "", archives.visibility()::validate);
        var now = Timestamps.fromMillis(clock.millis());
        NamespaceRecord record = NamespaceRecord.newBuilder()
                .setInfo(NamespaceInfo.newBuilder().setName(name).setId(id.toString())
                        .setState(NamespaceState.NAMESPACE_STATE_REGISTERED)
                        .setDescription(description).setOwnerEmail(owner))
                .setConfig(NamespaceConfig.newBuilder()
                        .setWorkflowExecutionRetentionTtl(com.google.protobuf.Duration.newBuilder().setSeconds(retentionSeconds))
                        .setBadBinaries(BadBinaries.getDefaultInstance())
                        .setHistoryArchivalState(history.state()).setHistoryArchivalUri(history.uri())
                        .setVisibilityArchivalState(visibility.state()).setVisibilityArchivalUri(visibility.uri()))
                .setReplicationConfig(localReplication())
                .setCreatedTime(now).setUpdatedTime(now)
                .build();
        try {
            store.create(id, record);
        } catch (DuplicateKeyException raced) {
            // Another process created it first: fine.
        }
        registry.invalidate(name);
    }

}
