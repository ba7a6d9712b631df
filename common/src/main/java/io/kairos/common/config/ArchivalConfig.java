package io.kairos.common.config;

import java.util.Optional;

/**
 * Temporal's {@code archival:} and {@code namespaceDefaults.archival:} sections: whether the cluster archives closed
 * runs' histories and visibility records, which providers (URI schemes) it may write to, and what a new namespace
 * gets when RegisterNamespace does not say.
 */
public record ArchivalConfig(Kind history, Kind visibility) {
    public static final ArchivalConfig DISABLED = new ArchivalConfig(Kind.DISABLED, Kind.DISABLED);

    /**
     * One of history or visibility archival.
     *
     * @param enabled      the cluster's {@code state: enabled}
     * @param enableRead   whether GetWorkflowExecutionHistory / ListArchivedWorkflowExecutions read the archive
     * @param filestore    the {@code provider.filestore} section, if any (enables {@code file://} URIs)
     * @param s3store      the {@code provider.s3store} section, if any (enables {@code s3://} URIs)
     * @param defaultState a new namespace's state when RegisterNamespace leaves it unspecified
     * @param defaultUri   a new namespace's URI when RegisterNamespace enables archival without one
     */
    public record Kind(boolean enabled, boolean enableRead, Optional<Filestore> filestore, Optional<S3store> s3store,
                       boolean defaultState, String defaultUri) {
        public static final Kind DISABLED = new Kind(false, false, Optional.empty(), Optional.empty(), false, "");

        /** Temporal's ClusterConfiguredForArchival. */
        public boolean clusterConfigured() {
            return enabled;
        }

        /** Whether a provider for the URI scheme is configured. */
        public boolean supportsScheme(String scheme) {
            return switch (scheme) {
                case "file" -> filestore.isPresent();
                case "s3" -> s3store.isPresent();
                default -> false;
            };
        }
    }

    /** Unix permission bits of the files and directories written, as Temporal's octal strings ("0666"). */
    public record Filestore(int fileMode, int dirMode) {
        public static final Filestore DEFAULTS = new Filestore(0666, 0766);
    }

    /**
     * An S3-compatible store. Credentials come from the AWS SDK's default chain (environment, profile, web identity
     * token as on EKS with IRSA, container or instance metadata).
     *
     * @param endpoint        an endpoint override (MinIO, Ceph, a local test server); null for AWS
     * @param forcePathStyle  bucket in the path instead of the host name
     */
    public record S3store(String region, String endpoint, boolean forcePathStyle) {
    }
}
