package io.kairos.common.config;

import java.time.Duration;

/**
 * One JDBC database: the pool is bounded per process, never per shard. Error messages name the key within the
 * database's section; {@link ConfigLoader} adds the section's path.
 *
 * @param maxIdleConnections    connections kept open while idle (HikariCP minimumIdle)
 * @param maxConnectionLifetime a connection is replaced after this long (HikariCP maxLifetime); zero: never
 */
public record DatabaseConfig(String url, String user, String password, int maxConnections, int maxIdleConnections,
                             Duration maxConnectionLifetime) {
    /** HikariCP's default maxLifetime. */
    public static final Duration DEFAULT_MAX_CONNECTION_LIFETIME = Duration.ofMinutes(30);
    /** HikariCP replaces a shorter maxLifetime with its default (with only a log warning), so we refuse it. */
    public static final Duration MIN_MAX_CONNECTION_LIFETIME = Duration.ofSeconds(30);

    public DatabaseConfig {
        if (url == null || url.isBlank()) {
            throw new ConfigException("url is required");
        }
        if (maxConnections < 1) {
            throw new ConfigException("maxConnections must be >= 1, got " + maxConnections);
        }
        if (maxIdleConnections < 0 || maxIdleConnections > maxConnections) {
            throw new ConfigException("maxIdleConnections must be between 0 and maxConnections (" + maxConnections
                    + "), got " + maxIdleConnections);
        }
        if (!maxConnectionLifetime.isZero() && maxConnectionLifetime.compareTo(MIN_MAX_CONNECTION_LIFETIME) < 0) {
            throw new ConfigException("maxConnectionLifetime must be 0 (no limit) or at least 30s, got "
                    + maxConnectionLifetime.toMillis() + "ms");
        }
    }

    /** Two idle connections at most, and HikariCP's default lifetime. */
    public DatabaseConfig(String url, String user, String password, int maxConnections) {
        this(url, user, password, maxConnections, defaultMaxIdle(maxConnections), DEFAULT_MAX_CONNECTION_LIFETIME);
    }

    public static int defaultMaxIdle(int maxConnections) {
        return Math.min(2, maxConnections);
    }

    public DatabaseConfig withUrl(String newUrl) {
        return new DatabaseConfig(newUrl, user, password, maxConnections, maxIdleConnections, maxConnectionLifetime);
    }
}
