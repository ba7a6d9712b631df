package io.kairos.persistence.cluster;

import io.kairos.persistence.sql.Jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Optional;
import java.util.UUID;

public final class PostgresClusterMetadataStore implements ClusterMetadataStore {
    private final Jdbc jdbc;

    public PostgresClusterMetadataStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public ClusterMetadata getOrCreate(String clusterName, int shardCountIfNew) {
        return jdbc.inTransaction("init cluster metadata", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO cluster_metadata (cluster_name, cluster_id, history_shard_count) VALUES (?, ?, ?) "
                            + "ON CONFLICT (cluster_name) DO NOTHING")) {
                ps.setString(1, clusterName);
                ps.setObject(2, UUID.randomUUID());
                ps.setInt(3, shardCountIfNew);
                ps.executeUpdate();
            }
            return read(c, clusterName).orElseThrow();
        });
    }

    @Override
    public Optional<ClusterMetadata> get(String clusterName) {
        return jdbc.read("read cluster metadata", c -> read(c, clusterName));
    }

    private static Optional<ClusterMetadata> read(Connection c, String clusterName) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT cluster_id, history_shard_count, created_at FROM cluster_metadata WHERE cluster_name = ?")) {
            ps.setString(1, clusterName);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Timestamp created = rs.getTimestamp(3);
                return Optional.of(new ClusterMetadata(clusterName, rs.getObject(1, UUID.class), rs.getInt(2),
                        created.toInstant()));
            }
        }
    }
}
