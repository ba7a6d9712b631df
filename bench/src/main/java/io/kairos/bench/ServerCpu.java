package io.kairos.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * CPU time of a server's process trees from /proc: the server process (or, for a server split over several
 * processes, every one of them), their descendants and the embedded Postgres, whose postmaster is reparented away
 * from the process that started it by pg_ctl and so is found through postmaster.pid.
 * Each process counts utime+stime plus cutime+cstime, the CPU of children it has already reaped, so a Postgres
 * backend that exits between two reads is still counted through the postmaster; a process that exits and is not
 * reaped by a tracked parent between two reads is missed.
 */
final class ServerCpu {
    private final List<Long> serverPids;
    private final Path postmasterPidFile; // null: no embedded Postgres
    private final int clockTicksPerSecond;

    ServerCpu(List<Long> serverPids, Path pgData, int clockTicksPerSecond) {
        this.serverPids = List.copyOf(serverPids);
        this.postmasterPidFile = pgData == null ? null : pgData.resolve("postmaster.pid");
        this.clockTicksPerSecond = clockTicksPerSecond;
    }

    /** Milliseconds of CPU used so far by all the trees together, or -1 when /proc cannot be read. */
    long cpuMillis() {
        Set<Long> pids = new LinkedHashSet<>();
        for (long root : roots()) {
            pids.add(root);
            ProcessHandle.of(root).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        }
        long ticks = 0;
        boolean any = false;
        for (long pid : pids) {
            Optional<Long> t = ticks(pid);
            if (t.isPresent()) {
                ticks += t.get();
                any = true;
            }
        }
        return any ? ticks * 1000 / clockTicksPerSecond : -1;
    }

    /** Milliseconds of CPU used so far by the embedded Postgres (postmaster and backends), or -1. */
    long postgresMillis() {
        List<Long> roots = roots();
        if (roots.size() == serverPids.size()) {
            return -1; // no postmaster.pid (yet)
        }
        long postmaster = roots.get(roots.size() - 1);
        long ticks = ticks(postmaster).orElse(-1L);
        if (ticks < 0) {
            return -1;
        }
        for (long pid : ProcessHandle.of(postmaster).map(h -> h.descendants().map(ProcessHandle::pid).toList())
                .orElse(List.of())) {
            ticks += ticks(pid).orElse(0L);
        }
        return ticks * 1000 / clockTicksPerSecond;
    }

    private List<Long> roots() {
        List<Long> roots = new ArrayList<>(serverPids);
        if (postmasterPidFile != null) {
            try {
                List<String> lines = Files.readAllLines(postmasterPidFile);
                if (!lines.isEmpty()) {
                    roots.add(Long.parseLong(lines.get(0).trim()));
                }
            } catch (IOException | NumberFormatException ignored) {
                // Postgres not (yet) running
            }
        }
        return roots;
    }

    /** utime + stime + cutime + cstime of one process, in clock ticks. */
    static Optional<Long> ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may contain spaces: fields after the last ')' start with field 3
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
            return Optional.of(Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13])
                    + Long.parseLong(f[14]));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // exited between listing and reading
        }
    }
}
