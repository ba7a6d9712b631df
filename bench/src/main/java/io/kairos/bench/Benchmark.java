package io.kairos.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Entry point. {@code run} drives one server and writes its results (warm phases, or with {@code --cold true} the
 * cold phase); {@code report} prints the comparison of a test-server run and a Kairos run (and, optionally, a run of
 * Kairos split over several processes); {@code summary} the median and spread of several such runs. bench/run.sh
 * starts the servers (and, for the split topology, {@link BenchPostgres}) and calls them.
 */
public final class Benchmark {
    private static final String USAGE = """
            usage:
              java -jar kairos-bench.jar run --name NAME --target HOST:PORT --out FILE
                  [--server-pid PID[,PID...]] [--pg-data DIR] [--clk-tck 100] [--topology TEXT]
                  [--variants %s] [--n 2000] [--concurrency 100] [--warmup W]
                  [--duration 20] [--rate R | --rate-from TEST_SERVER_RESULTS]
                  [--phase-timeout 300] [--stats-settle 11] [--pollers P] [--cold true]
              java -jar kairos-bench.jar report TEST_SERVER_RESULTS KAIROS_RESULTS [KAIROS_SPLIT_RESULTS]
              java -jar kairos-bench.jar summary RUN_DIR...   (median and spread over runs of bench/run.sh)
              java -jar kairos-bench.jar overhead KAIROS_RESULTS KAIROS_NO_METRICS_RESULTS
              java -cp kairos-bench.jar io.kairos.bench.BenchPostgres DATA_DIR [PORT]
            """.formatted(Variant.ids());

    private Benchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.print(USAGE);
            System.exit(2);
        }
        switch (args[0]) {
            case "run" -> new Driver(config(options(Arrays.copyOfRange(args, 1, args.length)))).run();
            case "report" -> {
                if (args.length != 3 && args.length != 4) {
                    System.err.print(USAGE);
                    System.exit(2);
                }
                new Report(Report.read(Path.of(args[1])), Report.read(Path.of(args[2])),
                        args.length == 4 ? Report.read(Path.of(args[3])) : null, System.out).print();
            }
            case "summary" -> {
                if (args.length < 2) {
                    System.err.print(USAGE);
                    System.exit(2);
                }
                RunsSummary.print(Arrays.stream(args, 1, args.length).map(Path::of).toList(), System.out);
            }
            case "overhead" -> {
                if (args.length != 3) {
                    System.err.print(USAGE);
                    System.exit(2);
                }
                OverheadReport.print(Report.read(Path.of(args[1])), Report.read(Path.of(args[2])), System.out);
            }
            default -> {
                System.err.print(USAGE);
                System.exit(2);
            }
        }
        System.exit(0); // SDK and gRPC threads may linger
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value at '" + args[i] + "'\n" + USAGE);
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        return o;
    }

    private static Driver.Config config(Map<String, String> o) throws Exception {
        for (String required : List.of("name", "target", "out")) {
            if (!o.containsKey(required)) {
                throw new IllegalArgumentException("--" + required + " is required\n" + USAGE);
            }
        }
        int n = Integer.parseInt(o.getOrDefault("n", "2000"));
        List<Variant> variants = Arrays.stream(o.getOrDefault("variants", Variant.ids()).split(","))
                .filter(s -> !s.isBlank()).map(Variant::byId).toList();
        Properties rateFrom = o.containsKey("rate-from") ? Report.read(Path.of(o.get("rate-from"))) : null;
        return new Driver.Config(o.get("name"), o.get("target"),
                Arrays.stream(o.getOrDefault("server-pid", "").split(",")).map(String::trim)
                        .filter(s -> !s.isEmpty()).map(Long::valueOf).filter(pid -> pid > 0).toList(),
                o.getOrDefault("topology", ""),
                o.containsKey("pg-data") ? Path.of(o.get("pg-data")) : null,
                Integer.parseInt(o.getOrDefault("clk-tck", "100")),
                variants, n, Integer.parseInt(o.getOrDefault("concurrency", "100")),
                Integer.parseInt(o.getOrDefault("warmup", Integer.toString(Math.min(1000, Math.max(20, n / 2))))),
                Duration.ofSeconds(Long.parseLong(o.getOrDefault("duration", "20"))),
                o.containsKey("rate") ? Double.valueOf(o.get("rate")) : null, rateFrom,
                Duration.ofSeconds(Long.parseLong(o.getOrDefault("phase-timeout", "300"))),
                Long.parseLong(o.getOrDefault("stats-settle", "11")) * 1000,
                Integer.parseInt(o.getOrDefault("pollers", "0")),
                Path.of(o.get("out")), Boolean.parseBoolean(o.getOrDefault("cold", "false")));
    }
}
