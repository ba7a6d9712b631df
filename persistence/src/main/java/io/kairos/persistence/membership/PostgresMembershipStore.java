package io.kairos.persistence.membership;

import io.kairos.common.config.ServiceRole;
import io.kairos.persistence.sql.Jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

public final class PostgresMembershipStore implements MembershipStore {
    private static final String COLUMNS =
            "host_id, process_id, role, rpc_address, rpc_port, identity, session_start, last_heartbeat, record_expiry";

    private final Jdbc jdbc;

    public PostgresMembershipStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public List<MemberRecord> heartbeat(UUID processId, String identity, List<Registration> services, Duration ttl,
                                        boolean evictOthers) {
        return jdbc.inTransaction("membership heartbeat", c -> {
            // A heartbeat stuck behind a lock must not outlive the ttl: the process would keep believing it is live.
            try (java.sql.Statement st = c.createStatement()) {
                st.execute("SET LOCAL statement_timeout = " + Math.max(1, ttl.toMillis()));
            }
            if (evictOthers) {
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM cluster_membership WHERE process_id IS DISTINCT FROM ?")) {
                    ps.setObject(1, processId);
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_membership (" + COLUMNS + ") "
                    + "VALUES (?, ?, ?, ?, ?, ?, now(), now(), now() + make_interval(secs => ?)) "
                    + "ON CONFLICT (host_id) DO UPDATE SET last_heartbeat = now(), "
                    + "record_expiry = EXCLUDED.record_expiry")) {
                for (Registration r : services) {
                    int i = 1;
                    ps.setObject(i++, r.hostId());
                    ps.setObject(i++, processId);
                    ps.setShort(i++, (short) r.role().code());
                    ps.setString(i++, r.address());
                    ps.setInt(i++, MemberRecord.portOf(r.address()));
                    ps.setString(i++, identity);
                    ps.setDouble(i, ttl.toMillis() / 1000.0);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM cluster_membership "
                    + "WHERE record_expiry > now() ORDER BY role, rpc_address, host_id")) {
                return rows(ps);
            }
        });
    }

    @Override
    public int evictPredecessors(UUID processId, List<Registration> services) {
        return jdbc.inTransaction("evict membership predecessors", c -> {
            int n = 0;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM cluster_membership WHERE role = ? "
                    + "AND rpc_address = ? AND process_id IS DISTINCT FROM ?")) {
                for (Registration r : services) {
                    ps.setShort(1, (short) r.role().code());
                    ps.setString(2, r.address());
                    ps.setObject(3, processId);
                    n += ps.executeUpdate();
                }
            }
            return n;
        });
    }

    @Override
    public void leave(UUID processId) {
        jdbc.read("membership leave", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM cluster_membership WHERE process_id = ?")) {
                ps.setObject(1, processId);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<MemberRecord> all() {
        return jdbc.read("read membership", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM cluster_membership "
                    + "ORDER BY role, rpc_address, host_id")) {
                return rows(ps);
            }
        });
    }

    @Override
    public int deleteExpired(Duration olderThan) {
        return jdbc.read("delete expired members", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM cluster_membership "
                    + "WHERE record_expiry < now() - make_interval(secs => ?)")) {
                ps.setDouble(1, olderThan.toMillis() / 1000.0);
                return ps.executeUpdate();
            }
        });
    }

    private static List<MemberRecord> rows(PreparedStatement ps) throws SQLException {
        List<MemberRecord> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ServiceRole role = role(rs.getShort(3));
                if (role == null) {
                    continue; // a role a newer release added
                }
                out.add(new MemberRecord(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), role,
                        rs.getString(4), rs.getString(6), rs.getTimestamp(7).toInstant(),
                        rs.getTimestamp(8).toInstant(), rs.getTimestamp(9).toInstant()));
            }
        }
        return out;
    }

    private static ServiceRole role(int code) {
        for (ServiceRole r : ServiceRole.values()) {
            if (r.code() == code) {
                return r;
            }
        }
        return null;
    }
}
