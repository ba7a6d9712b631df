package io.kairos.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The real server jar run as a child process, as a user runs it. Stdout is captured line by line (the banner
 * says when the server is ready); stderr goes to target/e2e-logs.
 */
public final class ServerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static int sequence;

    private final String name;
    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final Path stderrLog;

    private ServerProcess(String name, Process process, Path stderrLog) {
        this.name = name;
        this.process = process;
        this.stderrLog = stderrLog;
        Thread.ofPlatform().daemon().name("stdout-" + name).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    stdout.add(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
    }

    public static Path serverJar() {
        return existing(Path.of(System.getProperty("kairos.serverJar", "../server/target/temporal-server.jar")));
    }

    /** The container image's jar: no embedded Postgres binaries, Linux natives only. */
    public static Path slimServerJar() {
        return existing(Path.of(System.getProperty("kairos.slimServerJar", "../server/target/temporal-server-slim.jar")));
    }

    private static Path existing(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " is missing: build it with 'mvn -B verify' "
                    + "(the e2e module needs the packaged server)");
        }
        return jar;
    }

    /** Runs temporal-server with these arguments. */
    public static synchronized ServerProcess launch(String name, List<String> args) {
        return launch(name, args, java.util.Map.of());
    }

    /** Runs temporal-server with these arguments and extra environment variables. */
    public static ServerProcess launch(String name, List<String> args, java.util.Map<String, String> env) {
        return launch(serverJar(), name, args, env);
    }

    /** Runs this server jar with these arguments and extra environment variables. */
    public static ServerProcess launch(Path jar, String name, List<String> args, java.util.Map<String, String> env) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-jar", jar.toString()));
        cmd.addAll(args);
        return exec(name, cmd, env, false);
    }

    /**
     * Runs a whole command line. With {@code onlyEnv} the process sees exactly {@code env}, as a container sees only
     * what its pod spec and image set.
     */
    public static synchronized ServerProcess exec(String name, List<String> cmd, java.util.Map<String, String> env,
                                                  boolean onlyEnv) {
        Path logDir = Path.of(System.getProperty("kairos.logDir", "target/e2e-logs"));
        try {
            Files.createDirectories(logDir);
            Path log = logDir.resolve(String.format("%02d-%s.stderr.log", ++sequence, name));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
            if (onlyEnv) {
                pb.environment().clear();
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            return new ServerProcess(name, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for a stdout line matching the predicate; fails with the process's stderr if it exits first. */
    public String awaitLine(Predicate<String> match) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (String l : stdout) {
                if (match.test(l)) {
                    return l;
                }
            }
            if (!process.isAlive()) {
                // let the reader drain
                sleep(200);
                for (String l : stdout) {
                    if (match.test(l)) {
                        return l;
                    }
                }
                throw new AssertionError(name + " exited with " + process.exitValue() + " before printing the expected line."
                        + "\nstdout: " + stdout + "\nstderr: " + stderr());
            }
            sleep(50);
        }
        throw new AssertionError(name + " printed no expected line within " + START_TIMEOUT + "\nstdout: " + stdout
                + "\nstderr: " + stderr());
    }

    /** Waits for the dev/start banner. */
    public ServerProcess awaitReady() {
        awaitLine(l -> l.contains("listening on") || l.contains("Kairos started services"));
        return this;
    }

    public int waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " did not exit within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        sleep(100);
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hooks run, the embedded Postgres is left behind. */
    public void kill9() {
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
    }

    /** SIGTERM (Ctrl-C equivalent): a clean shutdown. */
    public int terminate() {
        process.destroy();
        return waitForExit(Duration.ofSeconds(60));
    }

    /** The OS process id: what a test that kills the process uses. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public List<String> stdout() {
        return List.copyOf(stdout);
    }

    public String stderr() {
        try {
            return Files.exists(stderrLog) ? Files.readString(stderrLog) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    /**
     * A port free now, below Linux's ephemeral range (32768-60999): a port the kernel hands out (what
     * {@code new ServerSocket(0)} returns) can be taken by any outgoing connection before the server binds it.
     */
    public static int freePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 200; i++) {
            int port = random.nextInt(20_000, 32_000);
            if (ISSUED_PORTS.add(port)) {
                try (ServerSocket s = new ServerSocket(port)) {
                    s.setReuseAddress(true);
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IllegalStateException("no free port in 20000-32000");
    }

    /** Ports handed out by this JVM, never handed out twice. */
    private static final java.util.Set<Integer> ISSUED_PORTS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
