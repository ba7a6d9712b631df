package io.kairos.persistence.batch;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.ids.NamespaceId;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.persistence.sql.PersistenceException;
import io.kairos.proto.persistence.v1.BatchOperationRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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

public final class PostgresBatchOperationStore implements BatchOperationStore {
    private static final String COLUMNS = "namespace_id, job_id, bucket, version, state, start_time, close_time, data";

    private final Jdbc jdbc;

    public PostgresBatchOperationStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Optional<BatchRow> get(NamespaceId ns, String jobId) {
        return jdbc.read("get batch operation", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM batch_operations WHERE namespace_id = ? AND job_id = ?")) {
                ps.setObject(1, ns.uuid());
                ps.setString(2, jobId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(row(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void create(BatchRow r) {
        jdbc.read("create batch operation", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO batch_operations (" + COLUMNS
                    + ") VALUES (?, ?, ?, 1, ?, ?, ?, ?)")) {
                ps.setObject(1, r.namespaceId().uuid());
                ps.setString(2, r.jobId());
                ps.setInt(3, r.bucket());
                ps.setShort(4, (short) r.state());
                ps.setObject(5, ts(r.startTime()));
                ps.setObject(6, ts(r.closeTime()), Types.TIMESTAMP_WITH_TIMEZONE);
                ps.setBytes(7, r.record().toByteArray());
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public boolean update(BatchRow r) {
        return jdbc.read("update batch operation", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE batch_operations SET version = version + 1, state = ?, "
                    + "close_time = ?, data = ? WHERE namespace_id = ? AND job_id = ? AND version = ?")) {
                ps.setShort(1, (short) r.state());
                ps.setObject(2, ts(r.closeTime()), Types.TIMESTAMP_WITH_TIMEZONE);
                ps.setBytes(3, r.record().toByteArray());
                ps.setObject(4, r.namespaceId().uuid());
                ps.setString(5, r.jobId());
                ps.setLong(6, r.version());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public long countRunning(NamespaceId ns) {
        return jdbc.read("count running batch operations", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM batch_operations WHERE namespace_id = ? AND state = " + RUNNING)) {
                ps.setObject(1, ns.uuid());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public List<JobKey> running(Collection<Integer> buckets) {
        if (buckets.isEmpty()) {
            return List.of();
        }
        return jdbc.read("read running batch operations", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT namespace_id, job_id FROM batch_operations "
                    + "WHERE bucket = ANY(?) AND state = " + RUNNING + " ORDER BY start_time")) {
                ps.setArray(1, c.createArrayOf("integer", buckets.toArray()));
                List<JobKey> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new JobKey(new NamespaceId(rs.getObject(1, UUID.class)), rs.getString(2)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public Page list(NamespaceId ns, int pageSize, byte[] token) {
        Cursor after = Cursor.decode(token);
        return jdbc.read("list batch operations", c -> {
            String sql = "SELECT " + COLUMNS + " FROM batch_operations WHERE namespace_id = ?"
                    + (after == null ? "" : " AND (start_time, job_id) < (?, ?)")
                    + " ORDER BY start_time DESC, job_id DESC LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setObject(i++, ns.uuid());
                if (after != null) {
                    ps.setObject(i++, ts(after.startTime()));
                    ps.setString(i++, after.jobId());
                }
                ps.setInt(i, pageSize + 1);
                List<BatchRow> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(row(rs));
                    }
                }
                if (out.size() <= pageSize) {
                    return new Page(out, new byte[0]);
                }
                List<BatchRow> page = out.subList(0, pageSize);
                BatchRow last = page.get(pageSize - 1);
                return new Page(List.copyOf(page), new Cursor(last.startTime(), last.jobId()).encode());
            }
        });
    }

    /** A page token: the last row's start time (microseconds, as Postgres keeps them) and job id. */
    private record Cursor(Instant startTime, String jobId) {
        /** Years 1 and 9999. */
        private static final long MIN_MICROS = -62_135_596_800_000_000L;
        private static final long MAX_MICROS = 253_402_300_799_000_000L;

        byte[] encode() {
            byte[] id = jobId.getBytes(StandardCharsets.UTF_8);
            long micros = startTime.getEpochSecond() * 1_000_000L + startTime.getNano() / 1000;
            return ByteBuffer.allocate(8 + id.length).putLong(micros).put(id).array();
        }

        static Cursor decode(byte[] token) {
            if (token == null || token.length == 0) {
                return null;
            }
            if (token.length < 8) {
                throw new InvalidArgumentException("Invalid NextPageToken.");
            }
            ByteBuffer b = ByteBuffer.wrap(token);
            long micros = b.getLong();
            // A token is the client's bytes: only what this store wrote (a job id, a timestamp Postgres can hold).
            if (micros < MIN_MICROS || micros > MAX_MICROS) {
                throw new InvalidArgumentException("Invalid NextPageToken.");
            }
            String id;
            try {
                id = StandardCharsets.UTF_8.newDecoder().decode(b).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new InvalidArgumentException("Invalid NextPageToken.");
            }
            if (id.indexOf('\0') >= 0) {
                throw new InvalidArgumentException("Invalid NextPageToken.");
            }
            return new Cursor(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000),
                    id);
        }
    }

    private static BatchRow row(ResultSet rs) throws SQLException {
        Timestamp close = rs.getTimestamp(7);
        BatchOperationRecord record;
        try {
            record = BatchOperationRecord.parseFrom(rs.getBytes(8));
        } catch (InvalidProtocolBufferException e) {
            throw new PersistenceException("batch operation " + rs.getString(2) + ": unreadable data", null, e);
        }
        return new BatchRow(new NamespaceId(rs.getObject(1, UUID.class)), rs.getString(2), rs.getInt(3), rs.getLong(4),
                rs.getShort(5), rs.getTimestamp(6).toInstant(), close == null ? null : close.toInstant(), record);
    }

    private static OffsetDateTime ts(Instant t) {
        return t == null ? null : t.atOffset(ZoneOffset.UTC);
    }
}
