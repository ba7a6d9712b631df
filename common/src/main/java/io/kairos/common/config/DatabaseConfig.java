package io.kairos.common.config;

/** One JDBC database: the pool is bounded per process, never per shard. */
public record DatabaseConfig(String url, String user, String password, int maxConnections) {
    public DatabaseConfig {
        if (url == null || url.isBlank()) {
            throw new ConfigException("database url is required");
        }
        if (maxConnections < 1) {
            throw new ConfigException("maxConnections must be >= 1, got " + maxConnections);
        }
    }

    public DatabaseConfig withUrl(String newUrl) {
        return new DatabaseConfig(newUrl, user, password, maxConnections);
    }
}
