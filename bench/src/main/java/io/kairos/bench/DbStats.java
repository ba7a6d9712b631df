package io.kairos.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Commit counters of the dev server's embedded Postgres, found through DIR/pgdata/postmaster.pid (4th line: port).
 * Each read uses a fresh connection to the `postgres` database, so the read neither sees cached statistics nor
 * counts as a commit in `temporal`/`temporal_visibility`.
 * <ul>
 *   <li>commits: sum(xact_commit) of both databases. Backends flush these counters at most once a second and, when
 *   they go idle, within 10 s (PGSTAT_IDLE_INTERVAL), so callers wait `settle` before reading.</li>
 *   <li>writes: transactions that were assigned an xid (the only ones that write and fsync WAL), from the next xid,
 *   which is exact and immediate, but cluster-wide.</li>
 * </ul>
 * The server also commits while idle (its queue pollers); {@link Background} measures that rate so the phases can
 * subtract it for the time between their two reads.
 */
final class DbStats {
    record Snapshot(long commits, long nextXid, long atNanos) {
    }

    private final Path pgData;

    DbStats(Path pgData) {
        this.pgData = pgData;
    }

    Snapshot read() throws IOException, SQLException {
        try (Connection c = connect();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT (SELECT sum(xact_commit) FROM pg_stat_database "
                     + "WHERE datname IN ('temporal', 'temporal_visibility')), "
                     + "pg_snapshot_xmax(pg_current_snapshot())::text::bigint")) {
            rs.next();
            return new Snapshot(rs.getLong(1), rs.getLong(2), System.nanoTime());
        }
    }

    /** The settings that make commits durable, e.g. "fsync=on, synchronous_commit=on". */
    String durability() throws IOException, SQLException {
        try (Connection c = connect();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('fsync'), current_setting('synchronous_commit'), "
                     + "current_setting('wal_sync_method')")) {
            rs.next();
            return "fsync=" + rs.getString(1) + ", synchronous_commit=" + rs.getString(2) + ", wal_sync_method="
                    + rs.getString(3);
        }
    }

    private Connection connect() throws IOException, SQLException {
        List<String> lines = Files.readAllLines(pgData.resolve("postmaster.pid"));
        if (lines.size() < 4) {
            throw new IOException("unexpected " + pgData.resolve("postmaster.pid") + ": " + lines);
        }
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + lines.get(3).trim() + "/postgres",
                "postgres", "");
    }

    /** Commits and writes per second of the server when no workflow runs. */
    record Background(double commitsPerSecond, double writesPerSecond) {
        static Background between(Snapshot a, Snapshot b) {
            double s = (b.atNanos() - a.atNanos()) / 1e9;
            return new Background((b.commits() - a.commits()) / s, (b.nextXid() - a.nextXid()) / s);
        }

        double commits(Snapshot a, Snapshot b) {
            return b.commits() - a.commits() - commitsPerSecond * (b.atNanos() - a.atNanos()) / 1e9;
        }

        double writes(Snapshot a, Snapshot b) {
            return b.nextXid() - a.nextXid() - writesPerSecond * (b.atNanos() - a.atNanos()) / 1e9;
        }
    }

    static void settle(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
