package io.kairos.persistence.shard;

import io.kairos.common.ids.ShardId;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.sql.ShardOwnershipLostException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public final class PostgresShardStore implements ShardStore {
    private final Jdbc jdbc;

    public PostgresShardStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public long acquire(ShardId shard, String owner) {
        return jdbc.inTransaction("acquire shard (" + shard + ")", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO shards (shard_id, range_id, owner) VALUES (?, 1, ?) "
                            + "ON CONFLICT (shard_id) DO UPDATE SET range_id = shards.range_id + 1, "
                            + "owner = EXCLUDED.owner, updated_at = now() RETURNING range_id")) {
                ps.setInt(1, shard.value());
                ps.setString(2, owner);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public Map<ShardId, Long> acquireAll(Collection<ShardId> shards, String owner) {
        if (shards.isEmpty()) {
            return Map.of();
        }
        return jdbc.inTransaction("acquire shards", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO shards (shard_id, range_id, owner) SELECT s, 1, ? FROM unnest(?::int[]) AS s "
                            + "ON CONFLICT (shard_id) DO UPDATE SET range_id = shards.range_id + 1, "
                            + "owner = EXCLUDED.owner, updated_at = now() RETURNING shard_id, range_id")) {
                ps.setString(1, owner);
                ps.setArray(2, c.createArrayOf("integer", shards.stream().map(ShardId::value).toArray()));
                Map<ShardId, Long> out = new TreeMap<>(java.util.Comparator.comparingInt(ShardId::value));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(new ShardId(rs.getInt(1)), rs.getLong(2));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public Map<ShardId, Long> rangeIds(Collection<ShardId> shards) {
        if (shards.isEmpty()) {
            return Map.of();
        }
        return jdbc.read("read shard ranges", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT shard_id, range_id FROM shards WHERE shard_id = ANY (?::int[])")) {
                ps.setArray(1, c.createArrayOf("integer", shards.stream().map(ShardId::value).toArray()));
                Map<ShardId, Long> out = new HashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(new ShardId(rs.getInt(1)), rs.getLong(2));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public List<ShardRow> all() {
        return jdbc.read("read shards", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT shard_id, range_id, owner, updated_at FROM shards ORDER BY shard_id");
                 ResultSet rs = ps.executeQuery()) {
                List<ShardRow> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new ShardRow(rs.getInt(1), rs.getLong(2), rs.getString(3), rs.getTimestamp(4).toInstant()));
                }
                return out;
            }
        });
    }

    @Override
    public long renewRange(ShardId shard, long expectedRangeId) {
        return jdbc.inTransaction("renew range of shard (" + shard + ")", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE shards SET range_id = range_id + 1, updated_at = now() "
                    + "WHERE shard_id = ? AND range_id = ? RETURNING range_id")) {
                ps.setInt(1, shard.value());
                ps.setLong(2, expectedRangeId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new ShardOwnershipLostException(shard.value(), expectedRangeId, -1);
                    }
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public void assertOwned(Connection c, ShardId shard, long rangeId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT range_id FROM shards WHERE shard_id = ? FOR SHARE")) {
            ps.setInt(1, shard.value());
            try (ResultSet rs = ps.executeQuery()) {
                long actual = rs.next() ? rs.getLong(1) : -1;
                if (actual != rangeId) {
                    throw new ShardOwnershipLostException(shard.value(), rangeId, actual);
                }
            }
        }
    }
}
