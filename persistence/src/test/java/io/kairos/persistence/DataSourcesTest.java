package io.kairos.persistence;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.config.DatabaseConfig;
import io.kairos.persistence.testing.EmbeddedDb;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DataSourcesTest {
    @Test
    void poolTakesItsSizeIdleCountAndLifetimeFromTheConfig() {
        DatabaseConfig db = EmbeddedDb.freshDatabase("pool");
        DatabaseConfig tuned = new DatabaseConfig(db.url(), db.user(), db.password(), 6, 4, Duration.ofSeconds(45));
        try (HikariDataSource ds = DataSources.create("tuned", tuned)) {
            assertEquals(6, ds.getMaximumPoolSize());
            assertEquals(4, ds.getMinimumIdle());
            assertEquals(45_000, ds.getMaxLifetime());
        }
        try (HikariDataSource ds = DataSources.create("unlimited",
                new DatabaseConfig(db.url(), db.user(), db.password(), 3, 0, Duration.ZERO))) {
            assertEquals(0, ds.getMinimumIdle());
            assertEquals(0, ds.getMaxLifetime(), "0: connections are never retired");
        }
        try (HikariDataSource ds = DataSources.create("defaults", db)) {
            assertEquals(2, ds.getMinimumIdle());
            assertEquals(Duration.ofMinutes(30).toMillis(), ds.getMaxLifetime());
        }
    }
}
