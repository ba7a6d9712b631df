package io.kairos.persistence.shard;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.ids.ShardId;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.sql.ShardOwnershipLostException;
import io.kairos.persistence.testing.EmbeddedDb;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostgresShardStoreTest {
    private static final ShardId SHARD = new ShardId(1);

    private HikariDataSource ds;
    private Jdbc jdbc;
    private PostgresShardStore store;

    @BeforeEach
    void setUp() {
        ds = EmbeddedDb.migrated(SchemaDatabase.TEMPORAL);
        jdbc = new Jdbc(ds);
        store = new PostgresShardStore(jdbc);
    }

    @AfterEach
    void tearDown() {
        ds.close();
    }

    private String owner(ShardId shard) {
        return jdbc.read("owner", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT owner FROM shards WHERE shard_id = ?")) {
                ps.setInt(1, shard.value());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    @Test
    void acquireIncrementsTheRangeIdPerShard() {
        assertEquals(1, store.acquire(SHARD, "host-a"));
        assertEquals("host-a", owner(SHARD));
        assertEquals(2, store.acquire(SHARD, "host-b"));
        assertEquals("host-b", owner(SHARD));
        assertEquals(3, store.acquire(SHARD, "host-b"), "re-acquiring by the same owner still moves the fence");

        ShardId other = new ShardId(2);
        assertEquals(1, store.acquire(other, "host-a"), "shards are independent");
        assertEquals(4, store.acquire(SHARD, "host-a"));
    }

    @Test
    void assertOwnedPassesWithTheCurrentRangeIdAndFailsAfterAnotherAcquire() {
        long mine = store.acquire(SHARD, "host-a");

        String result = jdbc.inTransaction("mutation", c -> {
            store.assertOwned(c, SHARD, mine);
            return "committed";
        });
        assertEquals("committed", result);

        long theirs = store.acquire(SHARD, "host-b");
        assertEquals(mine + 1, theirs);

        ShardOwnershipLostException e = assertThrows(ShardOwnershipLostException.class,
                () -> jdbc.inTransaction("mutation", c -> {
                    store.assertOwned(c, SHARD, mine);
                    return "should not commit";
                }));
        assertEquals(SHARD.value(), e.shardId());
        assertEquals(mine, e.expectedRangeId());
        assertEquals(theirs, e.actualRangeId());
        assertTrue(e.getMessage().contains("ownership lost"), e.getMessage());

        // the new owner passes
        jdbc.inTransaction("mutation", c -> {
            store.assertOwned(c, SHARD, theirs);
            return null;
        });
    }

    @Test
    void assertOwnedRollsBackTheMutation() {
        long stale = store.acquire(SHARD, "host-a");
        store.acquire(SHARD, "host-b");

        assertThrows(ShardOwnershipLostException.class, () -> jdbc.inTransaction("mutation", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO transfer_tasks (shard_id, task_id, data) VALUES (?, 1, '\\x00')")) {
                ps.setInt(1, SHARD.value());
                ps.executeUpdate();
            }
            store.assertOwned(c, SHARD, stale);
            return null;
        }));
        int rows = jdbc.read("count", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM transfer_tasks");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
        assertEquals(0, rows, "the write before the failed fence check was rolled back");
    }

    @Test
    void assertOwnedOnAnUnknownShardFails() {
        ShardId never = new ShardId(42);
        ShardOwnershipLostException e = assertThrows(ShardOwnershipLostException.class,
                () -> jdbc.inTransaction("mutation", c -> {
                    store.assertOwned(c, never, 1);
                    return null;
                }));
        assertEquals(42, e.shardId());
        assertEquals(1, e.expectedRangeId());
        assertEquals(-1, e.actualRangeId());
    }
}
