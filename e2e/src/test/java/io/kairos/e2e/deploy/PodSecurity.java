package io.kairos.e2e.deploy;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards) as the admission
 * controller checks a pod spec: {@link #baseline} and {@link #restricted} return the violations.
 */
final class PodSecurity {
    private static final Set<String> BASELINE_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
            "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");
    private static final Set<String> RESTRICTED_VOLUMES = Set.of("configMap", "csi", "downwardAPI", "emptyDir",
            "ephemeral", "persistentVolumeClaim", "projected", "secret");

    private PodSecurity() {
    }

    static List<String> baseline(PodSpec pod) {
        List<String> v = new ArrayList<>();
        if (Boolean.TRUE.equals(pod.getHostNetwork()) || Boolean.TRUE.equals(pod.getHostPID())
                || Boolean.TRUE.equals(pod.getHostIPC())) {
            v.add("host namespaces");
        }
        for (Volume vol : pod.getVolumes()) {
            if (vol.getHostPath() != null) {
                v.add("hostPath volume " + vol.getName());
            }
        }
        PodSecurityContext psc = pod.getSecurityContext();
        if (psc != null && psc.getSeccompProfile() != null && "Unconfined".equals(psc.getSeccompProfile().getType())) {
            v.add("pod seccomp Unconfined");
        }
        for (Container c : containers(pod)) {
            SecurityContext sc = c.getSecurityContext();
            if (sc != null) {
                if (Boolean.TRUE.equals(sc.getPrivileged())) {
                    v.add(c.getName() + ": privileged");
                }
                Capabilities caps = sc.getCapabilities();
                if (caps != null && caps.getAdd() != null) {
                    caps.getAdd().stream().filter(a -> !BASELINE_CAPABILITIES.contains(a))
                            .forEach(a -> v.add(c.getName() + ": adds capability " + a));
                }
                if (sc.getSeccompProfile() != null && "Unconfined".equals(sc.getSeccompProfile().getType())) {
                    v.add(c.getName() + ": seccomp Unconfined");
                }
                if (sc.getProcMount() != null && !"Default".equals(sc.getProcMount())) {
                    v.add(c.getName() + ": procMount " + sc.getProcMount());
                }
            }
            c.getPorts().stream().filter(p -> p.getHostPort() != null && p.getHostPort() != 0)
                    .forEach(p -> v.add(c.getName() + ": hostPort " + p.getHostPort()));
        }
        return v;
    }

    static List<String> restricted(PodSpec pod) {
        List<String> v = new ArrayList<>(baseline(pod));
        for (Volume vol : pod.getVolumes()) {
            if (RESTRICTED_VOLUMES.stream().noneMatch(t -> hasVolumeSource(vol, t))) {
                v.add("volume type of " + vol.getName());
            }
        }
        PodSecurityContext psc = pod.getSecurityContext();
        boolean podNonRoot = psc != null && Boolean.TRUE.equals(psc.getRunAsNonRoot());
        boolean podSeccomp = psc != null && allowedSeccomp(psc.getSeccompProfile());
        if (psc != null && psc.getRunAsUser() != null && psc.getRunAsUser() == 0) {
            v.add("pod runAsUser 0");
        }
        for (Container c : containers(pod)) {
            SecurityContext sc = c.getSecurityContext();
            if (sc == null || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                v.add(c.getName() + ": allowPrivilegeEscalation must be false");
            }
            if (!(podNonRoot || (sc != null && Boolean.TRUE.equals(sc.getRunAsNonRoot())))
                    || (sc != null && Boolean.FALSE.equals(sc.getRunAsNonRoot()))) {
                v.add(c.getName() + ": runAsNonRoot must be true");
            }
            if (sc != null && sc.getRunAsUser() != null && sc.getRunAsUser() == 0) {
                v.add(c.getName() + ": runAsUser 0");
            }
            if (!(podSeccomp || (sc != null && allowedSeccomp(sc.getSeccompProfile())))) {
                v.add(c.getName() + ": seccompProfile must be RuntimeDefault or Localhost");
            }
            Capabilities caps = sc == null ? null : sc.getCapabilities();
            if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
                v.add(c.getName() + ": capabilities must drop ALL");
            }
            if (caps != null && caps.getAdd() != null) {
                caps.getAdd().stream().filter(a -> !a.equals("NET_BIND_SERVICE"))
                        .forEach(a -> v.add(c.getName() + ": may add only NET_BIND_SERVICE, adds " + a));
            }
        }
        return v;
    }

    private static boolean allowedSeccomp(SeccompProfile p) {
        return p != null && ("RuntimeDefault".equals(p.getType()) || "Localhost".equals(p.getType()));
    }

    private static boolean hasVolumeSource(Volume v, String type) {
        return switch (type) {
            case "configMap" -> v.getConfigMap() != null;
            case "csi" -> v.getCsi() != null;
            case "downwardAPI" -> v.getDownwardAPI() != null;
            case "emptyDir" -> v.getEmptyDir() != null;
            case "ephemeral" -> v.getEphemeral() != null;
            case "persistentVolumeClaim" -> v.getPersistentVolumeClaim() != null;
            case "projected" -> v.getProjected() != null;
            case "secret" -> v.getSecret() != null;
            default -> false;
        };
    }

    private static List<Container> containers(PodSpec pod) {
        return Stream.of(pod.getInitContainers(), pod.getContainers()).flatMap(List::stream).toList();
    }
}
