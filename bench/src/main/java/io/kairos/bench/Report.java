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
 * both: each gets its rows, its ratios to the test server and its targets. Per variant: cold and warm side by side,
 * then each phase in detail; then what the box's cores allow when the driver shares them (see {@link #ceiling}).
 */
final class Report {
    private static final String ROW = "  %-13s %12s %9s %9s %9s %10s %10s %11s %10s %7s%n";
    private static final String SIDE = "  %-13s %10s %9s %10s | %10s %9s | %9s %9s | %11s %11s%n";
    private static final String CEIL = "  %-13s %-13s %-5s %10s %10s %9s %9s  %-19s %s%n";
    /** Issue 16: cold one-activity throughput vs the test server's cold, warm closed loop vs its warm. */
    static final double COLD_FACTOR = 1.5;
    static final double WARM_FACTOR = 2.0;

    /**
     * One Kairos topology: its rows' label, its ratio row's label, its results, and its fixed-rate p99 target (a
     * split cluster gets more: every call between services is a network hop).
     */
    private record Group(String label, String ratioLabel, String defaultTopology, Properties p, long fixedP99) {
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
            groups.add(new Group("Kairos", "ratio K/TS", "dev server, embedded Postgres", kairos, 200));
        }
        if (split != null) {
            groups.add(new Group("Kairos split", "ratio S/TS", "frontend, history, matching and worker in separate "
                    + "processes of the production jar, one Postgres", split, 300));
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
        out.printf("cold: per variant a fresh server process (cluster) and a fresh driver JVM, the first %s workflows "
                + "at concurrency %s from start, no warm-up; 1st result: from the server's process start%n",
                either("n"), either("concurrency"));
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
            sideBySide(v);
            table(v, "cold");
            table(v, "closed");
            table(v, "fixed");
        }
        ceiling(variants);
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
        out.println("     tracked parent reaping it is missed. The driver (client + worker) is not counted in it;");
        out.println("     drv ms/wf is the driver JVM's own CPU (OperatingSystemMXBean.getProcessCpuTime) per workflow.");
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

    /** Cold and warm figures of one variant, one row per server, and the ratios to the test server. */
    private void sideBySide(String v) {
        List<Properties> rows = new ArrayList<>();
        groups.forEach(g -> rows.add(g.p()));
        rows.add(ts);
        boolean any = rows.stream().anyMatch(p -> PhaseResult.load(p, v, "cold") != null
                || PhaseResult.load(p, v, "closed") != null);
        if (!any) {
            return;
        }
        out.println();
        out.printf("%s: cold and warm (wf/s: closed loop; latencies in ms; CPU per workflow cold/warm)%n", v);
        out.printf(SIDE, "", "cold wf/s", "cold p99", "1st result", "warm wf/s", "warm p99", "fixed p50", "fixed p99",
                "srv ms c/w", "drv ms c/w");
        for (Group g : groups) {
            sideRow(g.label(), g.p(), v);
        }
        sideRow("test server", ts, v);
        for (Group g : groups) {
            sideRatio(g.ratioLabel(), g.p(), ts, v);
        }
        if (groups.size() == 2) {
            sideRatio("ratio S/K", groups.get(1).p(), groups.get(0).p(), v);
        }
    }

    private void sideRow(String label, Properties p, String v) {
        PhaseResult c = okOrNull(PhaseResult.load(p, v, "cold"));
        PhaseResult w = okOrNull(PhaseResult.load(p, v, "closed"));
        PhaseResult f = okOrNull(PhaseResult.load(p, v, "fixed"));
        double first = d(p, v + ".cold.serverStartToFirstResultMs");
        out.printf(SIDE, label, c == null ? "-" : fmt(c.throughput(), 1), c == null ? "-" : fmt(c.p99(), 0),
                Double.isNaN(first) ? "-" : fmt(first / 1000, 1) + " s",
                w == null ? "-" : fmt(w.throughput(), 1), w == null ? "-" : fmt(w.p99(), 0),
                f == null ? "-" : fmt(f.p50(), 0), f == null ? "-" : fmt(f.p99(), 0),
                pair(c == null ? Double.NaN : c.cpuMsPerWf(), w == null ? Double.NaN : w.cpuMsPerWf()),
                pair(c == null ? Double.NaN : c.driverCpuMsPerWf(), w == null ? Double.NaN : w.driverCpuMsPerWf()));
    }

    private void sideRatio(String label, Properties a, Properties b, String v) {
        PhaseResult ac = okOrNull(PhaseResult.load(a, v, "cold"));
        PhaseResult bc = okOrNull(PhaseResult.load(b, v, "cold"));
        PhaseResult aw = okOrNull(PhaseResult.load(a, v, "closed"));
        PhaseResult bw = okOrNull(PhaseResult.load(b, v, "closed"));
        PhaseResult af = okOrNull(PhaseResult.load(a, v, "fixed"));
        PhaseResult bf = okOrNull(PhaseResult.load(b, v, "fixed"));
        if ((ac == null || bc == null) && (aw == null || bw == null)) {
            return;
        }
        boolean cold = ac != null && bc != null;
        boolean warm = aw != null && bw != null;
        boolean fixed = af != null && bf != null;
        out.printf(SIDE, label, cold ? ratio(ac.throughput(), bc.throughput()) : "-",
                cold ? ratio(ac.p99(), bc.p99()) : "-",
                ratio(d(a, v + ".cold.serverStartToFirstResultMs"), d(b, v + ".cold.serverStartToFirstResultMs")),
                warm ? ratio(aw.throughput(), bw.throughput()) : "-", warm ? ratio(aw.p99(), bw.p99()) : "-",
                fixed ? ratio(af.p50(), bf.p50()) : "-", fixed ? ratio(af.p99(), bf.p99()) : "-",
                (cold ? ratio(ac.cpuMsPerWf(), bc.cpuMsPerWf()) : "-") + "/"
                        + (warm ? ratio(aw.cpuMsPerWf(), bw.cpuMsPerWf()) : "-"), "");
    }

    /**
     * What the cores allow when the driver and the server share them: at most cores x 1000 / (driver + server CPU
     * ms per workflow) workflows/s, whatever the server's code. For a throughput target, the server CPU per workflow
     * that still leaves room: cores x 1000 / target - driver ms/wf (none left: the target is out of reach on this
     * box with this driver, however cheap the server).
     */
    private void ceiling(Set<String> variants) {
        int cores = (int) d(firstWith("cores"), "cores");
        if (cores <= 0) {
            cores = Runtime.getRuntime().availableProcessors();
        }
        out.println();
        out.printf("CPU ceiling on this box's %d cores, shared by the driver and the server: max wf/s = %d x 1000 / "
                + "(driver + server CPU ms/wf).%nBudget: the server CPU per workflow a target leaves = %d x 1000 / "
                + "target wf/s - driver ms/wf (with this driver's cost).%n", cores, cores, cores);
        out.printf(CEIL, "variant", "server", "phase", "driver ms", "server ms", "max wf/s", "measured", "target wf/s",
                "server budget ms/wf");
        for (String v : variants) {
            String name = v;
            for (String phase : List.of("cold", "closed")) {
                PhaseResult t = okOrNull(PhaseResult.load(ts, v, phase));
                for (Group g : groups) {
                    PhaseResult k = okOrNull(PhaseResult.load(g.p(), v, phase));
                    if (k == null) {
                        continue;
                    }
                    double factor = phase.equals("closed") ? WARM_FACTOR
                            : v.equals(Variant.ONE_ACTIVITY.id) ? COLD_FACTOR : Double.NaN;
                    double target = t == null ? Double.NaN : factor * t.throughput();
                    ceilRow(name, g.label(), phase, k, cores, target, fmt(factor, 1) + "x TS");
                    name = "";
                }
                if (t != null) {
                    ceilRow(name, "test server", phase, t, cores, Double.NaN, "");
                    name = "";
                }
            }
        }
    }

    private void ceilRow(String v, String server, String phase, PhaseResult r, int cores, double target,
                         String targetText) {
        double perWf = r.driverCpuMsPerWf() + r.cpuMsPerWf();
        String budget = "-";
        String targetCol = "-";
        if (!Double.isNaN(target)) {
            double b = cores * 1000.0 / target - r.driverCpuMsPerWf();
            targetCol = fmt(target, 1) + " (" + targetText + ")";
            budget = Double.isNaN(b) ? "-" : b <= 0 ? fmt(b, 2) + ": out of reach (the driver alone)"
                    : fmt(b, 2) + (r.cpuMsPerWf() <= b ? " (server now " + fmt(r.cpuMsPerWf(), 2) + ": fits)"
                    : " (server now " + fmt(r.cpuMsPerWf(), 2) + ": over)");
        }
        out.printf(CEIL, v, server, phase.equals("closed") ? "warm" : phase, fmt(r.driverCpuMsPerWf(), 2),
                fmt(r.cpuMsPerWf(), 2), fmt(cores * 1000.0 / perWf, 0), fmt(r.throughput(), 1), targetCol, budget);
    }

    private Properties firstWith(String key) {
        for (Group g : groups) {
            if (g.p().getProperty(key) != null) {
                return g.p();
            }
        }
        return ts;
    }

    private static PhaseResult okOrNull(PhaseResult r) {
        return r != null && r.ok() ? r : null;
    }

    private static String pair(double a, double b) {
        return fmt(a, 1) + "/" + fmt(b, 1);
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
        if (phase.equals("cold")) {
            out.printf("%s, cold: the first %s workflows at concurrency %s, fresh server and driver processes%n",
                    variant, either("n"), either("concurrency"));
        } else if (phase.equals("closed")) {
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
        out.printf(ROW, "", phase.equals("fixed") ? "achieved" : "throughput", "p50 ms", "p95 ms", "p99 ms",
                "CPU ms/wf", "drv ms/wf", "commits/wf", "writes/wf", "errors");
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
        if (phase.equals("cold")) {
            for (Group g : groups) {
                startLine(g.label(), g.p(), variant);
            }
            startLine("test server", ts, variant);
        }
    }

    /** How long the cold server took to start and answer, and what starting cost it. */
    private void startLine(String label, Properties p, String v) {
        String k = v + ".cold.";
        if (p.getProperty(k + "serverStartToPhaseMs") == null) {
            return;
        }
        out.printf("  %s: server process start to the phase's start %s ms (driver JVM start to it %s ms), to the "
                        + "first result %s ms; server CPU before the phase %s ms%n", label,
                p.getProperty(k + "serverStartToPhaseMs"), p.getProperty(k + "driverStartToPhaseMs", "-"),
                p.getProperty(k + "serverStartToFirstResultMs", "-"), p.getProperty(k + "serverStartCpuMs", "-"));
    }

    /** a / b per column; commits and writes only between two Kairos topologies (the test server has none). */
    private void ratioRow(String label, PhaseResult a, PhaseResult b, boolean database) {
        if (a != null && b != null && a.ok() && b.ok()) {
            out.printf(ROW, label, ratio(a.throughput(), b.throughput()), ratio(a.p50(), b.p50()),
                    ratio(a.p95(), b.p95()), ratio(a.p99(), b.p99()), ratio(a.cpuMsPerWf(), b.cpuMsPerWf()),
                    ratio(a.driverCpuMsPerWf(), b.driverCpuMsPerWf()), database ? ratio(a.commitsPerWf(), b.commitsPerWf()) : "-",
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
                fmt(r.cpuMsPerWf(), 1), fmt(r.driverCpuMsPerWf(), 1), fmt(r.commitsPerWf(), 2), fmt(r.writesPerWf(), 2), r.errors());
        if (!Double.isNaN(r.pgCpuMsPerWf()) || !Double.isNaN(r.allocKbPerWf())) {
            out.printf("  %-13s server CPU per workflow: JVM %s ms + Postgres %s ms; JVM heap allocation %s KiB/wf%n", "",
                    fmt(r.cpuMsPerWf() - (Double.isNaN(r.pgCpuMsPerWf()) ? 0 : r.pgCpuMsPerWf()), 2),
                    fmt(r.pgCpuMsPerWf(), 2), fmt(r.allocKbPerWf(), 0));
        }
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
            PhaseResult kcold = PhaseResult.load(k, v, "cold");
            PhaseResult tcold = PhaseResult.load(ts, v, "cold");
            if (v.equals(Variant.ONE_ACTIVITY.id) && kcold != null) {
                if (!kcold.ok()) {
                    check(v, "cold phase", false, kcold.status());
                } else {
                    if (tcold != null && tcold.ok()) {
                        check(v, "cold >= " + fmt(COLD_FACTOR, 1) + "x test server's cold",
                                kcold.throughput() >= COLD_FACTOR * tcold.throughput() && kcold.errors() == 0,
                                fmt(kcold.throughput(), 1) + "/s vs " + fmt(tcold.throughput(), 1) + "/s");
                    }
                    check(v, "cold p99 < " + (1000 + shift) + " ms", kcold.p99() < 1000 + shift,
                            fmt(kcold.p99(), 0) + " ms");
                }
            }
            PhaseResult kc = PhaseResult.load(k, v, "closed");
            PhaseResult tc = PhaseResult.load(ts, v, "closed");
            PhaseResult kf = PhaseResult.load(k, v, "fixed");
            if (kc == null || !kc.ok()) {
                out.printf("  %-13s %s%n", v, kc == null ? "warm phases not run on " + g.label()
                        : kc.status().equals("unsupported") ? "not supported by this server yet" : "FAIL: " + kc.status());
                continue;
            }
            if (tc != null && tc.ok()) {
                check(v, "warm >= " + fmt(WARM_FACTOR, 0) + "x test server's warm",
                        kc.throughput() >= WARM_FACTOR * tc.throughput() && kc.errors() == 0,
                        fmt(kc.throughput(), 1) + "/s vs " + fmt(tc.throughput(), 1) + "/s");
            }
            check(v, "p99 at full load < " + (1000 + shift) + " ms", kc.p99() < 1000 + shift, fmt(kc.p99(), 0) + " ms");
            if (kf != null && kf.ok()) {
                String at = " at " + fmt(kf.load(), 1) + "/s";
                check(v, "p50" + at + " <= " + (50 + shift) + " ms", kf.p50() <= 50 + shift && kf.errors() == 0,
                        fmt(kf.p50(), 0) + " ms");
                check(v, "p99" + at + " < " + (g.fixedP99() + shift) + " ms",
                        kf.p99() < g.fixedP99() + shift && kf.errors() == 0, fmt(kf.p99(), 0) + " ms");
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

    /** PASS or FAIL of each target, after {@link #print}. */
    List<String> verdicts() {
        return List.copyOf(verdicts);
    }

    private void check(String variant, String what, boolean ok, String value) {
        String verdict = ok ? "PASS" : "FAIL";
        verdicts.add(verdict);
        out.printf("  %-13s %-36s %-24s %s%n", variant, what, value, verdict);
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
