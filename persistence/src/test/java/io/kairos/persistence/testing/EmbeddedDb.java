package io.kairos.persistence.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.config.DatabaseConfig;
import io.kairos.persistence.DataSources;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.schema.SchemaManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded Postgres per test JVM; each call to {@link #freshDatabase} creates a new empty database in it,
 * so tests never share state.
 */
public final class EmbeddedDb {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    private EmbeddedDb() {
    }

    public static synchronized EmbeddedPostgres postgres() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return postgres;
    }

    /** Creates an empty database and returns its config. */
    public static DatabaseConfig freshDatabase(String prefix) {
        String name = prefix + "_" + COUNTER.incrementAndGet();
        try (Connection c = postgres().getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new DatabaseConfig(postgres().getJdbcUrl("postgres", name), "postgres", null, 5);
    }

    /** A pool on a fresh, fully migrated database of the given kind. */
    public static HikariDataSource migrated(SchemaDatabase db) {
        HikariDataSource ds = DataSources.create("test", freshDatabase(db.defaultName()));
        new SchemaManager(db, ds).migrate();
        return ds;
    }
}
