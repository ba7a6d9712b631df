package io.kairos.persistence.schema;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.persistence.DataSources;
import io.kairos.persistence.testing.EmbeddedDb;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchemaManagerTest {
    private static final Pattern VERSIONED = Pattern.compile("V(\\d+(?:[._]\\d+)*)__.*\\.sql");

    private final List<HikariDataSource> pools = new ArrayList<>();

    @AfterEach
    void closePools() {
        pools.forEach(HikariDataSource::close);
    }

    private HikariDataSource emptyDatabase(SchemaDatabase db) {
        HikariDataSource ds = DataSources.create("schema-test", EmbeddedDb.freshDatabase("schema_" + db.name().toLowerCase()));
        pools.add(ds);
        return ds;
    }

    /** The versioned migration files this build ships for {@code db}, read from the classpath directory. */
    private static List<String> shippedVersions(SchemaDatabase db) throws IOException, URISyntaxException {
        String dir = db.location().substring("classpath:".length());
        URL url = SchemaManagerTest.class.getClassLoader().getResource(dir);
        assertTrue(url != null && url.getProtocol().equals("file"), "migrations directory on the classpath: " + url);
        try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            return files.map(p -> VERSIONED.matcher(p.getFileName().toString()))
                    .filter(Matcher::matches)
                    .map(m -> m.group(1).replace('_', '.'))
                    .sorted(Comparator.comparing(SchemaManagerTest::versionKey))
                    .toList();
        }
    }

    private static String versionKey(String v) {
        StringBuilder sb = new StringBuilder();
        for (String part : v.split("\\.")) {
            sb.append(String.format("%010d.", Long.parseLong(part)));
        }
        return sb.toString();
    }

    private static boolean tableExists(HikariDataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, "public." + table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static String probeTable(SchemaDatabase db) {
        return db == SchemaDatabase.TEMPORAL ? "namespaces" : "executions_visibility";
    }

    @ParameterizedTest
    @EnumSource(SchemaDatabase.class)
    void migratesAnEmptyDatabaseAndIsIdempotent(SchemaDatabase db) throws Exception {
        HikariDataSource ds = emptyDatabase(db);
        SchemaManager manager = new SchemaManager(db, ds);
        List<String> shipped = shippedVersions(db);
        assertFalse(shipped.isEmpty(), "no migrations found for " + db);
        String newest = shipped.get(shipped.size() - 1);

        SchemaStatus before = manager.status();
        assertNull(before.current(), "empty database has no applied version");
        assertEquals(newest, before.latestKnown());
        assertEquals(shipped.size(), before.pending());
        assertEquals(0, before.newer());
        assertFalse(before.upToDate());
        assertFalse(tableExists(ds, probeTable(db)));

        assertEquals(shipped.size(), manager.migrate(), "applies every shipped migration");

        SchemaStatus after = manager.status();
        assertTrue(after.upToDate(), after.toString());
        assertEquals(newest, after.current());
        assertEquals(after.latestKnown(), after.current());
        assertEquals(0, after.pending());
        assertEquals(0, after.newer());
        assertEquals(db, after.database());
        assertTrue(tableExists(ds, probeTable(db)), "migration created " + probeTable(db));

        assertEquals(0, manager.migrate(), "second migrate is a no-op");
        assertEquals(after, manager.status());
    }

    @ParameterizedTest
    @EnumSource(SchemaDatabase.class)
    void validatePassesOnAMigratedDatabase(SchemaDatabase db) {
        SchemaManager manager = new SchemaManager(db, emptyDatabase(db));
        manager.migrate();
        manager.validate();
    }

    @ParameterizedTest
    @EnumSource(SchemaDatabase.class)
    void validateRefusesAnUnmigratedDatabase(SchemaDatabase db) {
        SchemaManager manager = new SchemaManager(db, emptyDatabase(db));
        SchemaException e = assertThrows(SchemaException.class, manager::validate);
        assertTrue(e.getMessage().startsWith(db.defaultName() + ":"), e.getMessage());
        assertNull(manager.status().current(), "validate applies nothing");
    }

    @Test
    void validateOfAnUnmigratedDatabaseTellsTheOperatorToRunSchemaMigrate() {
        SchemaManager manager = new SchemaManager(SchemaDatabase.TEMPORAL, emptyDatabase(SchemaDatabase.TEMPORAL));
        SchemaException e = assertThrows(SchemaException.class, manager::validate);
        assertTrue(e.getMessage().contains("schema migrate"), e.getMessage());
        assertFalse(e.getMessage().contains("ignoreMigrationPatterns"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(SchemaDatabase.class)
    void checkOrMigrateWithoutAutoMigrateRefusesAnEmptyDatabase(SchemaDatabase db) throws Exception {
        HikariDataSource ds = emptyDatabase(db);
        SchemaManager manager = new SchemaManager(db, ds);
        SchemaException e = assertThrows(SchemaException.class, () -> manager.checkOrMigrate(false));
        assertTrue(e.getMessage().contains("schema migrate"), e.getMessage());
        assertTrue(e.getMessage().contains("pending"), e.getMessage());
        // nothing was applied
        assertNull(manager.status().current());
        assertFalse(tableExists(ds, probeTable(db)));
    }

    @ParameterizedTest
    @EnumSource(SchemaDatabase.class)
    void checkOrMigrateWithAutoMigrateMigrates(SchemaDatabase db) throws Exception {
        HikariDataSource ds = emptyDatabase(db);
        SchemaManager manager = new SchemaManager(db, ds);
        SchemaStatus s = manager.checkOrMigrate(true);
        assertTrue(s.upToDate(), s.toString());
        assertEquals(s.latestKnown(), s.current());
        assertTrue(tableExists(ds, probeTable(db)));
        // once up to date, autoMigrate no longer matters
        assertEquals(s, manager.checkOrMigrate(false));
    }

    private static void insertNewerHistoryRow(HikariDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
                    + "checksum, installed_by, execution_time, success) "
                    + "SELECT max(installed_rank) + 1, '999', 'from a newer release', 'SQL', "
                    + "'V999__from_a_newer_release.sql', 12345, current_user, 7, true FROM flyway_schema_history");
        }
    }

    @ParameterizedTest
    @EnumSource(SchemaDatabase.class)
    void refusesADatabaseMigratedByANewerRelease(SchemaDatabase db) throws Exception {
        HikariDataSource ds = emptyDatabase(db);
        SchemaManager manager = new SchemaManager(db, ds);
        manager.migrate();
        String latest = manager.status().latestKnown();
        insertNewerHistoryRow(ds);

        SchemaStatus s = manager.status();
        assertEquals(1, s.newer(), s.toString());
        assertFalse(s.upToDate());
        assertEquals(latest, s.latestKnown(), "the unknown row is not a migration this build ships");
        assertEquals(0, s.pending());

        for (boolean autoMigrate : new boolean[] {true, false}) {
            SchemaException e = assertThrows(SchemaException.class, () -> manager.checkOrMigrate(autoMigrate));
            assertTrue(e.getMessage().contains("newer"), e.getMessage());
        }
        SchemaException m = assertThrows(SchemaException.class, manager::migrate);
        assertTrue(m.getMessage().contains("newer"), m.getMessage());
        SchemaException v = assertThrows(SchemaException.class, manager::validate);
        assertTrue(v.getMessage().contains("newer"), v.getMessage());
    }
}
