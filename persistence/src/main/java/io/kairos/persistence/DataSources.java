package io.kairos.persistence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.kairos.common.config.DatabaseConfig;
import io.micrometer.core.instrument.MeterRegistry;

/** One bounded HikariCP pool per database per process. */
public final class DataSources {
    private DataSources() {
    }

    public static HikariDataSource create(String poolName, DatabaseConfig db) {
        return create(poolName, db, null);
    }

    /** With a registry, the pool publishes hikaricp_connections_* metrics (active, idle, pending, timeouts). */
    public static HikariDataSource create(String poolName, DatabaseConfig db, MeterRegistry metrics) {
        HikariConfig c = new HikariConfig();
        c.setPoolName(poolName);
        c.setJdbcUrl(db.url());
        if (db.user() != null) {
            c.setUsername(db.user());
        }
        if (db.password() != null) {
            c.setPassword(db.password());
        }
        c.setMaximumPoolSize(db.maxConnections());
        c.setMinimumIdle(db.maxIdleConnections());
        c.setMaxLifetime(db.maxConnectionLifetime().toMillis());
        c.setConnectionTimeout(10_000);
        // Fail at start, not at the first request, when the database is unreachable.
        c.setInitializationFailTimeout(30_000);
        c.addDataSourceProperty("ApplicationName", "kairos-" + poolName);
        // Keep statements parameterized but avoid server-side generic plans for key lookups.
        c.addDataSourceProperty("prepareThreshold", "5");
        c.addDataSourceProperty("reWriteBatchedInserts", "true");
        if (metrics != null) {
            c.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(metrics));
        }
        return new HikariDataSource(c);
    }
}
