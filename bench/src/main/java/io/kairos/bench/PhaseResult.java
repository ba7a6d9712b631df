package io.kairos.bench;

import java.util.Arrays;
import java.util.Properties;

/**
 * The figures of one measured phase. Latencies in milliseconds; NaN where a figure does not apply or could not be
 * measured (no database on the test server, no completed workflow).
 *
 * @param phase            "closed" (warm: N workflows at a concurrency), "fixed" (warm: a fixed start rate) or
 *                         "cold" (the first N workflows at a concurrency after the server and driver started)
 * @param status           ok, timeout (aborted at the phase timeout), unsupported, failed
 * @param load             concurrency (closed, cold) or workflows/s (fixed)
 * @param driverCpuMsPerWf CPU of the driver JVM (client and worker) per workflow
 * @param pgCpuMsPerWf     the part of cpuMsPerWf spent by the embedded Postgres (NaN without one)
 * @param allocKbPerWf     heap allocated by the server's JVMs per workflow, KiB (NaN when not measured)
 */
record PhaseResult(String variant, String phase, String status, double load, int planned, int completed, int errors,
                   double seconds, double throughput, double p50, double p95, double p99, double cpuMsPerWf,
                   double driverCpuMsPerWf, double commitsPerWf, double writesPerWf, String note, double pgCpuMsPerWf,
                   double allocKbPerWf) {

    static PhaseResult of(Variant v, String phase, double load, int planned, Load.Outcome o, double cpuMs,
                          double driverCpuMs, double commits, double writes, double pgCpuMs, double allocBytes) {
        long[] l = o.latenciesNanos().clone();
        Arrays.sort(l);
        int n = l.length;
        String status = o.unsupported() != null ? "unsupported" : o.timedOut() ? "timeout" : "ok";
        String note = o.unsupported() != null ? "not supported by this server yet (" + o.unsupported() + ")"
                : o.firstError() != null ? "first error: " + o.firstError() : "";
        return new PhaseResult(v.id, phase, status, load, planned, n, o.errors(), o.elapsedSeconds(),
                throughput(phase, n, o),
                pct(l, 0.50), pct(l, 0.95), pct(l, 0.99),
                n > 0 ? cpuMs / n : Double.NaN, n > 0 ? driverCpuMs / n : Double.NaN,
                n > 0 ? commits / n : Double.NaN, n > 0 ? writes / n : Double.NaN,
                note, n > 0 ? pgCpuMs / n : Double.NaN, n > 0 ? allocBytes / 1024 / n : Double.NaN);
    }

    static PhaseResult failed(Variant v, String phase, String note) {
        return new PhaseResult(v.id, phase, "failed", Double.NaN, 0, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, note, Double.NaN, Double.NaN);
    }

    static PhaseResult unsupported(Variant v, String phase, String why) {
        return new PhaseResult(v.id, phase, "unsupported", Double.NaN, 0, 0, 0, 0, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, "not supported by this server yet (" + why + ")",
                Double.NaN, Double.NaN);
    }

    /**
     * Closed loop: completions per second from the start of the phase to the last completion. Fixed rate: the rate
     * at which workflows completed, between the first and the last completion (so a timer's delay does not count).
     */
    private static double throughput(String phase, int n, Load.Outcome o) {
        if (phase.equals("fixed") && n > 1 && o.elapsedSeconds() > o.firstDoneSeconds()) {
            return (n - 1) / (o.elapsedSeconds() - o.firstDoneSeconds());
        }
        return o.elapsedSeconds() > 0 ? n / o.elapsedSeconds() : Double.NaN;
    }

    /** Nearest-rank percentile of sorted nanoseconds, in milliseconds. */
    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    boolean ok() {
        return status.equals("ok") || status.equals("timeout") && completed > 0;
    }

    void store(Properties p) {
        String k = variant + "." + phase + ".";
        p.setProperty(k + "status", status);
        p.setProperty(k + "load", Double.toString(load));
        p.setProperty(k + "planned", Integer.toString(planned));
        p.setProperty(k + "completed", Integer.toString(completed));
        p.setProperty(k + "errors", Integer.toString(errors));
        p.setProperty(k + "seconds", Double.toString(seconds));
        p.setProperty(k + "throughput", Double.toString(throughput));
        p.setProperty(k + "p50", Double.toString(p50));
        p.setProperty(k + "p95", Double.toString(p95));
        p.setProperty(k + "p99", Double.toString(p99));
        p.setProperty(k + "cpuMsPerWf", Double.toString(cpuMsPerWf));
        p.setProperty(k + "driverCpuMsPerWf", Double.toString(driverCpuMsPerWf));
        p.setProperty(k + "commitsPerWf", Double.toString(commitsPerWf));
        p.setProperty(k + "writesPerWf", Double.toString(writesPerWf));
        p.setProperty(k + "note", note);
        p.setProperty(k + "pgCpuMsPerWf", Double.toString(pgCpuMsPerWf));
        p.setProperty(k + "allocKbPerWf", Double.toString(allocKbPerWf));
    }

    /** The stored phase, or null when the file has none. */
    static PhaseResult load(Properties p, String variant, String phase) {
        String k = variant + "." + phase + ".";
        if (p.getProperty(k + "status") == null) {
            return null;
        }
        return new PhaseResult(variant, phase, p.getProperty(k + "status"), d(p, k + "load"),
                (int) d(p, k + "planned"), (int) d(p, k + "completed"), (int) d(p, k + "errors"),
                d(p, k + "seconds"), d(p, k + "throughput"), d(p, k + "p50"), d(p, k + "p95"), d(p, k + "p99"),
                d(p, k + "cpuMsPerWf"), d(p, k + "driverCpuMsPerWf"), d(p, k + "commitsPerWf"), d(p, k + "writesPerWf"),
                p.getProperty(k + "note", ""), d(p, k + "pgCpuMsPerWf"), d(p, k + "allocKbPerWf"));
    }

    static double d(Properties p, String key) {
        String s = p.getProperty(key);
        return s == null ? Double.NaN : Double.parseDouble(s);
    }
}
