package io.kairos.persistence.schedule;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.sql.PersistenceException;
import io.kairos.proto.persistence.v1.ScheduleRecord;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

public final class PostgresScheduleStore implements ScheduleStore {
    private static final String COLUMNS = "namespace_id, schedule_id, generation, bucket, version, create_request_id, "
            + "next_wakeup, watching, data";

    private final Jdbc jdbc;

    public PostgresScheduleStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Optional<ScheduleRow> get(NamespaceId ns, String scheduleId) {
        return jdbc.read("get schedule", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM schedules WHERE namespace_id = ? AND schedule_id = ?")) {
                ps.setObject(1, ns.uuid());
                ps.setString(2, scheduleId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(row(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void create(ScheduleRow r) {
        jdbc.read("create schedule", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO schedules (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)")) {
                ps.setObject(1, r.namespaceId().uuid());
                ps.setString(2, r.scheduleId());
                ps.setObject(3, r.generation());
                ps.setInt(4, r.bucket());
                ps.setString(5, r.createRequestId());
                ps.setObject(6, ts(r.nextWakeup()), Types.TIMESTAMP_WITH_TIMEZONE);
                ps.setBoolean(7, r.watching());
                ps.setBytes(8, r.record().toByteArray());
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public boolean update(ScheduleRow r) {
        return jdbc.read("update schedule", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE schedules SET version = version + 1, next_wakeup = ?, "
                    + "watching = ?, data = ? WHERE namespace_id = ? AND schedule_id = ? AND version = ?")) {
                ps.setObject(1, ts(r.nextWakeup()), Types.TIMESTAMP_WITH_TIMEZONE);
                ps.setBoolean(2, r.watching());
                ps.setBytes(3, r.record().toByteArray());
                ps.setObject(4, r.namespaceId().uuid());
                ps.setString(5, r.scheduleId());
                ps.setLong(6, r.version());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean delete(NamespaceId ns, String scheduleId) {
        return jdbc.read("delete schedule", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM schedules WHERE namespace_id = ? AND schedule_id = ?")) {
                ps.setObject(1, ns.uuid());
                ps.setString(2, scheduleId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean deleteAt(NamespaceId ns, String scheduleId, long version) {
        return jdbc.read("delete schedule", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM schedules WHERE namespace_id = ? AND schedule_id = ? AND version = ?")) {
                ps.setObject(1, ns.uuid());
                ps.setString(2, scheduleId);
                ps.setLong(3, version);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<Due> due(Collection<Integer> buckets, Instant upTo, int limit) {
        if (buckets.isEmpty()) {
            return List.of();
        }
        return jdbc.read("read due schedules", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT namespace_id, schedule_id, next_wakeup FROM schedules "
                    + "WHERE bucket = ANY(?) AND next_wakeup <= ? ORDER BY next_wakeup LIMIT ?")) {
                ps.setArray(1, c.createArrayOf("integer", buckets.toArray()));
                ps.setObject(2, ts(upTo));
                ps.setInt(3, limit);
                return dues(ps);
            }
        });
    }

    @Override
    public List<Due> watching(Collection<Integer> buckets) {
        if (buckets.isEmpty()) {
            return List.of();
        }
        return jdbc.read("read watching schedules", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT namespace_id, schedule_id, next_wakeup FROM schedules "
                    + "WHERE bucket = ANY(?) AND watching")) {
                ps.setArray(1, c.createArrayOf("integer", buckets.toArray()));
                return dues(ps);
            }
        });
    }

    private static List<Due> dues(PreparedStatement ps) throws SQLException {
        List<Due> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Timestamp t = rs.getTimestamp(3);
                out.add(new Due(new NamespaceId(rs.getObject(1, UUID.class)), rs.getString(2),
                        t == null ? null : t.toInstant()));
            }
        }
        return out;
    }

    private static ScheduleRow row(ResultSet rs) throws SQLException {
        Timestamp wake = rs.getTimestamp(7);
        ScheduleRecord record;
        try {
            record = ScheduleRecord.parseFrom(rs.getBytes(9));
        } catch (InvalidProtocolBufferException e) {
            throw new PersistenceException("schedule " + rs.getString(2) + ": unreadable data", null, e);
        }
        return new ScheduleRow(new NamespaceId(rs.getObject(1, UUID.class)), rs.getString(2),
                rs.getObject(3, UUID.class), rs.getInt(4), rs.getLong(5), rs.getString(6),
                wake == null ? null : wake.toInstant(), rs.getBoolean(8), record);
    }

    static OffsetDateTime ts(Instant t) {
        return t == null ? null : t.atOffset(ZoneOffset.UTC);
    }
}
