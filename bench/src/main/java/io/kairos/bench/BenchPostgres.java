package io.kairos.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The Postgres of the split topology (bench/run.sh TOPOLOGY=split): an embedded Postgres (the dev server's binaries
 * and settings: fsync and synchronous_commit on, which zonky turns off by default) on a data directory on disk,
 * listening on 127.0.0.1 only, with empty databases temporal and temporal_visibility, user postgres without
 * password. Prints {@code BenchPostgres ready on 127.0.0.1:PORT ...} once it accepts connections and runs until
 * SIGTERM, which stops Postgres (pg_ctl stop -m fast) and deletes the data directory.
 *
 * <pre>java -cp kairos-bench.jar io.kairos.bench.BenchPostgres DATA_DIR [PORT]   (PORT 0 or absent: a free one)</pre>
 */
public final class BenchPostgres {
    private BenchPostgres() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java -cp kairos-bench.jar io.kairos.bench.BenchPostgres DATA_DIR [PORT]");
            System.exit(2);
        }
        Path data = Path.of(args[0]).toAbsolutePath();
        int port = args.length == 2 ? Integer.parseInt(args[1]) : 0;
        Files.createDirectories(data.getParent());
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(true)
                .setRegisterShutdownHook(false)
                // as the dev server's embedded Postgres (DevPostgres): acknowledged work must survive a crash
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("fsync", "on")
                // four server processes, each with its pools for temporal and temporal_visibility
                .setServerConfig("max_connections", "300")
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setPGStartupWait(Duration.ofSeconds(60));
        if (port > 0) {
            b.setPort(port);
        }
        EmbeddedPostgres pg = b.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                System.out.println("BenchPostgres stopping");
                pg.close();
                System.out.println("BenchPostgres stopped");
            } catch (Exception e) {
                System.out.println("BenchPostgres: stopping Postgres failed: " + e);
            } finally {
                stopped.countDown();
            }
        }, "bench-postgres-stop"));
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE temporal");
            st.execute("CREATE DATABASE temporal_visibility");
        }
        System.out.printf("BenchPostgres ready on 127.0.0.1:%d, data %s%n", pg.getPort(), data);
        System.out.flush();
        stopped.await(); // until SIGTERM runs the hook
    }
}
