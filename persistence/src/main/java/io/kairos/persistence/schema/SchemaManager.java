package io.kairos.persistence.schema;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.MigrateResult;

import javax.sql.DataSource;

/**
 * Applies and checks the Flyway migrations of one database. The server calls {@link #checkOrMigrate} at start:
 * it refuses a schema newer than this build, and applies pending migrations only when configured to.
 */
public final class SchemaManager {
    private final SchemaDatabase database;
    private final DataSource dataSource;

    public SchemaManager(SchemaDatabase database, DataSource dataSource) {
        this.database = database;
        this.dataSource = dataSource;
    }

    private Flyway flyway() {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(database.location())
                .cleanDisabled(true)
                .loggers("slf4j")
                // Unknown newer migrations are reported by status(), not by Flyway's validate.
                .ignoreMigrationPatterns("*:future")
                .load();
    }

    public SchemaStatus status() {
        MigrationInfo[] all = flyway().info().all();
        String current = null;
        String latest = null;
        int pending = 0;
        int newer = 0;
        for (MigrationInfo m : all) {
            if (m.getVersion() == null) {
                continue;
            }
            MigrationState s = m.getState();
            if (s == MigrationState.FUTURE_SUCCESS || s == MigrationState.FUTURE_FAILED) {
                newer++;
            } else if (m.getType() != null && !m.getState().equals(MigrationState.MISSING_SUCCESS)) {
                latest = m.getVersion().getVersion();
            }
            if (s == MigrationState.PENDING) {
                pending++;
            }
            if (s.isApplied() && s != MigrationState.FAILED) {
                current = m.getVersion().getVersion();
            }
        }
        return new SchemaStatus(database, current, latest, pending, newer);
    }

    /** Applies pending migrations; a no-op when up to date. Flyway serializes concurrent runs with a lock. */
    public int migrate() {
        refuseNewer(status());
        MigrateResult r = flyway().migrate();
        return r.migrationsExecuted;
    }

    /** Validates checksums of applied migrations against this build. */
    public void validate() {
        SchemaStatus s = status();
        refuseNewer(s);
        if (s.pending() > 0) {
            throw new SchemaException(s + "; run 'temporal-server schema migrate --config FILE'");
        }
        var result = flyway().validateWithResult();
        if (!result.validationSuccessful) {
            throw new SchemaException(database.defaultName() + ": schema validation failed: "
                    + result.getAllErrorMessages());
        }
    }

    public SchemaStatus checkOrMigrate(boolean autoMigrate) {
        SchemaStatus s = status();
        refuseNewer(s);
        if (s.pending() > 0) {
            if (!autoMigrate) {
                throw new SchemaException(s + ". Run 'temporal-server schema migrate --config FILE' "
                        + "or set persistence.autoMigrate: true");
            }
            migrate();
            s = status();
        }
        return s;
    }

    private static void refuseNewer(SchemaStatus s) {
        if (s.newer() > 0) {
            throw new SchemaException(s + ": the database was migrated by a newer release; refusing to run");
        }
    }
}
