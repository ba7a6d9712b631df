package io.kairos.e2e.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * docker/Dockerfile without Docker: its jlink step run with this JDK, its jar and its ENTRYPOINT, so a test can run
 * what the image runs. Container paths in a command line are mapped to the files standing in for them here.
 */
final class ContainerImage {
    static final String JAVA_DIR = "/opt/java";
    static final String JAR = "/opt/kairos/temporal-server.jar";
    static final String AOT_CACHE = "/opt/kairos/temporal-server.aot";
    /** Workflows of the AOT training run here: as `docker build --build-arg AOT_TRAINING=300` (the image: 2000). */
    static final int TEST_AOT_TRAINING = 300;

    private static ContainerImage instance;

    final List<String> lines;
    final List<String> entrypoint;
    final List<String> cmd;
    final String modules;
    final String jlinkLine;
    final Path jarSource;
    final String user;
    final String runtimeBase;
    /** The aot stage's training command (exec'd without a shell), with the image's paths. */
    final List<String> aotTraining;
    final Path devJarSource;

    private ContainerImage(Path dockerfile) throws IOException {
        lines = joinContinuations(Files.readAllLines(dockerfile));
        entrypoint = jsonArray(instruction("ENTRYPOINT"));
        cmd = jsonArray(instruction("CMD"));
        modules = instruction("ARG JAVA_MODULES=").substring("ARG JAVA_MODULES=".length()).trim();
        jlinkLine = instruction("RUN jlink ").substring("RUN ".length());
        Matcher copy = Pattern.compile("COPY (\\S+) " + Pattern.quote(JAR)).matcher(String.join("\n", lines));
        if (!copy.find()) {
            throw new IllegalStateException("docker/Dockerfile copies no jar to " + JAR);
        }
        jarSource = repoRoot().resolve(copy.group(1));
        user = instruction("USER ").substring("USER ".length()).trim();
        aotTraining = List.of(instruction("RUN /opt/java/bin/java ").substring("RUN ".length()).split("\\s+"));
        Matcher dev = Pattern.compile("COPY (\\S+) /aot/dev.jar").matcher(String.join("\n", lines));
        if (!dev.find()) {
            throw new IllegalStateException("docker/Dockerfile's aot stage copies no jar to /aot/dev.jar");
        }
        devJarSource = repoRoot().resolve(dev.group(1));
        List<String> froms = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
        runtimeBase = froms.get(froms.size() - 1).split("\\s+")[1];
    }

    static synchronized ContainerImage get() {
        if (instance == null) {
            try {
                instance = new ContainerImage(repoRoot().resolve("docker/Dockerfile"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    static Path repoRoot() {
        return Path.of("..").toAbsolutePath().normalize();
    }

    /** The jar the image ships, as built by the server module. */
    Path jar() {
        if (!Files.isRegularFile(jarSource)) {
            throw new IllegalStateException(jarSource + " is missing: build it with 'mvn -B verify'");
        }
        return jarSource;
    }

    /**
     * The image's Java runtime: the Dockerfile's jlink command with its module list, run once with this JDK into
     * target/image-runtime (rebuilt when the command changes).
     */
    synchronized Path runtime() {
        Path out = Path.of("target/image-runtime").toAbsolutePath();
        Path stamp = Path.of("target/image-runtime.cmd").toAbsolutePath();
        List<String> cmd = new ArrayList<>();
        for (String token : jlinkLine.split("\\s+")) {
            String t = token.replace("\"${JAVA_MODULES}\"", modules).replace("${JAVA_MODULES}", modules);
            cmd.add(t.equals("jlink") ? Path.of(System.getProperty("java.home"), "bin", "jlink").toString()
                    : t.equals("/jre") ? out.toString() : t);
        }
        return once(cmd, String.join(" ", cmd), out, stamp, Path.of("target/image-runtime.log"), 5, "jlink");
    }

    /** True when this JDK can make and use the image's AOT cache (JDK 25+, as the image's runtime). */
    static boolean aotSupported() {
        return Runtime.version().feature() >= 25;
    }

    /**
     * The image's AOT cache: the aot stage's training run on the image's runtime and jar (TEST_AOT_TRAINING
     * workflows), made once into target/image-aot (again when the command or the jars change).
     */
    synchronized Path aotCache() {
        Path dir = Path.of("target/image-aot").toAbsolutePath();
        Path cache = dir.resolve("temporal-server.aot");
        Path stamp = Path.of("target/image-aot.cmd").toAbsolutePath();
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put(JAR, jar().toString());
        paths.put(JAVA_DIR, runtime().toString());
        paths.put("/aot/dev.jar", devJarSource.toString());
        paths.put("/aot/out", dir.toString());
        List<String> cmd = new ArrayList<>();
        for (String token : aotTraining) {
            String t = token.replace("${AOT_TRAINING}", Integer.toString(TEST_AOT_TRAINING));
            cmd.add(t.startsWith("/") && t.contains(":") ? String.join(":", java.util.Arrays.stream(t.split(":"))
                    .map(part -> mapPaths(part, paths)).toList()) : mapPaths(t, paths));
        }
        String key;
        try {
            key = String.join(" ", cmd) + " " + Files.getLastModifiedTime(jar()) + " "
                    + Files.getLastModifiedTime(devJarSource);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        once(cmd, key, cache, stamp, Path.of("target/image-aot.log"), 10,
                "the AOT training run (" + TEST_AOT_TRAINING + " workflows)");
        if (!Files.isRegularFile(cache)) {
            throw new IllegalStateException("the AOT training run made no " + cache);
        }
        return cache;
    }

    /**
     * Runs {@code cmd} to make {@code out}, unless {@code stamp} says it was made by the same {@code key} (the
     * command and what it reads): the image's build steps, made once per build here as Docker's layer cache would.
     */
    private static Path once(List<String> cmd, String key, Path out, Path stamp, Path logFile, int minutes, String what) {
        Path log = logFile.toAbsolutePath();
        try {
            if (Files.exists(out) && Files.exists(stamp) && Files.readString(stamp).equals(key)) {
                return out;
            }
            deleteTree(out);
            Files.deleteIfExists(stamp);
            Files.createDirectories(out.getParent());
            System.out.println("image: " + what + ", log " + log);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(minutes, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(what + " failed: " + cmd + "\n" + Files.readString(log));
            }
            Files.writeString(stamp, key);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The command line the container runs for these args (the ENTRYPOINT, then the args), with container paths
     * replaced: the JDK and jar of the image and the given mounts (container path → host directory).
     */
    List<String> command(List<String> args, Map<String, Path> mounts) {
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put(JAR, jar().toString());
        paths.put(JAVA_DIR, runtime().toString());
        if (aotSupported()) {
            paths.put(AOT_CACHE, aotCache().toString());
        }
        mounts.forEach((c, h) -> paths.put(c, h.toString()));
        List<String> out = new ArrayList<>();
        for (String token : concat(entrypoint, args)) {
            if (!aotSupported() && token.startsWith("-XX:AOTCache=")) {
                continue; // a JDK before 25 knows no AOT cache and would refuse to start
            }
            out.add(mapPaths(token, paths));
        }
        return out;
    }

    private static String mapPaths(String token, Map<String, String> paths) {
        for (var e : paths.entrySet()) {
            int i = token.indexOf(e.getKey());
            boolean boundary = i >= 0 && (i + e.getKey().length() == token.length()
                    || token.charAt(i + e.getKey().length()) == '/');
            if (boundary && (i == 0 || token.charAt(i - 1) == '=')) {
                return token.substring(0, i) + e.getValue() + token.substring(i + e.getKey().length());
            }
        }
        return token;
    }

    private String instruction(String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException("docker/Dockerfile has no " + prefix.trim() + " line"));
    }

    private static List<String> jsonArray(String instruction) {
        String json = instruction.substring(instruction.indexOf(' ') + 1).trim();
        try {
            return new JsonMapper().readValue(json, new TypeReference<List<String>>() {
            });
        } catch (IOException e) {
            throw new IllegalStateException("not the exec (JSON) form, which needs no shell: " + instruction, e);
        }
    }

    private static List<String> joinContinuations(List<String> raw) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String l : raw) {
            String t = l.strip();
            if (t.startsWith("#") || t.isEmpty()) {
                continue;
            }
            if (t.endsWith("\\")) {
                cur.append(t, 0, t.length() - 1).append(' ');
            } else {
                out.add(cur.append(t).toString());
                cur.setLength(0);
            }
        }
        return out;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
