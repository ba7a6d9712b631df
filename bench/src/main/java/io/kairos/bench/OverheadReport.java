package io.kairos.bench;

import java.io.PrintStream;
import java.util.Properties;

/**
 * What metrics cost: the same dev server and workloads with every meter recorded and /metrics scraped, against a
 * run with no meters at all ({@code dev --no-metrics}). bench/run.sh writes both with METRICS_OVERHEAD=1.
 */
final class OverheadReport {
    private static final String ROW = "  %-13s %-11s %14s %14s %9s%n";

    private OverheadReport() {
    }

    static void print(Properties with, Properties without, PrintStream out) {
        out.println();
        out.println("Metrics overhead. With: " + with.getProperty("topology", "?"));
        out.println("  without: " + without.getProperty("topology", "?"));
        out.printf(ROW, "variant", "figure", "with metrics", "no metrics", "change");
        for (String v : with.getProperty("variants", "").split(",")) {
            PhaseResult wc = PhaseResult.load(with, v, "closed");
            PhaseResult nc = PhaseResult.load(without, v, "closed");
            PhaseResult wf = PhaseResult.load(with, v, "fixed");
            PhaseResult nf = PhaseResult.load(without, v, "fixed");
            if (wc == null || nc == null) {
                continue;
            }
            row(out, v, "wf/s (closed)", wc.throughput(), nc.throughput(), 1);
            row(out, "", "CPU ms/wf", wc.cpuMsPerWf(), nc.cpuMsPerWf(), 2);
            if (wf != null && nf != null) {
                row(out, "", "p99 ms fixed", wf.p99(), nf.p99(), 0);
            }
        }
    }

    private static void row(PrintStream out, String variant, String figure, double with, double without, int dec) {
        String change = Double.isNaN(with) || Double.isNaN(without) || without == 0 ? "-"
                : String.format(java.util.Locale.ROOT, "%+.1f %%", 100 * (with - without) / without);
        out.printf(ROW, variant, figure, Report.fmt(with, dec), Report.fmt(without, dec), change);
    }
}
