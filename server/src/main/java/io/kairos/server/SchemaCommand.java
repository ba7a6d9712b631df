package io.kairos.server;

import com.zaxxer.hikari.HikariDataSource;
import io.kairos.common.config.ConfigLoader;
import io.kairos.common.config.DatabaseConfig;
import io.kairos.common.config.ServerConfig;
import io.kairos.persistence.DataSources;
import io.kairos.persistence.schema.SchemaDatabase;
import io.kairos.persistence.schema.SchemaManager;
import io.kairos.server.cli.Flags;
import io.kairos.server.cli.UsageException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** temporal-server schema migrate|validate --config FILE. */
final class SchemaCommand {
    private SchemaCommand() {
    }

    static Flags flags() {
        return Logging.withLogFlags(new Flags("schema migrate|validate", "migrate: applies pending migrations to both databases "
                + "(safe to run concurrently and repeatedly).\nvalidate: exits 1 unless both schemas match this release.")
                .value("config", "FILE", "YAML config file naming the databases.", null), "warn");
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        Flags f = flags().parse(args);
        if (f.printedHelp(out)) {
            return 0;
        }
        if (f.positionals().size() != 1) {
            throw new UsageException("expected exactly one action: migrate or validate");
        }
        String action = f.positionals().get(0);
        if (!action.equals("migrate") && !action.equals("validate")) {
            throw new UsageException("unknown schema action '" + action + "' (expected migrate or validate)");
        }
        if (f.get("config") == null) {
            throw new UsageException("--config is required");
        }
        Logging.configure(f);
        ServerConfig config = ConfigLoader.load(Path.of(f.get("config")));
        apply(action, SchemaDatabase.TEMPORAL, config.temporalDb(), out);
        apply(action, SchemaDatabase.VISIBILITY, config.visibilityDb(), out);
        return 0;
    }

    private static void apply(String action, SchemaDatabase db, DatabaseConfig dbConfig, PrintStream out) {
        try (HikariDataSource ds = DataSources.create("schema-" + db.defaultName(), dbConfig)) {
            SchemaManager m = new SchemaManager(db, ds);
            if (action.equals("migrate")) {
                int applied = m.migrate();
                out.println(db.defaultName() + ": applied " + applied + " migration(s); " + m.status());
            } else {
                m.validate();
                out.println(db.defaultName() + ": valid; " + m.status());
            }
        }
    }
}
