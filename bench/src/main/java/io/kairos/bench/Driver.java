package io.kairos.bench;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs every variant against one server with an SDK client and worker in this JVM: a probe, a warm-up, the closed
 * loop and the fixed-rate phase, measuring the server's CPU, this JVM's CPU and (dev server) its database commits
 * around each measured phase. Cold mode instead measures only the first N workflows, with no probe, no warm-up and
 * no waits for database statistics: bench/run.sh runs it once per variant against a freshly started server, in a
 * fresh driver JVM. Results go to a properties file after every phase, added to what the file already holds (the
 * cold runs and the warm run of one server share a file).
 */
final class Driver {
    /**
     * @param serverPids the server's processes (one, or one per service for a split server); empty: no CPU figures
     * @param topology   how the server runs, for the report ("" when not given)
     */
    record Config(String name, String target, List<Long> serverPids, String topology, Path pgData, int clockTicks,
                  List<Variant> variants, int n, int concurrency, int warmup, Duration fixedDuration, Double rate,
                  Properties rateFrom, Duration phaseTimeout, long settleMillis, int pollers, Path out,
                  boolean cold) {
    }

    private final Config cfg;
    private final Properties results = new Properties();
    private final ServerCpu cpu;
    private final DbStats db;
    private final ServerAllocation allocation;
    /** The last database snapshot, still valid as the next phase's "before" if nothing ran since. */
    private DbStats.Snapshot settled;
    private DbStats.Background background = new DbStats.Background(0, 0);

    Driver(Config cfg) {
        this.cfg = cfg;
        this.cpu = !cfg.serverPids().isEmpty()
                ? new ServerCpu(cfg.serverPids(), cfg.pgData(), cfg.clockTicks()) : null;
        // cold: the statistics' settle waits would sit between the server's start and the measured phase
        this.db = cfg.pgData() != null && !cfg.cold() ? new DbStats(cfg.pgData()) : null;
        // not cold: attaching loads the JMX agent into the server just before the phase
        this.allocation = !cfg.serverPids().isEmpty() && !cfg.cold() ? new ServerAllocation(cfg.serverPids()) : null;
    }

    void run() throws IOException {
        if (Files.isRegularFile(cfg.out())) {
            try (InputStream in = Files.newInputStream(cfg.out())) {
                results.load(in);
            }
        }
        results.setProperty("server", cfg.name());
        results.setProperty("target", cfg.target());
        if (!cfg.topology().isEmpty()) {
            results.setProperty("topology", cfg.topology());
        }
        results.setProperty("n", Integer.toString(cfg.n()));
        results.setProperty("concurrency", Integer.toString(cfg.concurrency()));
        if (!cfg.cold()) {
            results.setProperty("warmup", String.format("%d workflows, then rounds of %d until a round is at most "
                            + "%.0f %% faster than the one before (at most %d s)", cfg.warmup(), cfg.n(), STEADY * 100,
                    MAX_WARMUP_SECONDS));
            results.setProperty("fixedSeconds", Long.toString(cfg.fixedDuration().toSeconds()));
        }
        results.setProperty("pollers", cfg.pollers() > 0 ? Integer.toString(cfg.pollers()) : "SDK default (5)");
        results.setProperty("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        Set<String> variants = new LinkedHashSet<>();
        for (String v : results.getProperty("variants", "").split(",")) {
            if (!v.isBlank()) {
                variants.add(v);
            }
        }
        cfg.variants().forEach(v -> variants.add(v.id));
        results.setProperty("variants", String.join(",", variants));
        save();
        WorkflowServiceStubs service = WorkflowServiceStubs.newConnectedServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget(cfg.target()).build(), Duration.ofSeconds(60));
        ensureNamespace(service, NAMESPACE);
        WorkflowClient client = WorkflowClient.newInstance(service,
                WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build());
        WorkerFactory factory = WorkerFactory.newInstance(client);
        String taskQueue = "bench-" + UUID.randomUUID();
        WorkerOptions.Builder wo = WorkerOptions.newBuilder();
        if (cfg.pollers() > 0) {
            wo.setMaxConcurrentWorkflowTaskPollers(cfg.pollers()).setMaxConcurrentActivityTaskPollers(cfg.pollers());
        }
        Worker worker = factory.newWorker(taskQueue, wo.build());
        worker.registerWorkflowImplementationTypes(BenchWorkflows.WORKFLOW_TYPES);
        worker.registerActivitiesImplementations(new BenchWorkflows.EchoImpl());
        factory.start();
        try {
            Load load = new Load(client, taskQueue, cfg.name());
            if (cfg.cold()) {
                for (Variant v : cfg.variants()) {
                    runCold(load, v);
                }
                return;
            }
            measureBackground();
            for (Variant v : cfg.variants()) {
                runVariant(load, client, taskQueue, v);
            }
        } finally {
            factory.shutdownNow();
            factory.awaitTermination(10, TimeUnit.SECONDS);
            service.shutdownNow();
            if (allocation != null) {
                allocation.close();
            }
        }
    }

    private static final String NAMESPACE = "default";
    /** Retention of a namespace the driver registers, as the dev server's "default". */
    private static final long RETENTION_SECONDS = 24 * 3600;

    /**
     * The test server and the dev server come with the namespace; a server in production mode (the split topology)
     * starts with none but temporal-system, so the driver registers it, then waits until the frontend describes it.
     */
    private static void ensureNamespace(WorkflowServiceStubs service, String namespace) {
        var describe = DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build();
        try {
            service.blockingStub().describeNamespace(describe);
            return;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                throw e;
            }
        }
        try {
            service.blockingStub().registerNamespace(RegisterNamespaceRequest.newBuilder().setNamespace(namespace)
                    .setWorkflowExecutionRetentionPeriod(com.google.protobuf.Duration.newBuilder()
                            .setSeconds(RETENTION_SECONDS)).build());
            System.out.printf("== registered namespace %s (retention %d h)%n", namespace, RETENTION_SECONDS / 3600);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                throw e;
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                service.blockingStub().describeNamespace(describe);
                return;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.NOT_FOUND || System.nanoTime() > deadline) {
                    throw e;
                }
                DbStats.settle(200);
            }
        }
    }

    /** A warm-up round's throughput within this much of the round before counts as steady. */
    private static final double STEADY = 0.05;
    /** Warm-up stops here even when the throughput is still rising. */
    private static final long MAX_WARMUP_SECONDS = 180;

    /**
     * Warms the server (and this JVM) up: the configured number of workflows, then rounds of the measured phase's
     * size until a round is no more than 5 % faster than the round before (both JVMs keep compiling for a minute
     * or more at full load), at most {@link #MAX_WARMUP_SECONDS}. The same rule runs against both servers.
     */
    private void warmUp(Load load, Variant v) {
        long start = System.nanoTime();
        int done = cfg.warmup();
        Load.Outcome first = load.closed(v, cfg.warmup(), Math.min(cfg.concurrency(), cfg.warmup()), cfg.phaseTimeout(),
                "warm-up");
        double previous = first.elapsedSeconds() > 0 ? cfg.warmup() / first.elapsedSeconds() : 0;
        int rounds = 0;
        while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(MAX_WARMUP_SECONDS)) {
            Load.Outcome o = load.closed(v, cfg.n(), cfg.concurrency(), cfg.phaseTimeout(), "warm-up round");
            done += cfg.n();
            rounds++;
            double rate = o.elapsedSeconds() > 0 ? cfg.n() / o.elapsedSeconds() : 0;
            System.out.printf("  warm-up round %d: %.1f/s (previous %.1f/s)%n", rounds, rate, previous);
            if (o.errors() > 0 || rate <= previous * (1 + STEADY)) {
                break;
            }
            previous = rate;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("  warm-up: %d workflows in %.0f s%n", done, seconds);
        results.setProperty(v.id + ".warmup", String.format("%d workflows, %.0f s", done, seconds));
    }

    private void runVariant(Load load, WorkflowClient client, String taskQueue, Variant v) throws IOException {
        System.out.printf("== %s, %s: probe and warm-up (%d workflows)%n", cfg.name(), v.id, cfg.warmup());
        settled = null;
        try {
            v.runOne(client, taskQueue, System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
        } catch (Variant.Unsupported e) {
            System.out.printf("  %s: not supported by this server yet (%s)%n", v.id, e.getMessage());
            record(PhaseResult.unsupported(v, "closed", e.getMessage()));
            record(PhaseResult.unsupported(v, "fixed", e.getMessage()));
            return;
        } catch (Exception e) {
            System.out.println("  probe failed (measuring anyway): " + e);
        }
        if (cfg.warmup() > 0) {
            warmUp(load, v);
        }
        System.out.printf("== %s, %s: closed loop, %d workflows at concurrency %d%n",
                cfg.name(), v.id, cfg.n(), cfg.concurrency());
        PhaseResult closed = measure(v, "closed", cfg.concurrency(), cfg.n(),
                () -> load.closed(v, cfg.n(), cfg.concurrency(), cfg.phaseTimeout(), "closed"));
        double rate = fixedRate(v, closed);
        int planned = (int) Math.max(1, Math.round(rate * cfg.fixedDuration().toMillis() / 1000.0));
        System.out.printf("== %s, %s: fixed rate %.1f workflows/s for %d s%n",
                cfg.name(), v.id, rate, cfg.fixedDuration().toSeconds());
        VisibilityLag lag = new VisibilityLag(
                io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.newBlockingStub(client.getWorkflowServiceStubs()
                        .getRawChannel()), client.getOptions().getNamespace());
        load.visibility = lag;
        measure(v, "fixed", rate, planned, () -> load.open(v, rate, cfg.fixedDuration(), cfg.phaseTimeout(), "fixed"));
        load.visibility = null;
        String lagLine = lag.summary();
        System.out.printf("  %s fixed: visibility lag, result to closed in ListWorkflowExecutions: %s%n", v.id, lagLine);
        results.setProperty(v.id + ".fixed.visibilityLag", lagLine);
        save();
    }

    /**
     * The first N workflows of a server that has just started (bench/run.sh starts one per variant), from this
     * fresh JVM: no probe, so the first workflow of the phase is the first the server runs. Also records the time
     * from the server's process start (the earliest of its processes) to the phase's start and to its first
     * result, and the server CPU spent before the phase (start-up).
     */
    private void runCold(Load load, Variant v) throws IOException {
        System.out.printf("== %s, %s: cold, the first %d workflows at concurrency %d%n",
                cfg.name(), v.id, cfg.n(), cfg.concurrency());
        long serverStart = cfg.serverPids().stream().map(pid -> ProcessHandle.of(pid)
                        .flatMap(h -> h.info().startInstant()).map(Instant::toEpochMilli).orElse(Long.MAX_VALUE))
                .min(Long::compare).orElse(Long.MAX_VALUE);
        long driverStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long serverCpuBefore = cpu != null ? cpu.cpuMillis() : -1;
        long phaseStart = System.currentTimeMillis();
        long[] firstResult = {-1};
        measure(v, "cold", cfg.concurrency(), cfg.n(), () -> {
            Load.Outcome o = load.closed(v, cfg.n(), cfg.concurrency(), cfg.phaseTimeout(), "cold");
            if (!Double.isNaN(o.firstDoneSeconds())) {
                firstResult[0] = phaseStart + Math.round(o.firstDoneSeconds() * 1000);
            }
            return o;
        });
        String k = v.id + ".cold.";
        if (serverStart != Long.MAX_VALUE) {
            results.setProperty(k + "serverStartToPhaseMs", Long.toString(phaseStart - serverStart));
            if (firstResult[0] >= 0) {
                results.setProperty(k + "serverStartToFirstResultMs", Long.toString(firstResult[0] - serverStart));
            }
        }
        results.setProperty(k + "driverStartToPhaseMs", Long.toString(phaseStart - driverStart));
        if (serverCpuBefore >= 0) {
            results.setProperty(k + "serverStartCpuMs", Long.toString(serverCpuBefore));
        }
        System.out.printf("  %s cold: server process start to phase start %s ms, to first result %s ms "
                        + "(driver JVM start to phase start %d ms); server CPU before the phase %d ms%n", v.id,
                results.getProperty(k + "serverStartToPhaseMs", "?"),
                results.getProperty(k + "serverStartToFirstResultMs", "?"), phaseStart - driverStart, serverCpuBefore);
        save();
    }

    /** The server's idle commit rate with the worker polling, measured over 10 s after the statistics settled. */
    private void measureBackground() throws IOException {
        if (db == null) {
            return;
        }
        try {
            String durability = db.durability();
            System.out.println("== " + cfg.name() + ": Postgres " + durability);
            results.setProperty("durability", durability);
        } catch (Exception e) {
            System.out.println("  cannot read the Postgres settings: " + e);
        }
        System.out.printf("== %s: measuring the idle server's background commits (%d s)%n", cfg.name(),
                cfg.settleMillis() / 1000 + 10);
        DbStats.Snapshot a = dbSnapshot();
        DbStats.settle(10_000);
        DbStats.Snapshot b = a == null ? null : dbSnapshotNow();
        if (a != null && b != null) {
            background = DbStats.Background.between(a, b);
            System.out.printf("  idle: %.1f commits/s, %.1f writes/s (subtracted from the phases)%n",
                    background.commitsPerSecond(), background.writesPerSecond());
            results.setProperty("idleCommitsPerSecond", Double.toString(background.commitsPerSecond()));
            results.setProperty("idleWritesPerSecond", Double.toString(background.writesPerSecond()));
            save();
        }
    }

    /** Explicit rate, else half the test server's closed-loop throughput, else half this server's. */
    private double fixedRate(Variant v, PhaseResult closed) {
        if (cfg.rate() != null) {
            return cfg.rate();
        }
        if (cfg.rateFrom() != null) {
            PhaseResult ref = PhaseResult.load(cfg.rateFrom(), v.id, "closed");
            if (ref != null && ref.ok() && ref.throughput() > 0) {
                return ref.throughput() / 2;
            }
        }
        return closed.ok() && closed.throughput() > 0 ? closed.throughput() / 2 : 10;
    }

    private PhaseResult measure(Variant v, String phase, double loadLevel, int planned, Supplier<Load.Outcome> run)
            throws IOException {
        DbStats.Snapshot before = settled != null ? settled : dbSnapshot();
        long cpu0 = cpu != null ? cpu.cpuMillis() : -1;
        long pg0 = cpu != null ? cpu.postgresMillis() : -1;
        long alloc0 = allocation != null ? allocation.allocatedBytes() : -1;
        long driver0 = driverCpuNanos();
        Load.Outcome o = run.get();
        long driver1 = driverCpuNanos();
        long alloc1 = allocation != null ? allocation.allocatedBytes() : -1;
        long pg1 = cpu != null ? cpu.postgresMillis() : -1;
        long cpu1 = cpu != null ? cpu.cpuMillis() : -1;
        DbStats.Snapshot after = before != null ? dbSnapshot() : null;
        settled = after;
        double cpuMs = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : Double.NaN;
        double commits = before != null && after != null ? background.commits(before, after) : Double.NaN;
        double writes = before != null && after != null ? background.writes(before, after) : Double.NaN;
        double driverMs = driver0 >= 0 && driver1 >= 0 ? (driver1 - driver0) / 1e6 : Double.NaN;
        PhaseResult r = PhaseResult.of(v, phase, loadLevel, planned, o, cpuMs, driverMs, commits, writes,
                pg0 >= 0 && pg1 >= 0 ? pg1 - pg0 : Double.NaN, alloc0 >= 0 && alloc1 >= 0 ? alloc1 - alloc0 : Double.NaN);
        if (before != null && after != null) {
            System.out.printf("  database: %d commits, %d writes between the reads %.0f s apart (%.0f and %.0f of "
                            + "them idle background)%n", after.commits() - before.commits(),
                    after.nextXid() - before.nextXid(), (after.atNanos() - before.atNanos()) / 1e9,
                    background.commitsPerSecond() * (after.atNanos() - before.atNanos()) / 1e9,
                    background.writesPerSecond() * (after.atNanos() - before.atNanos()) / 1e9);
        }
        System.out.printf("  %s %s: %s, %d/%d completed in %.1f s = %.1f/s, p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, "
                        + "CPU %.1f ms/wf (of it Postgres %.1f; driver %.1f ms/wf), server JVM allocation %.0f KiB/wf, "
                        + "commits %.2f/wf, writes %.2f/wf, %d errors%s%n",
                v.id, phase, r.status(), r.completed(), planned, r.seconds(), r.throughput(), r.p50(), r.p95(),
                r.p99(), r.cpuMsPerWf(), r.pgCpuMsPerWf(), r.driverCpuMsPerWf(), r.allocKbPerWf(), r.commitsPerWf(),
                r.writesPerWf(), r.errors(),
                r.note().isEmpty() ? "" : " (" + r.note() + ")");
        record(r);
        return r;
    }

    /** CPU time of this JVM (client, worker, load generator), or -1 when the platform does not tell. */
    private static long driverCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** Waits for the backends to flush their statistics, then reads them; null without a database. */
    private DbStats.Snapshot dbSnapshot() {
        if (db == null) {
            return null;
        }
        System.out.printf("  (waiting %d s for Postgres to flush its statistics)%n", cfg.settleMillis() / 1000);
        DbStats.settle(cfg.settleMillis());
        return dbSnapshotNow();
    }

    private DbStats.Snapshot dbSnapshotNow() {
        try {
            return db.read();
        } catch (Exception e) {
            System.out.println("  cannot read database statistics: " + e);
            return null;
        }
    }

    private void record(PhaseResult r) throws IOException {
        r.store(results);
        save();
    }

    private void save() throws IOException {
        Files.createDirectories(cfg.out().toAbsolutePath().getParent());
        try (OutputStream os = Files.newOutputStream(cfg.out())) {
            results.store(os, "kairos-bench results");
        }
    }
}
