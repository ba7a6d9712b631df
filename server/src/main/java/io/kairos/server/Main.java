package io.kairos.server;

import io.kairos.common.config.ConfigException;
import io.kairos.persistence.schema.SchemaException;
import io.kairos.server.cli.CannotRunException;
import io.kairos.server.cli.UsageException;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** temporal-server: dev | start | schema | cluster. */
public final class Main {
    static final String USAGE = """
            Usage: temporal-server <command> [flags]

            Kairos, a Temporal-compatible workflow server on PostgreSQL.

            Commands:
              dev      Run all services in one process on an embedded Postgres (for development).
              start    Run some or all services against an external Postgres (production).
              schema   Migrate or validate the database schema (what the Helm chart's schema job runs).
              cluster  Describe a running cluster: members, shard owners, task queue owners.

            Run 'temporal-server <command> --help' for a command's flags.
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    /** Returns the exit code: 0 ok, 1 failure, 2 usage error. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h") || args.get(0).equals("help")) {
            (args.isEmpty() ? err : out).print(USAGE);
            return args.isEmpty() ? 2 : 0;
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        try {
            return switch (command) {
                case "dev" -> DevCommand.run(rest, out);
                case "start" -> StartCommand.run(rest, out);
                case "schema" -> SchemaCommand.run(rest, out);
                case "cluster" -> ClusterCommand.run(rest, out);
                default -> throw new UsageException("unknown command '" + command + "'");
            };
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("Run 'temporal-server " + helpTarget(command, rest) + "--help' for usage.");
            return 2;
        } catch (ConfigException | SchemaException | CannotRunException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("error: " + e.getMessage());
            Logging.logFatal(e);
            return 1;
        }
    }

    /** "cluster describe " for errors of that subcommand, else the command, else nothing. */
    private static String helpTarget(String command, List<String> rest) {
        if (command.equals("cluster") && !rest.isEmpty() && rest.get(0).equals("describe")) {
            return "cluster describe ";
        }
        return isCommand(command) ? command + " " : "";
    }

    private static boolean isCommand(String c) {
        return c.equals("dev") || c.equals("start") || c.equals("schema") || c.equals("cluster");
    }
}
