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

/** Tables comparing the Kairos results with the test server's, and the targets with PASS/FAIL. */
final class Report {
    private static final String ROW = "  %-13s %12s %9s %9s %9s %10s %11s %10s %7s%n";
    private final Properties ts;
    private final Properties k;
    private final PrintStream out;
    private final List<String> verdicts = new ArrayList<>();

    Report(Properties testServer, Properties kairos, PrintStream out) {
        this.ts = testServer;
        this.k = kairos;
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
        out.println("================ Kairos dev server vs the Temporal SDK's in-memory test server ================");
        out.println("Kairos: dev server, embedded Postgres with " + k.getProperty("durability", "(settings not read)"));
        out.printf("closed loop: %s workflows at concurrency %s; fixed rate: %s s at half the test server's "
                        + "closed-loop throughput%n", either("n"), either("concurrency"), either("fixedSeconds"));
        out.printf("driver: Temporal Java SDK client + worker in one JVM on the same machine; worker pollers per "
                + "task type: %s; warm-up per variant: %s%n", either("pollers"), either("warmup"));
        Set<String> variants = new LinkedHashSet<>();
        for (Properties p : List.of(ts, k)) {
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
        targets(variants);
        out.println();
        out.println("CPU: the server's process tree from /proc (utime+stime, plus cutime+cstime of reaped children):");
        out.println("     JVM + embedded Postgres and its backends; a process that exits between two reads without a");
        out.println("     tracked parent reaping it is missed. The driver (client + worker) is not counted.");
        out.println("commits: sum(pg_stat_database.xact_commit) of temporal + temporal_visibility, read after the");
        out.println("     backends' statistics flush, minus the idle server's background rate (measured at start with the");
        out.printf("     worker polling: %s commits/s, %s writes/s) times the time between the two reads.%n",
                fmt(d(k, "idleCommitsPerSecond"), 1), fmt(d(k, "idleWritesPerSecond"), 1));
        out.println("writes: transactions that were assigned a transaction id (they write and fsync WAL), cluster-wide,");
        out.println("     minus the idle background likewise.");
    }

    private String either(String key) {
        return k.getProperty(key, ts.getProperty(key, "?"));
    }

    private void table(String variant, String phase) {
        PhaseResult a = PhaseResult.load(k, variant, phase);
        PhaseResult b = PhaseResult.load(ts, variant, phase);
        PhaseResult any = a != null ? a : b;
        if (any == null) {
            return;
        }
        out.println();
        if (phase.equals("closed")) {
            out.printf("%s, closed loop (%s workflows, concurrency %s; warm-up: Kairos %s, test server %s)%n", variant,
                    either("n"), either("concurrency"), k.getProperty(variant + ".warmup", "-"),
                    ts.getProperty(variant + ".warmup", "-"));
        } else {
            double rate = b != null && !Double.isNaN(b.load()) ? b.load() : any.load();
            out.printf("%s, fixed rate %s workflows/s for %s s%n", variant, fmt(rate, 1), either("fixedSeconds"));
        }
        out.printf(ROW, "", phase.equals("closed") ? "throughput" : "achieved", "p50 ms", "p95 ms", "p99 ms",
                "CPU ms/wf", "commits/wf", "writes/wf", "errors");
        row("Kairos", a);
        row("test server", b);
        if (a != null && b != null && a.ok() && b.ok()) {
            out.printf(ROW, "ratio K/TS", ratio(a.throughput(), b.throughput()), ratio(a.p50(), b.p50()),
                    ratio(a.p95(), b.p95()), ratio(a.p99(), b.p99()), ratio(a.cpuMsPerWf(), b.cpuMsPerWf()),
                    "-", "-", "");
        }
        String lag = k.getProperty(variant + "." + phase + ".visibilityLag");
        if (lag != null) {
            out.printf("  Kairos visibility lag (result to closed in ListWorkflowExecutions): %s%n", lag);
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

    private void targets(Set<String> variants) {
        out.println();
        out.println("Targets (Kairos, same run, same box; latency targets are shifted by a variant's built-in delay)");
        for (String v : variants) {
            long shift = Variant.byId(v).inherentMillis;
            PhaseResult kc = PhaseResult.load(k, v, "closed");
            PhaseResult tc = PhaseResult.load(ts, v, "closed");
            PhaseResult kf = PhaseResult.load(k, v, "fixed");
            if (kc == null || !kc.ok()) {
                out.printf("  %-13s %s%n", v, kc == null ? "not run on Kairos"
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
        long pass = verdicts.stream().filter(s -> s.equals("PASS")).count();
        out.printf("  %d of %d targets met%n", pass, verdicts.size());
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
