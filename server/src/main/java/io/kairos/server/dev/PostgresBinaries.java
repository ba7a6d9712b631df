package io.kairos.server.dev;

import io.kairos.server.cli.CannotRunException;

import java.util.List;
import java.util.Locale;

/**
 * The embedded PostgreSQL that dev mode unpacks: zonky's binaries artifacts put one postgres-OS-ARCH.txz per platform
 * on the classpath. The container image's jar leaves them all out, so dev mode checks first and fails with one line
 * instead of zonky's stack trace.
 */
public final class PostgresBinaries {
    private PostgresBinaries() {
    }

    /** Throws unless this jar carries binaries for this machine (on a platform zonky names differently, zonky decides). */
    public static void requirePresent() {
        List<String> candidates = resourceNames(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
        ClassLoader loader = PostgresBinaries.class.getClassLoader();
        if (!candidates.isEmpty() && candidates.stream().noneMatch(r -> loader.getResource(r) != null)) {
            throw new CannotRunException("dev mode needs the embedded PostgreSQL binaries (" + candidates.get(0)
                    + "), which this jar (the container image's) leaves out; run 'temporal-server start --config FILE' "
                    + "against your PostgreSQL");
        }
    }

    /**
     * zonky's resource names for a platform, preferred first, as its DefaultPostgresBinaryResolver spells them; empty
     * for a platform we do not know. An ARM Mac also runs the x86_64 binaries (under Rosetta), as zonky does.
     */
    static List<String> resourceNames(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String system = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "darwin"
                : os.startsWith("windows") ? "windows" : null;
        String arch = osArch.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "");
        String normalized = arch.matches("x8664|amd64|ia32e|em64t|x64") ? "x86_64"
                : arch.matches("(aarch64|armv8|arm64).*") ? "arm_64" : null;
        if (system == null || normalized == null) {
            return List.of();
        }
        String own = "postgres-" + system + "-" + normalized + ".txz";
        return system.equals("darwin") && normalized.equals("arm_64")
                ? List.of(own, "postgres-darwin-x86_64.txz") : List.of(own);
    }
}
