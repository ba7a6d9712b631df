package io.kairos.server.dev;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The embedded Postgres of dev mode, with its data in a directory that survives restarts. A dev server killed
 * with kill -9 leaves its Postgres running (or a stale pid file); the next start on the same directory takes the
 * directory lock, stops such an orphan, and starts Postgres again on the same data.
 */
public final class DevPostgres implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DevPostgres.class);
    static final String LOCK_FILE = "kairos-dev.lock";
    static final String PG_DATA = "pgdata";
    private static final Duration ORPHAN_STOP_TIMEOUT = Duration.ofSeconds(20);

    private final FileChannel lockChannel;
    private final FileLock lock;
    private final EmbeddedPostgres postgres;

    private DevPostgres(FileChannel lockChannel, FileLock lock, EmbeddedPostgres postgres) {
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.postgres = postgres;
    }

    /**
     * @param dir       holds the lock file and the Postgres data directory
     * @param ephemeral wipe the data when the server stops
     */
    public static DevPostgres start(Path dir, boolean ephemeral) throws IOException {
        Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.tryLock();
        if (lock == null) {
            ch.close();
            throw new IllegalStateException("another dev server is running on " + dir.toAbsolutePath()
                    + "; stop it or pass a different --db-dir");
        }
        try {
            Path data = dir.resolve(PG_DATA);
            stopOrphan(data);
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(ephemeral)
                    .setRegisterShutdownHook(false)
                    // zonky turns synchronous_commit off; acknowledged work must survive a crash.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("max_connections", "200")
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            DevPostgres dev = new DevPostgres(ch, lock, pg);
            dev.createDatabases(List.of("temporal", "temporal_visibility"));
            return dev;
        } catch (IOException | RuntimeException e) {
            lock.release();
            ch.close();
            throw e;
        }
    }

    /** Stops a Postgres left behind by a dev server that died without shutting it down. */
    static void stopOrphan(Path dataDir) throws IOException {
        Optional<ProcessHandle> orphan = PostmasterPid.read(dataDir).flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive)
                .filter(DevPostgres::looksLikePostgres);
        if (orphan.isEmpty()) {
            return;
        }
        ProcessHandle pm = orphan.get();
        log.info("component=dev msg=\"stopping Postgres left running by a previous dev server\" pid={}", pm.pid());
        List<ProcessHandle> children = pm.descendants().toList();
        pm.destroy(); // SIGTERM: smart shutdown; the dead server's connections are already gone
        long deadline = System.nanoTime() + ORPHAN_STOP_TIMEOUT.toNanos();
        while (pm.isAlive() && System.nanoTime() < deadline) {
            sleep(50);
        }
        if (pm.isAlive()) {
            log.warn("component=dev msg=\"orphaned Postgres did not stop, killing it\" pid={}", pm.pid());
            pm.destroyForcibly();
        }
        for (ProcessHandle c : children) {
            while (c.isAlive() && System.nanoTime() < deadline + ORPHAN_STOP_TIMEOUT.toNanos()) {
                sleep(50);
            }
        }
    }

    private static boolean looksLikePostgres(ProcessHandle p) {
        return p.info().command().map(c -> c.endsWith("postgres") || c.contains("/bin/postgres")).orElse(true);
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping an orphaned Postgres", e);
        }
    }

    private void createDatabases(List<String> names) throws IOException {
        try (Connection c = postgres.getPostgresDatabase().getConnection()) {
            for (String name : names) {
                boolean exists;
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                    ps.setString(1, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        exists = rs.next();
                    }
                }
                if (!exists) {
                    try (Statement st = c.createStatement()) {
                        st.execute("CREATE DATABASE " + name);
                    }
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IOException("cannot create the dev databases: " + e.getMessage(), e);
        }
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database;
    }

    public String user() {
        return "postgres";
    }

    @Override
    public void close() throws IOException {
        try {
            postgres.close();
        } finally {
            lock.release();
            lockChannel.close();
        }
    }
}
