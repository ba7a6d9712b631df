package io.kairos.persistence.namespace;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.sql.ConditionFailedException;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.sql.PersistenceException;
import io.kairos.proto.persistence.v1.NamespaceRecord;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

public final class PostgresNamespaceStore implements NamespaceStore {
    private static final String COLUMNS = "id, data, data_encoding, notification_version";
    private static final String ENCODING = "proto3";

    private final Jdbc jdbc;

    public PostgresNamespaceStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public NamespaceRow create(NamespaceId id, NamespaceRecord record) {
        return jdbc.inTransaction("create namespace", c -> {
            long version = bumpMetadataVersion(c);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO namespaces (name, state, is_global, data, data_encoding, notification_version, id) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                bindRecord(ps, record, version);
                ps.setObject(7, id.uuid());
                ps.executeUpdate();
            }
            return new NamespaceRow(id, record, version);
        });
    }

    @Override
    public Optional<NamespaceRow> getByName(String name) {
        return jdbc.read("get namespace by name", c -> one(c, "SELECT " + COLUMNS + " FROM namespaces WHERE name = ?", name));
    }

    @Override
    public Optional<NamespaceRow> getById(NamespaceId id) {
        return jdbc.read("get namespace by id", c -> one(c, "SELECT " + COLUMNS + " FROM namespaces WHERE id = ?", id.uuid()));
    }

    @Override
    public NamespacePage list(int pageSize, byte[] pageToken) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be >= 1, got " + pageSize);
        }
        UUID after = pageToken == null || pageToken.length == 0 ? null : tokenToUuid(pageToken);
        return jdbc.read("list namespaces", c -> {
            String sql = "SELECT " + COLUMNS + " FROM namespaces " + (after == null ? "" : "WHERE id > ? ")
                    + "ORDER BY id LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (after != null) {
                    ps.setObject(i++, after);
                }
                ps.setInt(i, pageSize);
                List<NamespaceRow> rows = readAll(ps);
                byte[] next = rows.size() < pageSize ? null : uuidToToken(rows.get(rows.size() - 1).id().uuid());
                return new NamespacePage(rows, next);
            }
        });
    }

    @Override
    public List<NamespaceRow> listAll() {
        return jdbc.read("list all namespaces", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM namespaces ORDER BY id")) {
                return readAll(ps);
            }
        });
    }

    @Override
    public NamespaceRow update(NamespaceRow expected, NamespaceRecord record) {
        return jdbc.inTransaction("update namespace", c -> {
            long version = bumpMetadataVersion(c);
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE namespaces SET name = ?, state = ?, is_global = ?, data = ?, data_encoding = ?, "
                            + "notification_version = ?, updated_at = now() WHERE id = ? AND notification_version = ?")) {
                bindRecord(ps, record, version);
                ps.setObject(7, expected.id().uuid());
                ps.setLong(8, expected.notificationVersion());
                if (ps.executeUpdate() != 1) {
                    // Rolls back the version bump too.
                    throw new ConditionFailedException("namespace " + expected.name() + " changed concurrently");
                }
            }
            return new NamespaceRow(expected.id(), record, version);
        });
    }

    @Override
    public long metadataVersion() {
        return jdbc.read("read namespace metadata version", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT notification_version FROM namespace_metadata WHERE partition_id = 0");
                 ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new PersistenceException("namespace_metadata row missing: schema not migrated?", null, null);
                }
                return rs.getLong(1);
            }
        });
    }

    /** Parameters 1-6: name, state, is_global, data, data_encoding, notification_version. */
    private static void bindRecord(PreparedStatement ps, NamespaceRecord record, long version) throws SQLException {
        ps.setString(1, record.getInfo().getName());
        ps.setShort(2, (short) record.getInfo().getStateValue());
        ps.setBoolean(3, record.getIsGlobalNamespace());
        ps.setBytes(4, record.toByteArray());
        ps.setString(5, ENCODING);
        ps.setLong(6, version);
    }

    private static long bumpMetadataVersion(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE namespace_metadata SET notification_version = notification_version + 1 "
                        + "WHERE partition_id = 0 RETURNING notification_version");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new PersistenceException("namespace_metadata row missing: schema not migrated?", null, null);
            }
            return rs.getLong(1);
        }
    }

    private static Optional<NamespaceRow> one(Connection c, String sql, Object key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, key);
            List<NamespaceRow> rows = readAll(ps);
            return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
        }
    }

    private static List<NamespaceRow> readAll(PreparedStatement ps) throws SQLException {
        List<NamespaceRow> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                UUID id = rs.getObject(1, UUID.class);
                String encoding = rs.getString(3);
                if (!ENCODING.equals(encoding)) {
                    throw new PersistenceException("namespace " + id + " has unknown data encoding " + encoding, null, null);
                }
                try {
                    out.add(new NamespaceRow(new NamespaceId(id), NamespaceRecord.parseFrom(rs.getBytes(2)), rs.getLong(4)));
                } catch (InvalidProtocolBufferException e) {
                    throw new PersistenceException("namespace " + id + " has a corrupt record", null, e);
                }
            }
        }
        return out;
    }

    /** Page tokens are the raw 16 bytes of the last id, as Temporal's are. */
    static byte[] uuidToToken(UUID u) {
        return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
    }

    static UUID tokenToUuid(byte[] token) {
        if (token.length != 16) {
            throw new IllegalArgumentException("invalid page token");
        }
        ByteBuffer b = ByteBuffer.wrap(token);
        return new UUID(b.getLong(), b.getLong());
    }
}
