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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A rendered pod's single container run as a local process of the image's command: the ENTRYPOINT with the
 * container's args, exactly the env the spec gives (fieldRef status.podIP is 127.0.0.1, Secrets come from the
 * test's stand-in Secrets, ConfigMaps from the same render), and every volume a local directory (a ConfigMap's
 * files written out, an emptyDir empty).
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
            for (Volume v : pod.getVolumes()) {
                Path dir = Files.createDirectories(workDir.resolve(name).resolve(v.getName()));
                if (v.getConfigMap() != null) {
                    ConfigMap cm = KubeModel.parse(render.get("ConfigMap", v.getConfigMap().getName()), ConfigMap.class);
                    for (var e : cm.getData().entrySet()) {
                        Files.writeString(dir.resolve(e.getKey()), e.getValue());
                    }
                } else if (v.getEmptyDir() == null) {
                    throw new AssertionError(name + ": volume " + v.getName() + " is neither a ConfigMap nor an emptyDir");
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
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvFromSource from : c.getEnvFrom()) {
                env.putAll(secret(secrets, from.getSecretRef().getName()));
            }
            for (EnvVar e : c.getEnv()) {
                env.put(e.getName(), value(name, e, render, secrets));
            }
            return ServerProcess.exec(name, ContainerImage.get().command(c.getArgs(), mounts), env, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
