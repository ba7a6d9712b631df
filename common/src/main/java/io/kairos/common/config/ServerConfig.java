package io.kairos.common.config;

import java.time.Duration;
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
        Duration namespaceRefreshInterval) {

    public static final String DEFAULT_CLUSTER_NAME = "active";
    public static final Duration DEFAULT_NAMESPACE_REFRESH = Duration.ofSeconds(2);

    public ServerConfig {
        if (historyShardCount < 1) {
            throw new ConfigException("cluster.historyShardCount must be >= 1, got " + historyShardCount);
        }
        services = Map.copyOf(services);
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
