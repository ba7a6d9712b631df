package io.kairos.server;

import io.kairos.common.config.ConfigLoader;
import io.kairos.common.config.ServerConfig;
import io.kairos.common.config.ServiceRole;
import io.kairos.server.cli.Flags;
import io.kairos.server.cli.UsageException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** temporal-server start: production mode against an external Postgres. */
final class StartCommand {
    private StartCommand() {
    }

    static Flags flags() {
        return Logging.withLogFlags(new Flags("start", "Runs the named services against the Postgres of the config file.\n"
                + "Database credentials may also come from KAIROS_DB_URL/USER/PASSWORD and "
                + "KAIROS_VISIBILITY_DB_URL/USER/PASSWORD.")
                .value("config", "FILE", "YAML config file (see docs/configuration.md).", null)
                .value("services", "LIST", "Comma-separated services to run.", "frontend,history,matching,worker"), "info");
    }

    static int run(List<String> args, PrintStream out) throws Exception {
        Flags f = flags().parse(args);
        if (f.printedHelp(out)) {
            return 0;
        }
        f.noPositionals();
        if (f.get("config") == null) {
            throw new UsageException("--config is required");
        }
        Set<ServiceRole> roles;
        try {
            roles = ServiceRole.parseList(f.get("services"));
        } catch (io.kairos.common.config.ConfigException e) {
            throw new UsageException(e.getMessage());
        }
        Logging.configure(f);
        ServerConfig config = ConfigLoader.load(Path.of(f.get("config")));
        ShutdownSignal signal = new ShutdownSignal();
        try (KairosServer server = KairosServer.start(config, roles, true)) {
            if (!server.awaitReady(120_000)) {
                throw new IllegalStateException("the frontend did not become ready within 120 s");
            }
            out.printf("Kairos started services %s%s%s%n", roles,
                    roles.contains(ServiceRole.FRONTEND) ? ", frontend on port " + server.frontendPort() : "",
                    server.metricsPort() > 0 ? ", metrics on port " + server.metricsPort() : "");
            out.flush();
            signal.await();
        } finally {
            signal.done();
        }
        return 0;
    }
}
