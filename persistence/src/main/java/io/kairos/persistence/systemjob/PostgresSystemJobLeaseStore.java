package io.kairos.persistence.systemjob;

import io.kairos.persistence.sql.Jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

public final class PostgresSystemJobLeaseStore implements SystemJobLeaseStore {
    private final Jdbc jdbc;

    public PostgresSystemJobLeaseStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public OptionalLong tryAcquire(String job, String owner, Duration ttl) {
        return jdbc.read("acquire system job lease", c -> {
            // One statement: a free, expired or own lease is taken (range_id + 1); a live foreign one returns no row.
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO system_job_leases (job_name, owner, range_id, "
                    + "expires_at) VALUES (?, ?, 1, now() + make_interval(secs => ?)) ON CONFLICT (job_name) DO UPDATE "
                    + "SET owner = EXCLUDED.owner, range_id = system_job_leases.range_id + 1, "
                    + "expires_at = EXCLUDED.expires_at, updated_at = now() "
                    + "WHERE system_job_leases.expires_at < now() OR system_job_leases.owner = EXCLUDED.owner "
                    + "RETURNING range_id")) {
                ps.setString(1, job);
                ps.setString(2, owner);
                ps.setDouble(3, ttl.toMillis() / 1000.0);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
                }
            }
        });
    }

    @Override
    public long forceAcquire(String job, String owner, Duration ttl) {
        return jdbc.read("acquire system job lease", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO system_job_leases (job_name, owner, range_id, "
                    + "expires_at) VALUES (?, ?, 1, now() + make_interval(secs => ?)) ON CONFLICT (job_name) DO UPDATE "
                    + "SET owner = EXCLUDED.owner, range_id = system_job_leases.range_id + 1, "
                    + "expires_at = EXCLUDED.expires_at, updated_at = now() RETURNING range_id")) {
                ps.setString(1, job);
                ps.setString(2, owner);
                ps.setDouble(3, ttl.toMillis() / 1000.0);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public boolean renew(String job, String owner, long rangeId, Duration ttl) {
        return jdbc.read("renew system job lease", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE system_job_leases SET expires_at = now() + "
                    + "make_interval(secs => ?), updated_at = now() WHERE job_name = ? AND owner = ? AND range_id = ? "
                    + "AND expires_at > now()")) {
                ps.setDouble(1, ttl.toMillis() / 1000.0);
                ps.setString(2, job);
                ps.setString(3, owner);
                ps.setLong(4, rangeId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Set<String> renewAll(Map<String, Long> held, String owner, Duration ttl) {
        if (held.isEmpty()) {
            return Set.of();
        }
        String[] jobs = held.keySet().toArray(String[]::new);
        Long[] ranges = Arrays.stream(jobs).map(held::get).toArray(Long[]::new);
        return jdbc.read("renew system job leases", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE system_job_leases l SET expires_at = now() + "
                    + "make_interval(secs => ?), updated_at = now() FROM unnest(?::text[], ?::int8[]) AS h(job, range_id) "
                    + "WHERE l.job_name = h.job AND l.owner = ? AND l.range_id = h.range_id AND l.expires_at > now() "
                    + "RETURNING l.job_name")) {
                ps.setDouble(1, ttl.toMillis() / 1000.0);
                ps.setArray(2, c.createArrayOf("text", jobs));
                ps.setArray(3, c.createArrayOf("int8", ranges));
                ps.setString(4, owner);
                Set<String> renewed = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        renewed.add(rs.getString(1));
                    }
                }
                return renewed;
            }
        });
    }

    @Override
    public void release(String job, String owner, long rangeId) {
        jdbc.read("release system job lease", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE system_job_leases SET expires_at = now(), "
                    + "updated_at = now() WHERE job_name = ? AND owner = ? AND range_id = ?")) {
                ps.setString(1, job);
                ps.setString(2, owner);
                ps.setLong(3, rangeId);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<Lease> all() {
        return jdbc.read("read system job leases", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT job_name, owner, range_id, expires_at FROM system_job_leases ORDER BY job_name");
                 ResultSet rs = ps.executeQuery()) {
                List<Lease> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Lease(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getTimestamp(4).toInstant()));
                }
                return out;
            }
        });
    }
}
