package io.kairos.persistence.cluster;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.ConstraintViolationException;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.testing.EmbeddedDb;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresClusterMetadataStoreTest {
    private HikariDataSource ds;
    private Jdbc jdbc;
    private PostgresClusterMetadataStore store;

    @BeforeEach
    void setUp() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        jdbc = new Jdbc(ds);
        store = new PostgresClusterMetadataStore(jdbc);
    }

    @AfterEach
    void tearDown() {
        ds.close();
    }

    @Test
    void getOrCreateCreatesOnceAndNeverChangesTheShardCount() {
        assertTrue(store.get("active").isEmpty());

        ClusterMetadata first = store.getOrCreate("active", 4);
        assertEquals("active", first.clusterName());
        assertEquals(4, first.historyShardCount());
        assertNotNull(first.clusterId());
        assertNotNull(first.createdAt());
        assertTrue(Duration.between(first.createdAt(), Instant.now()).abs().toMinutes() < 5, first.createdAt().toString());

        ClusterMetadata second = store.getOrCreate("active", 16);
        assertEquals(4, second.historyShardCount(), "the original shard count wins");
        assertEquals(first.clusterId(), second.clusterId());
        assertEquals(first, second);
        assertEquals(first, store.get("active").orElseThrow());

        assertEquals(1, countRows(), "one row per cluster name");
    }

    @Test
    void clustersAreKeyedByName() {
        ClusterMetadata a = store.getOrCreate("active", 4);
        ClusterMetadata b = store.getOrCreate("standby", 8);
        assertNotEquals(a.clusterId(), b.clusterId());
        assertEquals(8, b.historyShardCount());
        assertEquals(4, store.get("active").orElseThrow().historyShardCount());
        assertTrue(store.get("other").isEmpty());
    }

    @Test
    void nonPositiveShardCountIsRejectedByTheCheckConstraint() {
        ConstraintViolationException e = assertThrows(ConstraintViolationException.class, () -> store.getOrCreate("active", 0));
        assertEquals("23514", e.sqlState());
        assertTrue(store.get("active").isEmpty());
    }

    @Test
    void shardCountIsImmutableInTheDatabase() {
        ClusterMetadata created = store.getOrCreate("active", 4);

        ConstraintViolationException e = assertThrows(ConstraintViolationException.class, () ->
                jdbc.inTransaction("change shard count", c -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE cluster_metadata SET history_shard_count = ? WHERE cluster_name = ?")) {
                        ps.setInt(1, 8);
                        ps.setString(2, "active");
                        return ps.executeUpdate();
                    }
                }));
        assertEquals("23514", e.sqlState());
        assertTrue(e.getMessage().contains("change shard count"), e.getMessage());
        assertTrue(e.getMessage().contains("immutable"), e.getMessage());

        // also outside a transaction
        ConstraintViolationException autocommit = assertThrows(ConstraintViolationException.class, () ->
                jdbc.read("change shard count", c -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE cluster_metadata SET history_shard_count = history_shard_count + 1")) {
                        return ps.executeUpdate();
                    }
                }));
        assertEquals("23514", autocommit.sqlState());

        assertEquals(created, store.get("active").orElseThrow());

        // updates that keep the count are allowed
        int updated = jdbc.inTransaction("touch", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE cluster_metadata SET history_shard_count = 4, version = version + 1 WHERE cluster_name = 'active'")) {
                return ps.executeUpdate();
            }
        });
        assertEquals(1, updated);
        assertEquals(4, store.get("active").orElseThrow().historyShardCount());
    }

    private int countRows() {
        return jdbc.read("count", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM cluster_metadata");
                 var rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }
}
