package io.kairos.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The median and the min-max spread of each figure over several runs of bench/run.sh (RUNS=n, one directory per
 * run): on a shared two-core box one run's figures move by tens of per cent, so a single run says little.
 */
final class RunsSummary {
    private static final String ROW = "  %-13s %-13s %-5s %4s %22s %22s %18s %18s %18s%n";
    private static final String RATIO = "  %-13s %-13s %-5s %4s %22s %22s%n";

    /** A server's results file in each run directory, and its label. */
    private record Server(String label, String file) {
    }

    private static final List<Server> SERVERS = List.of(new Server("Kairos", "kairos.properties"),
            new Server("Kairos split", "kairos-split.properties"), new Server("test server", "testserver.properties"));

    private RunsSummary() {
    }

    static void print(List<Path> runDirs, PrintStream out) throws IOException {
        List<List<Properties>> byServer = new ArrayList<>(); // [server][run]
        for (Server s : SERVERS) {
            List<Properties> runs = new ArrayList<>();
            for (Path dir : runDirs) {
                runs.add(Report.read(dir.resolve(s.file())));
            }
            byServer.add(runs);
        }
        Set<String> variants = new LinkedHashSet<>();
        byServer.forEach(runs -> runs.forEach(p -> Arrays.stream(p.getProperty("variants", "").split(","))
                .filter(v -> !v.isBlank()).forEach(variants::add)));
        out.println();
        out.printf("================ Summary of %d runs: median (min-max) ================%n", runDirs.size());
        out.printf(ROW, "variant", "server", "phase", "runs", "wf/s", "p99 ms", "server CPU ms/wf",
                "driver CPU ms/wf", "1st result s");
        for (String v : variants) {
            String name = v;
            for (String phase : List.of("cold", "closed", "fixed")) {
                for (int s = 0; s < SERVERS.size(); s++) {
                    List<PhaseResult> rs = phases(byServer.get(s), v, phase);
                    if (rs.isEmpty()) {
                        continue;
                    }
                    List<Double> first = byServer.get(s).stream()
                            .map(p -> PhaseResult.d(p, v + "." + phase + ".serverStartToFirstResultMs") / 1000).toList();
                    out.printf(ROW, name, SERVERS.get(s).label(), phase.equals("closed") ? "warm" : phase,
                            rs.size(), spread(rs, PhaseResult::throughput, 1), spread(rs, PhaseResult::p99, 0),
                            spread(rs, PhaseResult::cpuMsPerWf, 1), spread(rs, PhaseResult::driverCpuMsPerWf, 1),
                            phase.equals("cold") ? spread(first, 1) : "");
                    name = "";
                }
            }
        }
        out.println();
        out.println("Kairos / test server of the same run (1st result: from the server's process start to the first "
                + "workflow's result): median (min-max)");
        out.printf(RATIO, "variant", "server", "phase", "runs", "wf/s ratio", "p99 ratio");
        for (String v : variants) {
            String name = v;
            for (String phase : List.of("cold", "closed")) {
                for (int s = 0; s < SERVERS.size() - 1; s++) {
                    List<Double> tput = new ArrayList<>();
                    List<Double> p99 = new ArrayList<>();
                    for (int run = 0; run < runDirs.size(); run++) {
                        PhaseResult k = ok(PhaseResult.load(byServer.get(s).get(run), v, phase));
                        PhaseResult t = ok(PhaseResult.load(byServer.getLast().get(run), v, phase));
                        if (k != null && t != null) {
                            tput.add(k.throughput() / t.throughput());
                            p99.add(k.p99() / t.p99());
                        }
                    }
                    if (!tput.isEmpty()) {
                        out.printf(RATIO, name, SERVERS.get(s).label(), phase.equals("closed") ? "warm" : phase,
                                tput.size(), spread(tput, 2) + "x", spread(p99, 2) + "x");
                        name = "";
                    }
                }
            }
        }
        out.println();
        out.println("Targets met per run (as in each run's report):");
        PrintStream devNull = new PrintStream(OutputStream.nullOutputStream());
        for (int run = 0; run < runDirs.size(); run++) {
            Properties k = byServer.get(0).get(run);
            Properties split = byServer.get(1).get(run);
            Report r = new Report(byServer.get(2).get(run), k, split.isEmpty() ? null : split, devNull);
            r.print();
            List<String> verdicts = r.verdicts();
            out.printf("  %s: %d of %d%n", runDirs.get(run), verdicts.stream().filter("PASS"::equals).count(),
                    verdicts.size());
        }
    }

    private static List<PhaseResult> phases(List<Properties> runs, String v, String phase) {
        List<PhaseResult> rs = new ArrayList<>();
        for (Properties p : runs) {
            PhaseResult r = ok(PhaseResult.load(p, v, phase));
            if (r != null) {
                rs.add(r);
            }
        }
        return rs;
    }

    private static PhaseResult ok(PhaseResult r) {
        return r != null && r.ok() ? r : null;
    }

    private static String spread(List<PhaseResult> rs, ToDoubleFunction<PhaseResult> f, int decimals) {
        return spread(rs.stream().map(f::applyAsDouble).toList(), decimals);
    }

    /** "median (min-max)" of the figures that are numbers; "-" when none is. */
    static String spread(List<Double> xs, int decimals) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (a.length == 0) {
            return "-";
        }
        double median = a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
        return a.length == 1 ? Report.fmt(median, decimals)
                : Report.fmt(median, decimals) + " (" + Report.fmt(a[0], decimals) + "-"
                + Report.fmt(a[a.length - 1], decimals) + ")";
    }
}
