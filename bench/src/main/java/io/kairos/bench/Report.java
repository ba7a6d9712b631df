package io.kairos.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * Tables comparing the Kairos results with the test server's, and the targets with PASS/FAIL. Kairos is the
 * one-process dev server, the split topology (frontend, history, matching and worker in separate processes), or
 * both: each gets its rows, its ratios to the test server and its targets.
 */
final class Report {
    private static final String ROW = "  %-13s %12s %9s %9s %9s %10s %11s %10s %7s%n";

    /** One Kairos topology: its rows' label, its ratio row's label, its results. */
    private record Group(String label, String ratioLabel, String defaultTopology, Properties p) {
    }

    private final Properties ts;
    private final List<Group> groups = new ArrayList<>();
    private final boolean split;
    private final PrintStream out;
    private final List<String> verdicts = new ArrayList<>();

    Report(Properties testServer, Properties kairos, PrintStream out) {
        this(testServer, kairos, null, out);
    }

    /**
     * @param split results of the split topology, or null for the comparison of the dev server and the test server
     *              alone; when given and the dev server's results are empty (not run), only the split rows show
     */
    Report(Properties testServer, Properties kairos, Properties split, PrintStream out) {
        this.ts = testServer;
        this.split = split != null;
        if (split == null || !kairos.isEmpty()) {
            groups.add(new Group("Kairos", "ratio K/TS", "dev server, embedded Postgres", kairos));
        }
        if (split != null) {
            groups.add(new Group("Kairos split", "ratio S/TS", "frontend, history, matching and worker in separate "
                    + "processes of the production jar, one Postgres", split));
        }
        this.out = out;
    }

    static Properties read(Path file) throws IOException {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            }
        }
        return p;
    }

    void print() {
        out.println();
        if (!split) {
            out.println("================ Kairos dev server vs the Temporal SDK's in-memory test server ================");
        } else if (groups.size() == 2) {
            out.println("======== Kairos (one process, and split into service processes) vs the Temporal SDK's "
                    + "in-memory test server ========");
        } else {
            out.println("======== Kairos split into service processes vs the Temporal SDK's in-memory test server "
                    + "========");
        }
        for (Group g : groups) {
            out.println(g.label() + ": " + g.p().getProperty("topology", g.defaultTopology()) + "; Postgres "
                    + g.p().getProperty("durability", "(settings not read)"));
        }
        out.printf("closed loop: %s workflows at concurrency %s; fixed rate: %s s at half the test server's "
                        + "closed-loop throughput%n", either("n"), either("concurrency"), either("fixedSeconds"));
        out.printf("driver: Temporal Java SDK client + worker in one JVM on the same machine; worker pollers per "
                + "task type: %s; warm-up per variant: %s%n", either("pollers"), either("warmup"));
        Set<String> variants = new LinkedHashSet<>();
        List<Properties> all = new ArrayList<>(List.of(ts));
        groups.forEach(g -> all.add(g.p()));
        for (Properties p : all) {
            for (String v : p.getProperty("variants", "").split(",")) {
                if (!v.isBlank()) {
                    variants.add(v);
                }
            }
        }
        for (String v : variants) {
            table(v, "closed");
            table(v, "fixed");
        }
        for (Group g : groups) {
            targets(g, variants);
        }
        if (groups.size() > 1) {
            long pass = verdicts.stream().filter(s -> s.equals("PASS")).count();
            out.printf("  all topologies: %d of %d targets met%n", pass, verdicts.size());
        }
        out.println();
        out.println("CPU: the server's process tree from /proc (utime+stime, plus cutime+cstime of reaped children):");
        out.println("     JVM + embedded Postgres and its backends; a process that exits between two reads without a");
        out.println("     tracked parent reaping it is missed. The driver (client + worker) is not counted.");
        if (split) {
            out.println("     Kairos split: the sum over the frontend, history, matching and worker JVMs and Postgres");
            out.println("     (not the JVM that launched Postgres).");
        }
        out.println("commits: sum(pg_stat_database.xact_commit) of temporal + temporal_visibility, read after the");
        out.println("     backends' statistics flush, minus the idle server's background rate (measured at start with the");
        for (Group g : groups) {
            out.printf("     worker polling%s: %s commits/s, %s writes/s) times the time between the two reads.%n",
                    groups.size() > 1 ? ", " + g.label() : "", fmt(d(g.p(), "idleCommitsPerSecond"), 1),
                    fmt(d(g.p(), "idleWritesPerSecond"), 1));
        }
        out.println("writes: transactions that were assigned a transaction id (they write and fsync WAL), cluster-wide,");
        out.println("     minus the idle background likewise.");
        if (groups.size() == 2) {
            out.println("ratio K/TS, S/TS: Kairos one process, Kairos split / test server; S/K: split / one process.");
        } else if (split) {
            out.println("ratio S/TS: Kairos split / test server.");
        }
    }

    private String either(String key) {
        for (Group g : groups) {
            String v = g.p().getProperty(key);
            if (v != null) {
                return v;
            }
        }
        return ts.getProperty(key, "?");
    }

    private void table(String variant, String phase) {
        List<PhaseResult> ks = new ArrayList<>();
        for (Group g : groups) {
            ks.add(PhaseResult.load(g.p(), variant, phase));
        }
        PhaseResult b = PhaseResult.load(ts, variant, phase);
        PhaseResult any = b;
        for (PhaseResult r : ks) {
            if (r != null) {
                any = r;
                break;
            }
        }
        if (any == null) {
            return;
        }
        out.println();
        if (phase.equals("closed")) {
            StringBuilder warm = new StringBuilder();
            for (Group g : groups) {
                warm.append(g.label()).append(' ').append(g.p().getProperty(variant + ".warmup", "-")).append(", ");
            }
            out.printf("%s, closed loop (%s workflows, concurrency %s; warm-up: %stest server %s)%n", variant,
                    either("n"), either("concurrency"), warm, ts.getProperty(variant + ".warmup", "-"));
        } else {
            double rate = b != null && !Double.isNaN(b.load()) ? b.load() : any.load();
            out.printf("%s, fixed rate %s workflows/s for %s s%n", variant, fmt(rate, 1), either("fixedSeconds"));
        }
        out.printf(ROW, "", phase.equals("closed") ? "throughput" : "achieved", "p50 ms", "p95 ms", "p99 ms",
                "CPU ms/wf", "commits/wf", "writes/wf", "errors");
        for (int i = 0; i < groups.size(); i++) {
            row(groups.get(i).label(), ks.get(i));
        }
        row("test server", b);
        for (int i = 0; i < groups.size(); i++) {
            ratioRow(groups.get(i).ratioLabel(), ks.get(i), b, false);
        }
        if (groups.size() == 2) {
            ratioRow("ratio S/K", ks.get(1), ks.get(0), true);
        }
        for (Group g : groups) {
            String lag = g.p().getProperty(variant + "." + phase + ".visibilityLag");
            if (lag != null) {
                out.printf("  %s visibility lag (result to closed in ListWorkflowExecutions): %s%n", g.label(), lag);
            }
        }
    }

    /** a / b per column; commits and writes only between two Kairos topologies (the test server has none). */
    private void ratioRow(String label, PhaseResult a, PhaseResult b, boolean database) {
        if (a != null && b != null && a.ok() && b.ok()) {
            out.printf(ROW, label, ratio(a.throughput(), b.throughput()), ratio(a.p50(), b.p50()),
                    ratio(a.p95(), b.p95()), ratio(a.p99(), b.p99()), ratio(a.cpuMsPerWf(), b.cpuMsPerWf()),
                    database ? ratio(a.commitsPerWf(), b.commitsPerWf()) : "-",
                    database ? ratio(a.writesPerWf(), b.writesPerWf()) : "-", "");
        }
    }

    private void row(String name, PhaseResult r) {
        if (r == null) {
            out.printf("  %-13s (not run)%n", name);
            return;
        }
        if (!r.ok()) {
            out.printf("  %-13s %s%n", name, r.status().equals("unsupported") ? r.note() : r.status() + ": " + r.note());
            return;
        }
        out.printf(ROW, name, fmt(r.throughput(), 1) + "/s", fmt(r.p50(), 0), fmt(r.p95(), 0), fmt(r.p99(), 0),
                fmt(r.cpuMsPerWf(), 1), fmt(r.commitsPerWf(), 2), fmt(r.writesPerWf(), 2), r.errors());
        if (r.status().equals("timeout")) {
            out.printf("  %-13s ABORTED at the phase timeout: %d of %d workflows completed%n", "", r.completed(),
                    r.planned());
        } else if (r.completed() < r.planned()) {
            out.printf("  %-13s only %d of %d workflows completed%s%n", "", r.completed(), r.planned(),
                    r.note().isEmpty() ? "" : "; " + r.note());
        }
    }

    private void targets(Group g, Set<String> variants) {
        Properties k = g.p();
        int first = verdicts.size();
        out.println();
        out.println("Targets (" + g.label() + ", same run, same box; latency targets are shifted by a variant's "
                + "built-in delay)");
        for (String v : variants) {
            long shift = Variant.byId(v).inherentMillis;
            PhaseResult kc = PhaseResult.load(k, v, "closed");
            PhaseResult tc = PhaseResult.load(ts, v, "closed");
            PhaseResult kf = PhaseResult.load(k, v, "fixed");
            if (kc == null || !kc.ok()) {
                out.printf("  %-13s %s%n", v, kc == null ? "not run on " + g.label()
                        : kc.status().equals("unsupported") ? "not supported by this server yet" : "FAIL: " + kc.status());
                continue;
            }
            if (tc != null && tc.ok()) {
                check(v, "throughput >= test server's", kc.throughput() >= tc.throughput() && kc.errors() == 0,
                        fmt(kc.throughput(), 1) + "/s vs " + fmt(tc.throughput(), 1) + "/s");
            }
            check(v, "p99 at full load < " + (1000 + shift) + " ms", kc.p99() < 1000 + shift, fmt(kc.p99(), 0) + " ms");
            if (kf != null && kf.ok()) {
                String at = " at " + fmt(kf.load(), 1) + "/s";
                check(v, "p50" + at + " <= " + (50 + shift) + " ms", kf.p50() <= 50 + shift && kf.errors() == 0,
                        fmt(kf.p50(), 0) + " ms");
                check(v, "p99" + at + " <= " + (200 + shift) + " ms", kf.p99() <= 200 + shift && kf.errors() == 0,
                        fmt(kf.p99(), 0) + " ms");
            }
            if (v.equals(Variant.ONE_ACTIVITY.id)) {
                check(v, "commits per workflow <= 6", kc.commitsPerWf() <= 6,
                        Double.isNaN(kc.commitsPerWf()) ? "not measured" : fmt(kc.commitsPerWf(), 2));
            }
        }
        List<String> mine = verdicts.subList(first, verdicts.size());
        long pass = mine.stream().filter(s -> s.equals("PASS")).count();
        out.printf("  %d of %d targets met%n", pass, mine.size());
    }

    private void check(String variant, String what, boolean ok, String value) {
        String verdict = ok ? "PASS" : "FAIL";
        verdicts.add(verdict);
        out.printf("  %-13s %-34s %-24s %s%n", variant, what, value, verdict);
    }

    private static double d(Properties p, String key) {
        String s = p.getProperty(key);
        return s == null ? Double.NaN : Double.parseDouble(s);
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "-" : fmt(a / b, 2) + "x";
    }

    static String fmt(double d, int decimals) {
        return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", d);
    }
}
