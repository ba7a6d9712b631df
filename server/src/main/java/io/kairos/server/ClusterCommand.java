package io.kairos.server;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.config.ConfigLoader;
import io.kairos.common.config.DatabaseConfig;
import io.kairos.common.config.ServerConfig;
import io.kairos.persistence.DataSources;
import io.kairos.persistence.cluster.ClusterMetadata;
import io.kairos.persistence.cluster.PostgresClusterMetadataStore;
import io.kairos.persistence.matching.PostgresTaskQueueStore;
import io.kairos.persistence.membership.PostgresMembershipStore;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.schema.SchemaManager;
import io.kairos.persistence.shard.PostgresShardStore;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.server.cli.Flags;
import io.kairos.server.cli.UsageException;
import io.kairos.server.cluster.ClusterJson;
import io.kairos.server.cluster.ClusterReport;
import io.kairos.server.cluster.ClusterSnapshot;

import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/** temporal-server cluster describe --config FILE: members, shard owners and task queue owners, from the database. */
final class ClusterCommand {
    static final String USAGE = """
            Usage: temporal-server cluster <subcommand> [flags]

            Operator views of a cluster, read from its database (no server needs to be reachable).

            Subcommands:
              describe   Members, which history host owns which shard, which matching host owns which task queue.

            Run 'temporal-server cluster describe --help' for its flags.
            """;

    private ClusterCommand() {
    }

    static Flags describeFlags() {
        return Logging.withLogFlags(new Flags("cluster describe", "Shows the cluster's members (live or expired), the history shards "
                + "by owner (flagging owners that are not live)\nand the task queues with their owner and backlog. "
                + "Reads the temporal database of the config file; never migrates it.")
                .value("config", "FILE", "YAML config file naming the database.", null)
                .value("output", "FORMAT", "Output format: text or json.", "text")
                .value("queues", "N", "Show at most N task queues, most recently acquired first.", "200"), "warn");
    }

    static int run(List<String> args, PrintStream out) {
        if (args.isEmpty()) {
            throw new UsageException("expected a subcommand: describe");
        }
        String sub = args.get(0);
        if (sub.equals("--help") || sub.equals("-h") || sub.equals("help")) {
            out.print(USAGE);
            return 0;
        }
        if (!sub.equals("describe")) {
            throw new UsageException("unknown cluster subcommand '" + sub + "' (expected describe)");
        }
        return describe(args.subList(1, args.size()), out);
    }

    private static int describe(List<String> args, PrintStream out) {
        Flags f = describeFlags().parse(args);
        if (f.printedHelp(out)) {
            return 0;
        }
        f.noPositionals();
        if (f.get("config") == null) {
            throw new UsageException("--config is required");
        }
        String output = f.get("output");
        if (!output.equals("text") && !output.equals("json")) {
            throw new UsageException("--output must be text or json, got '" + output + "'");
        }
        int queueLimit = f.getInt("queues", 1, 100_000);
        Logging.configure(f);
        ServerConfig config = ConfigLoader.load(Path.of(f.get("config")));
        ClusterSnapshot snapshot = read(config, queueLimit);
        out.print(output.equals("json") ? ClusterJson.json(snapshot) : ClusterReport.text(snapshot));
        out.flush();
        return 0;
    }

    /** Reads everything the report shows; fails like the start command when the schema is not this build's. */
    static ClusterSnapshot read(ServerConfig config, int queueLimit) {
        DatabaseConfig db = config.temporalDb();
        DatabaseConfig small = new DatabaseConfig(db.url(), db.user(), db.password(), Math.min(2, db.maxConnections()));
        try (HikariDataSource ds = DataSources.create("cluster-describe", small)) {
            // autoMigrate false: only checks, and throws the start command's SchemaException when behind or newer
            new SchemaManager(SchemaDatabase.TEMPORAL, ds).checkOrMigrate(false);
            Jdbc jdbc = new Jdbc(ds);
            Instant now = jdbc.read("read database clock", c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT now()"); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getTimestamp(1).toInstant();
                }
            });
            ClusterMetadata meta = new PostgresClusterMetadataStore(jdbc).get(config.clusterName()).orElse(null);
            return new ClusterSnapshot(config.clusterName(), meta, config.historyShardCount(), now,
                    new PostgresMembershipStore(jdbc).all(), new PostgresShardStore(jdbc).all(),
                    new PostgresTaskQueueStore(jdbc, Clock.systemUTC()).queues(queueLimit), queueLimit);
        }
    }
}
