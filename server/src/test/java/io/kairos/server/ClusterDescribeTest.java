package io.kairos.server;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.config.DatabaseConfig;
import io.kairos.common.config.ServiceRole;
import io.kairos.common.ids.NamespaceId;
import io.kairos.common.ids.ShardId;
import io.kairos.persistence.DataSources;
import io.kairos.persistence.cluster.PostgresClusterMetadataStore;
import io.kairos.persistence.matching.BacklogTask;
import io.kairos.persistence.matching.PostgresTaskQueueStore;
import io.kairos.persistence.matching.TaskQueueKey;
import io.kairos.persistence.matching.TaskQueueLease;
import io.kairos.persistence.membership.MembershipStore.Registration;
import io.kairos.persistence.membership.PostgresMembershipStore;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.schema.SchemaManager;
import io.kairos.persistence.shard.PostgresShardStore;
import io.kairos.persistence.sql.Jdbc;
import io.kairos.proto.persistence.v1.BacklogTaskInfo;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.enums.v1.TaskQueueType;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cluster describe against an embedded Postgres: schema check, then rows written through the stores. */
class ClusterDescribeTest {
    private static EmbeddedPostgres postgres;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        postgres.close();
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path config(String database) throws Exception {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + database);
        }
        Path file = dir.resolve(database + ".yaml");
        Files.writeString(file, """
                persistence:
                  default:
                    url: %s
                    user: postgres
                cluster:
                  historyShardCount: 4
                """.formatted(postgres.getJdbcUrl("postgres", database)));
        return file;
    }

    private static HikariDataSource pool(String database) {
        return DataSources.create("test", new DatabaseConfig(postgres.getJdbcUrl("postgres", database), "postgres",
                null, 2));
    }

    @Test
    void refusesAnUnmigratedDatabaseWithTheStartCommandsErrorAndDoesNotMigrate() throws Exception {
        Path cfg = config("describe_empty");
        Result r = run("cluster", "describe", "--config", cfg.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("error: temporal: schema version none, this build ships "), r.err());
        assertTrue(r.err().contains(". Run 'temporal-server schema migrate --config FILE' or set "
                + "persistence.autoMigrate: true"), r.err());
        assertEquals("", r.out());
        try (HikariDataSource ds = pool("describe_empty")) {
            assertEquals(null, new SchemaManager(SchemaDatabase.TEMPORAL, ds).status().current());
        }
    }

    @Test
    void describesMembersShardsAndQueues() throws Exception {
        Path cfg = config("describe_live");
        NamespaceId ns = NamespaceId.random();
        try (HikariDataSource ds = pool("describe_live")) {
            new SchemaManager(SchemaDatabase.TEMPORAL, ds).migrate();
            Jdbc jdbc = new Jdbc(ds);
            new PostgresClusterMetadataStore(jdbc).getOrCreate("active", 4);
            new PostgresMembershipStore(jdbc).heartbeat(UUID.randomUUID(), "host-a:4242", List.of(
                    new Registration(UUID.randomUUID(), ServiceRole.HISTORY, "127.0.0.1:7234"),
                    new Registration(UUID.randomUUID(), ServiceRole.MATCHING, "127.0.0.1:7235")),
                    Duration.ofMinutes(5), false);
            PostgresShardStore shards = new PostgresShardStore(jdbc);
            shards.acquireAll(List.of(new ShardId(1), new ShardId(2), new ShardId(4)), "127.0.0.1:7234");
            shards.acquire(new ShardId(3), "10.9.9.9:7234");
            TaskQueueLease lease = new PostgresTaskQueueStore(jdbc, Clock.systemUTC(), "127.0.0.1:7235")
                    .acquire(new TaskQueueKey(ns, "orders", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
                            TaskQueueKind.TASK_QUEUE_KIND_NORMAL);
            new PostgresTaskQueueStore(jdbc, Clock.systemUTC(), "127.0.0.1:7235").createTasks(lease, List.of(
                    new BacklogTask(lease.firstTaskId(), BacklogTaskInfo.newBuilder().setScheduledEventId(2).build(),
                            null)));
        }

        Result text = run("cluster", "describe", "--config", cfg.toString());
        assertEquals(0, text.code(), text.err());
        String out = text.out();
        assertTrue(out.startsWith("Cluster active: 4 history shards, id "), out);
        assertTrue(out.contains("Members: 2 live, 0 expired\n"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("history   127.0.0.1:7234  host-a:4242  ")
                && l.endsWith("live")), out);
        assertTrue(out.contains("""
                Shards: 4 of 4 acquired, 1 with a stale owner
                  10.9.9.9:7234   owns 1 shard: 3  [stale owner: shard moves when a live host acquires it]
                  127.0.0.1:7234  owns 3 shards: 1-2,4
                """), out);
        assertTrue(out.lines().anyMatch(l -> l.matches(ns + "  orders  workflow  normal  127.0.0.1:7235  1")), out);

        Result json = run("cluster", "describe", "--config", cfg.toString(), "--output", "json", "--queues", "1");
        assertEquals(0, json.code(), json.err());
        assertTrue(json.out().contains("\"staleOwnerShardIds\": [3],"), json.out());
        assertTrue(json.out().contains("\"limitReached\": true,"), json.out());
        assertTrue(json.out().contains("\"backlog\": 1,"), json.out());
        assertFalse(json.out().contains("Cluster active"), json.out());
    }

    @Test
    void usageErrorsAndHelp() {
        assertEquals(2, run("cluster").code());
        Result help = run("cluster", "--help");
        assertEquals(0, help.code());
        assertEquals(ClusterCommand.USAGE, help.out());
        Result describeHelp = run("cluster", "describe", "--help");
        assertEquals(0, describeHelp.code());
        assertTrue(describeHelp.out().startsWith("Usage: temporal-server cluster describe [flags]"), describeHelp.out());
        Result unknown = run("cluster", "shards");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("Run 'temporal-server cluster --help' for usage."), unknown.err());
        Result noConfig = run("cluster", "describe");
        assertEquals(2, noConfig.code());
        assertTrue(noConfig.err().startsWith("error: --config is required\n"
                + "Run 'temporal-server cluster describe --help' for usage."), noConfig.err());
        assertEquals(2, run("cluster", "describe", "--config", "x.yaml", "--output", "xml").code());
        assertEquals(2, run("cluster", "describe", "--config", "x.yaml", "--queues", "0").code());
        assertEquals(1, run("cluster", "describe", "--config", dir.resolve("missing.yaml").toString()).code());
        assertTrue(run("--help").out().contains("  cluster  Describe a running cluster"));
    }
}
