package io.kairos.persistence.nexus;

import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.sql.Jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

public final class PostgresNexusEndpointStore implements NexusEndpointStore {
    private static final String COLUMNS = "id, version, name, target_namespace_id, target_task_queue, external_url, "
            + "description, created_time, last_modified_time";

    private final Jdbc jdbc;

    public PostgresNexusEndpointStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void create(NexusEndpointRow r) {
        jdbc.read("create nexus endpoint", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO nexus_endpoints (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setObject(1, r.id());
                ps.setLong(2, r.version());
                setSpec(ps, 3, r);
                ps.setObject(8, OffsetDateTime.ofInstant(r.createdTime(), ZoneOffset.UTC));
                ps.setObject(9, OffsetDateTime.ofInstant(r.lastModifiedTime(), ZoneOffset.UTC));
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public boolean update(NexusEndpointRow r, long expectedVersion) {
        return jdbc.read("update nexus endpoint", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE nexus_endpoints SET version = ?, name = ?, "
                    + "target_namespace_id = ?, target_task_queue = ?, external_url = ?, description = ?, "
                    + "last_modified_time = ? WHERE id = ? AND version = ?")) {
                ps.setLong(1, r.version());
                setSpec(ps, 2, r);
                ps.setObject(7, OffsetDateTime.ofInstant(r.lastModifiedTime(), ZoneOffset.UTC));
                ps.setObject(8, r.id());
                ps.setLong(9, expectedVersion);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** name, target namespace, task queue, external URL and description from {@code first} on. */
    private static void setSpec(PreparedStatement ps, int first, NexusEndpointRow r) throws SQLException {
        ps.setString(first, r.name());
        ps.setObject(first + 1, r.targetNamespace() == null ? null : r.targetNamespace().uuid(), Types.OTHER);
        ps.setString(first + 2, r.targetTaskQueue());
        ps.setString(first + 3, r.externalUrl());
        ps.setBytes(first + 4, r.description());
    }

    @Override
    public boolean delete(UUID id) {
        return jdbc.read("delete nexus endpoint", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM nexus_endpoints WHERE id = ?")) {
                ps.setObject(1, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Optional<NexusEndpointRow> get(UUID id) {
        return one("get nexus endpoint", "id = ?", id);
    }

    @Override
    public Optional<NexusEndpointRow> getByName(String name) {
        return one("get nexus endpoint by name", "name = ?", name);
    }

    private Optional<NexusEndpointRow> one(String operation, String where, Object key) {
        return jdbc.read(operation, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM nexus_endpoints WHERE " + where)) {
                ps.setObject(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(row(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<NexusEndpointRow> list(UUID afterId, int limit) {
        return jdbc.read("list nexus endpoints", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM nexus_endpoints"
                    + (afterId == null ? "" : " WHERE id > ?") + " ORDER BY id LIMIT ?")) {
                int i = 1;
                if (afterId != null) {
                    ps.setObject(i++, afterId);
                }
                ps.setInt(i, limit);
                List<NexusEndpointRow> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(row(rs));
                    }
                }
                return out;
            }
        });
    }

    private static NexusEndpointRow row(ResultSet rs) throws SQLException {
        UUID ns = rs.getObject("target_namespace_id", UUID.class);
        return new NexusEndpointRow(rs.getObject("id", UUID.class), rs.getLong("version"), rs.getString("name"),
                ns == null ? null : new NamespaceId(ns), rs.getString("target_task_queue"), rs.getString("external_url"),
                rs.getBytes("description"), rs.getObject("created_time", OffsetDateTime.class).toInstant(),
                rs.getObject("last_modified_time", OffsetDateTime.class).toInstant());
    }
}
