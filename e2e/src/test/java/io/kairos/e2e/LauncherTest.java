package io.kairos.e2e;

import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The README's first command as a newcomer runs it: in a fresh copy of the repository (no target/ folders, so the
 * launcher has to build), on a machine whose JAVA_HOME and PATH point at a JDK 17 while a JDK >= 21 is installed
 * beside it. The dev server it starts must answer the SDK's GetSystemInfo.
 */
class LauncherTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Duration BUILD_AND_START = Duration.ofMinutes(10);
    private static final String NO_JDK = "Kairos needs JDK 21 or newer";

    @Test
    void readmeFirstCommandBuildsAndRunsTheDevServerWhenTheDefaultJdkIs17(@TempDir Path tmp) throws Exception {
        Path jdk17 = olderJdk().orElse(null);
        assumeTrue(jdk17 != null, "no JDK >= 17 and < 21 under /usr/lib/jvm to play the machine's default JDK");
        assumeTrue(newerJdkInstalled(), "no JDK >= 21 under /usr/lib/jvm or ~/.sdkman for the launcher to find");
        String command = readmeFirstCommand();
        Path clone = copyOfWorkingTree(tmp.resolve("kairos"));
        // The copy builds against the local Maven repository, offline: the reactor that runs this test already
        // resolved every plugin and dependency the server's build needs.
        Files.createDirectories(clone.resolve(".mvn"));
        Files.writeString(clone.resolve(".mvn/maven.config"), "-o\n");

        int port = ServerProcess.freePort();
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command + " --port " + port).directory(clone.toFile());
        jdk17Environment(pb.environment(), jdk17);
        Path log = Files.createDirectories(Path.of("target", "e2e-logs")).resolve("launcher-readme.log");
        pb.redirectError(log.toFile());
        Process p = pb.start();
        List<String> out = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    out.add(l);
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        try {
            String ready = awaitReadyLine(p, out, log);
            Matcher m = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)").matcher(ready);
            assertTrue(m.find(), ready);
            assertEquals(port, Integer.parseInt(m.group(1)), ready);
            WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
                    WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
            try {
                GetSystemInfoResponse info = stubs.blockingStub().withDeadlineAfter(30, TimeUnit.SECONDS)
                        .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
                assertTrue(info.hasCapabilities(), info.toString());
            } finally {
                stubs.shutdownNow();
            }
            assertTrue(Files.isRegularFile(clone.resolve("server/target/temporal-server.jar")), "the launcher built the jar");
            assertTrue(Files.readString(log).contains("kairos: building"), "the fresh copy was built");
        } finally {
            stop(p);
        }
    }

    @Test
    void withNoJdk21AnywhereTheLauncherSaysWhatToInstallInOneLine(@TempDir Path tmp) throws Exception {
        Path jdk17 = olderJdk().orElse(null);
        assumeTrue(jdk17 != null, "no JDK >= 17 and < 21 under /usr/lib/jvm to play the only JDK");
        ProcessBuilder pb = new ProcessBuilder(REPO.resolve("kairos").toString(), "dev").directory(tmp.toFile());
        jdk17Environment(pb.environment(), jdk17);
        pb.environment().put("KAIROS_JDK_SEARCH_PATH", tmp.resolve("no-jdks") + "/*");
        Path err = tmp.resolve("stderr");
        pb.redirectError(err.toFile());
        pb.redirectOutput(tmp.resolve("stdout").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher did not exit");
        assertEquals(1, p.exitValue());
        List<String> lines = Files.readAllLines(err);
        assertEquals(1, lines.size(), "one line: " + lines);
        assertTrue(lines.get(0).startsWith(NO_JDK) && lines.get(0).contains("JAVA_HOME"), lines.get(0));
        assertEquals("", Files.readString(tmp.resolve("stdout")));
    }

    /** The first line of README.md's first bash block, without its comment. */
    static String readmeFirstCommand() throws IOException {
        String readme = Files.readString(REPO.resolve("README.md"));
        int start = readme.indexOf("```bash\n");
        assertTrue(start >= 0, "README.md has no bash block");
        String first = readme.substring(start + "```bash\n".length()).lines().findFirst().orElseThrow();
        String command = first.replaceFirst("\\s+#.*$", "").strip();
        assertTrue(command.contains(" dev"), "the README's first command should run the dev server: " + command);
        return command;
    }

    /** The machine's default JDK of the scenario: 17 <= version < 21. */
    static Optional<Path> olderJdk() {
        return jdks(Path.of("/usr/lib/jvm")).filter(j -> {
            int v = major(j);
            return v >= 17 && v < 21;
        }).findFirst();
    }

    private static boolean newerJdkInstalled() {
        return Stream.concat(jdks(Path.of("/usr/lib/jvm")),
                jdks(Path.of(System.getProperty("user.home"), ".sdkman", "candidates", "java"))).anyMatch(j -> major(j) >= 21);
    }

    private static Stream<Path> jdks(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(j -> Files.isExecutable(j.resolve("bin/javac"))).sorted().toList().stream();
        } catch (IOException e) {
            return Stream.empty();
        }
    }

    /** The feature version from the JDK's release file (JAVA_VERSION="17.0.15"). */
    static int major(Path jdk) {
        try {
            for (String l : Files.readAllLines(jdk.resolve("release"))) {
                if (l.startsWith("JAVA_VERSION=")) {
                    String v = l.substring("JAVA_VERSION=".length()).replace("\"", "");
                    String[] parts = v.split("[.+-]");
                    return Integer.parseInt(parts[0].equals("1") ? parts[1] : parts[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not a JDK we can read: skip it
        }
        return -1;
    }

    /** JAVA_HOME at the JDK 17 and PATH with its bin first and no other JDK's bin (mvn stays reachable). */
    private static void jdk17Environment(Map<String, String> env, Path jdk17) {
        String testJdk = Path.of(System.getProperty("java.home")).toString();
        List<String> path = new ArrayList<>(List.of(jdk17.resolve("bin").toString()));
        Arrays.stream(env.getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator))
                .filter(d -> !d.startsWith(testJdk) && !d.startsWith("/usr/lib/jvm/") && !d.contains("/.sdkman/candidates/java/"))
                .forEach(path::add);
        env.put("PATH", String.join(File.pathSeparator, path));
        env.put("JAVA_HOME", jdk17.toString());
        env.remove("KAIROS_JDK_SEARCH_PATH");
        env.remove("MAVEN_OPTS");
    }

    /** A fresh checkout's files: what git tracks plus untracked files it does not ignore (no target/, node_modules). */
    private static Path copyOfWorkingTree(Path dest) throws Exception {
        Process git = new ProcessBuilder("git", "-C", REPO.toString(), "ls-files", "-z", "--cached", "--others",
                "--exclude-standard").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String names = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, git.waitFor(), "git ls-files in " + REPO);
        for (String name : names.split("\0")) {
            Path src = REPO.resolve(name);
            if (name.isEmpty() || !Files.isRegularFile(src)) {
                continue; // deleted in the working tree but not yet committed
            }
            Path to = dest.resolve(name);
            Files.createDirectories(to.getParent());
            Files.copy(src, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
        return dest;
    }

    private static String awaitReadyLine(Process p, List<String> out, Path log) throws Exception {
        long deadline = System.nanoTime() + BUILD_AND_START.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> ready = out.stream().filter(l -> l.contains("listening on")).findFirst();
            if (ready.isPresent()) {
                return ready.get();
            }
            if (!p.isAlive()) {
                fail("the README's first command exited with " + p.exitValue() + " before the ready line; stdout "
                        + out + "; stderr (" + log.toAbsolutePath() + "):\n" + tail(log));
            }
            Thread.sleep(500);
        }
        fail("no ready line within " + BUILD_AND_START + "; stderr (" + log.toAbsolutePath() + "):\n" + tail(log));
        return null;
    }

    private static String tail(Path log) throws IOException {
        List<String> l = Files.readAllLines(log);
        return String.join("\n", l.subList(Math.max(0, l.size() - 40), l.size()));
    }

    /** SIGTERM to the JVM (the dev server stops its Postgres cleanly), then SIGKILL whatever of the tree is left. */
    private static void stop(Process p) throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        tree.add(p.toHandle());
        tree.stream().filter(h -> h.equals(p.toHandle()) || h.info().command().orElse("").endsWith("/java"))
                .forEach(ProcessHandle::destroy);
        p.waitFor(60, TimeUnit.SECONDS);
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        p.waitFor(10, TimeUnit.SECONDS);
    }
}
