package io.kairos.e2e;

/**
 * The start of a `temporal-server start` config file on {@link ExternalPostgres}: persistence, shards, the four
 * services on loopback and the metrics port. Tests append their own sections (namespaces, tls, authorization).
 */
public final class ProductionConfig {
    private ProductionConfig() {
    }

    /** Ports of 0 pick free ones (history's and matching's peers find them through membership). */
    public static String yaml(int postgresPort, boolean autoMigrate, int shards, int frontendPort, int historyPort,
                              int metricsPort) {
        return """
                persistence:
                  default:
                    url: jdbc:postgresql://localhost:%d/temporal
                    user: %s
                    password: %s
                    maxConnections: 8
                  autoMigrate: %s
                cluster:
                  historyShardCount: %d
                services:
                  frontend: { bindAddress: 127.0.0.1, port: %d }
                  history: { bindAddress: 127.0.0.1, port: %d }
                  matching: { bindAddress: 127.0.0.1, port: 0 }
                  worker: { bindAddress: 127.0.0.1, port: 0 }
                metrics:
                  port: %d
                """.formatted(postgresPort, ExternalPostgres.USER, ExternalPostgres.PASSWORD, autoMigrate, shards,
                frontendPort, historyPort, metricsPort);
    }
}
