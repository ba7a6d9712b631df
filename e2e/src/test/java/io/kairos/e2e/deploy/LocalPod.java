package io.kairos.e2e.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.kairos.e2e.ServerProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A rendered pod's single container run as a local process of the image's command: the ENTRYPOINT with the
 * container's args, exactly the env the spec gives (fieldRef status.podIP is 127.0.0.1, Secrets come from the
 * test's stand-in Secrets, ConfigMaps from the same render), every volume a local directory (a ConfigMap's
 * files written out, an emptyDir empty; mount paths in args and ConfigMap files name those directories), and a
 * read-only root filesystem where the container asks for one.
 */
final class LocalPod {
    static final String POD_IP = "127.0.0.1";

    private LocalPod() {
    }

    static ServerProcess start(String name, PodSpec pod, Chart.Rendered render, Map<String, Map<String, String>> secrets,
                               Path workDir) {
        if (pod.getContainers().size() != 1 || !pod.getInitContainers().isEmpty()) {
            throw new AssertionError(name + ": expected one container and no init containers");
        }
        Container c = pod.getContainers().get(0);
        if (!c.getCommand().isEmpty()) {
            throw new AssertionError(name + ": the container overrides the image's ENTRYPOINT with " + c.getCommand());
        }
        try {
            Map<String, Path> volumes = new LinkedHashMap<>();
            List<Path> writable = new ArrayList<>();
            for (Volume v : pod.getVolumes()) {
                Path dir = Files.createDirectories(workDir.resolve(name).resolve(v.getName()));
                if (v.getConfigMap() != null) {
                    ConfigMap cm = KubeModel.parse(render.get("ConfigMap", v.getConfigMap().getName()), ConfigMap.class);
                    for (var e : cm.getData().entrySet()) {
                        Files.writeString(dir.resolve(e.getKey()), e.getValue());
                    }
                } else if (v.getSecret() != null) {
                    Map<String, String> data = secret(secrets, v.getSecret().getSecretName());
                    if (v.getSecret().getItems().isEmpty()) {
                        for (var e : data.entrySet()) {
                            Files.writeString(dir.resolve(e.getKey()), e.getValue());
                        }
                    } else {
                        for (var item : v.getSecret().getItems()) {
                            Files.writeString(dir.resolve(item.getPath()), data.get(item.getKey()));
                        }
                    }
                } else if (v.getEmptyDir() != null) {
                    writable.add(dir);
                } else {
                    throw new AssertionError(name + ": volume " + v.getName() + " is no ConfigMap, Secret or emptyDir");
                }
                volumes.put(v.getName(), dir);
            }
            Map<String, Path> mounts = new LinkedHashMap<>();
            for (VolumeMount m : c.getVolumeMounts()) {
                if (m.getSubPath() != null) {
                    throw new AssertionError(name + ": subPath mounts are not simulated");
                }
                mounts.put(m.getMountPath(), volumes.get(m.getName()));
            }
            // Paths inside ConfigMap files (the server config names the mounted certificates) point where the
            // volumes are, as the args do.
            // One pass, longest mount path first, so a replaced path is never replaced again (/tmp is a mount too).
            java.util.regex.Pattern mountPaths = java.util.regex.Pattern.compile(mounts.keySet().stream()
                    .sorted((a, b) -> b.length() - a.length()).map(m -> java.util.regex.Pattern.quote(m + "/"))
                    .collect(java.util.stream.Collectors.joining("|")));
            for (Volume v : pod.getVolumes()) {
                if (v.getConfigMap() != null && !mounts.isEmpty()) {
                    try (var files = Files.list(volumes.get(v.getName()))) {
                        for (Path f : files.toList()) {
                            String text = mountPaths.matcher(Files.readString(f)).replaceAll(m -> java.util.regex.Matcher
                                    .quoteReplacement(mounts.get(m.group().substring(0, m.group().length() - 1)) + "/"));
                            Files.writeString(f, text);
                        }
                    }
                }
            }
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvFromSource from : c.getEnvFrom()) {
                env.putAll(secret(secrets, from.getSecretRef().getName()));
            }
            for (EnvVar e : c.getEnv()) {
                env.put(e.getName(), value(name, e, render, secrets));
            }
            List<String> cmd = ContainerImage.get().command(c.getArgs(), mounts);
            boolean readOnly = c.getSecurityContext() != null
                    && Boolean.TRUE.equals(c.getSecurityContext().getReadOnlyRootFilesystem());
            return ServerProcess.exec(name, readOnly ? readOnlyRoot(cmd, writable) : cmd, env, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * readOnlyRootFilesystem: the command runs in a mount namespace of its own where the whole root filesystem is
     * read-only except the emptyDir stand-ins, so any write elsewhere fails as it would in the pod. That takes root
     * (CI runs as root); elsewhere the pod runs unconfined, and on CI that is an error.
     */
    private static List<String> readOnlyRoot(List<String> cmd, List<Path> writable) {
        if (!canConfine()) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("CI must run as root: readOnlyRootFilesystem is simulated with unshare -m");
            }
            System.err.println("LocalPod: not root, so readOnlyRootFilesystem is not simulated");
            return cmd;
        }
        // The pod's env has no PATH, so the script names mount by its full path.
        String mount = onPath("mount");
        StringBuilder script = new StringBuilder("set -e; ");
        for (Path w : writable) {
            script.append(mount).append(" --bind '").append(w).append("' '").append(w).append("'; ");
        }
        script.append(mount).append(" -o remount,bind,ro /; exec \"$@\"");
        List<String> out = new ArrayList<>(List.of(onPath("unshare"), "-m", "--propagation", "private", onPath("sh"), "-c",
                script.toString(), "sh"));
        out.addAll(cmd);
        return out;
    }

    /**
     * Whether a running process sees "/" mounted read-only (from /proc/PID/mountinfo); null when this machine cannot
     * confine processes (see {@link #readOnlyRoot}).
     */
    static Boolean rootIsReadOnly(long pid) throws IOException {
        if (!canConfine()) {
            return null;
        }
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 5 && f[4].equals("/")) {
                return List.of(f[5].split(",")).contains("ro");
            }
        }
        throw new AssertionError("no root mount in /proc/" + pid + "/mountinfo");
    }

    private static String onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError(program + " is not on PATH");
    }

    private static Boolean confine;

    private static synchronized boolean canConfine() {
        if (confine == null) {
            try {
                Process p = new ProcessBuilder("unshare", "-m", "--propagation", "private", "true")
                        .redirectErrorStream(true).start();
                confine = p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                confine = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                confine = false;
            }
        }
        return confine;
    }

    private static String value(String pod, EnvVar e, Chart.Rendered render, Map<String, Map<String, String>> secrets) {
        if (e.getValueFrom() == null) {
            return e.getValue() == null ? "" : e.getValue();
        }
        var from = e.getValueFrom();
        if (from.getFieldRef() != null && from.getFieldRef().getFieldPath().equals("status.podIP")) {
            return POD_IP;
        }
        if (from.getSecretKeyRef() != null) {
            String v = secret(secrets, from.getSecretKeyRef().getName()).get(from.getSecretKeyRef().getKey());
            if (v == null) {
                throw new AssertionError(pod + ": Secret " + from.getSecretKeyRef().getName() + " has no key "
                        + from.getSecretKeyRef().getKey());
            }
            return v;
        }
        if (from.getConfigMapKeyRef() != null) {
            return KubeModel.parse(render.get("ConfigMap", from.getConfigMapKeyRef().getName()), ConfigMap.class)
                    .getData().get(from.getConfigMapKeyRef().getKey());
        }
        throw new AssertionError(pod + ": env " + e.getName() + " comes from something not simulated: " + from);
    }

    private static Map<String, String> secret(Map<String, Map<String, String>> secrets, String name) {
        Map<String, String> s = secrets.get(name);
        if (s == null) {
            throw new AssertionError("the pod needs Secret " + name + ", which does not exist");
        }
        return s;
    }
}
