package io.kairos.common.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Everything a server process needs; built from YAML by {@link ConfigLoader} or by dev mode. */
public record ServerConfig(
        DatabaseConfig temporalDb,
        DatabaseConfig visibilityDb,
        boolean autoMigrate,
        String clusterName,
        int historyShardCount,
        Map<ServiceRole, ServiceEndpoint> services,
        int metricsPort,
        Duration namespaceRefreshInterval,
        Duration membershipHeartbeatInterval,
        Duration membershipTtl,
        List<ConfiguredNamespace> namespaces,
        TlsConfig tls,
        AuthorizationConfig authorization,
        MetricsConfig metrics,
        ArchivalConfig archival) {

    public static final String DEFAULT_CLUSTER_NAME = "active";
    public static final Duration DEFAULT_NAMESPACE_REFRESH = Duration.ofSeconds(2);
    /** Membership heartbeat: peers see a join or a graceful leave within one interval. */
    public static final Duration DEFAULT_MEMBERSHIP_HEARTBEAT = Duration.ofSeconds(1);
    /** A member that stops heartbeating is dropped after this long (a crashed host's shards move then). */
    public static final Duration DEFAULT_MEMBERSHIP_TTL = Duration.ofSeconds(5);

    /** Without an authorization section: every caller may do everything (dev mode). */
    public ServerConfig(DatabaseConfig temporalDb, DatabaseConfig visibilityDb, boolean autoMigrate, String clusterName,
                        int historyShardCount, Map<ServiceRole, ServiceEndpoint> services, int metricsPort,
                        Duration namespaceRefreshInterval, Duration membershipHeartbeatInterval, Duration membershipTtl,
                        List<ConfiguredNamespace> namespaces) {
        this(temporalDb, visibilityDb, autoMigrate, clusterName, historyShardCount, services, metricsPort,
                namespaceRefreshInterval, membershipHeartbeatInterval, membershipTtl, namespaces, TlsConfig.NONE,
                AuthorizationConfig.NONE);
    }

    public ServerConfig(DatabaseConfig temporalDb, DatabaseConfig visibilityDb, boolean autoMigrate, String clusterName,
                        int historyShardCount, Map<ServiceRole, ServiceEndpoint> services, int metricsPort,
                        Duration namespaceRefreshInterval, Duration membershipHeartbeatInterval, Duration membershipTtl,
                        List<ConfiguredNamespace> namespaces, TlsConfig tls, AuthorizationConfig authorization) {
        this(temporalDb, visibilityDb, autoMigrate, clusterName, historyShardCount, services, metricsPort,
                namespaceRefreshInterval, membershipHeartbeatInterval, membershipTtl, namespaces, tls, authorization,
                MetricsConfig.DEFAULTS);
    }

    public ServerConfig(DatabaseConfig temporalDb, DatabaseConfig visibilityDb, boolean autoMigrate, String clusterName,
                        int historyShardCount, Map<ServiceRole, ServiceEndpoint> services, int metricsPort,
                        Duration namespaceRefreshInterval, Duration membershipHeartbeatInterval, Duration membershipTtl,
                        List<ConfiguredNamespace> namespaces, TlsConfig tls, AuthorizationConfig authorization,
                        MetricsConfig metrics) {
        this(temporalDb, visibilityDb, autoMigrate, clusterName, historyShardCount, services, metricsPort,
                namespaceRefreshInterval, membershipHeartbeatInterval, membershipTtl, namespaces, tls, authorization,
                metrics, ArchivalConfig.DISABLED);
    }

    public ServerConfig {
        if (historyShardCount < 1) {
            throw new ConfigException("cluster.historyShardCount must be >= 1, got " + historyShardCount);
        }
        if (membershipTtl.compareTo(membershipHeartbeatInterval.multipliedBy(2)) < 0) {
            throw new ConfigException("cluster.membership.ttl must be at least twice cluster.membership.heartbeatInterval, got "
                    + membershipTtl + " and " + membershipHeartbeatInterval);
        }
        services = Map.copyOf(services);
        namespaces = List.copyOf(namespaces);
        tls = tls == null ? TlsConfig.NONE : tls;
        authorization = authorization == null ? AuthorizationConfig.NONE : authorization;
        metrics = metrics == null ? MetricsConfig.DEFAULTS : metrics;
        archival = archival == null ? ArchivalConfig.DISABLED : archival;
        for (ServiceRole r : ServiceRole.values()) {
            if (!services.containsKey(r)) {
                throw new ConfigException("services." + r.configName() + " missing");
            }
        }
    }

    public ServiceEndpoint endpoint(ServiceRole role) {
        return services.get(role);
    }

    /** Temporal's default ports: frontend 7233, history 7234, matching 7235, worker 7239. */
    public static int defaultPort(ServiceRole role) {
        return switch (role) {
            case FRONTEND -> 7233;
            case HISTORY -> 7234;
            case MATCHING -> 7235;
            case WORKER -> 7239;
        };
    }
}
