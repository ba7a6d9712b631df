package io.kairos.e2e.deploy;

import io.kairos.e2e.ServerProcess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * docker/Dockerfile, checked without Docker: its jlink'ed runtime runs the jar it copies, through its ENTRYPOINT,
 * with only the environment the image sets (none). ChartBootTest runs whole pods the same way.
 */
class ContainerImageTest {

    @Test
    void dockerfileShapes() throws IOException {
        ContainerImage image = ContainerImage.get();
        assertTrue(image.runtimeBase.startsWith("gcr.io/distroless/"), "no shell or package manager at run time: "
                + image.runtimeBase);
        assertEquals("1000:1000", image.user);
        assertEquals(List.of(ContainerImage.JAVA_DIR + "/bin/java"), image.entrypoint.subList(0, 1));
        assertEquals(List.of("-jar", ContainerImage.JAR), image.entrypoint.subList(image.entrypoint.size() - 2,
                image.entrypoint.size()));
        assertTrue(image.entrypoint.contains("-Djava.io.tmpdir=/tmp"), "temporary files go to the /tmp emptyDir");
        assertTrue(image.entrypoint.contains("-XX:-UsePerfData"), "no hsperfdata files");
        try (ZipFile jar = new ZipFile(image.jar().toFile())) {
            List<String> names = jar.stream().map(e -> e.getName()).toList();
            assertFalse(names.stream().anyMatch(n -> n.startsWith("postgres-") && n.endsWith(".txz")),
                    "the image's jar carries no embedded PostgreSQL");
            assertFalse(names.stream().anyMatch(n -> n.startsWith("META-INF/native/") && (n.contains("windows")
                    || n.contains("osx"))), "no Windows or macOS natives");
            assertTrue(names.contains("META-INF/native/libio_grpc_netty_shaded_netty_transport_native_epoll_x86_64.so"));
        }
    }

    @Test
    void entrypointRunsTheServerOnTheImagesRuntime() throws IOException {
        ContainerImage image = ContainerImage.get();
        try (ServerProcess help = ServerProcess.exec("image-help", image.command(image.cmd, Map.of()), Map.of(), true)) {
            assertEquals(0, help.waitForExit(Duration.ofSeconds(60)), help::stderr);
            assertTrue(help.stdout().stream().anyMatch(l -> l.startsWith("Usage: temporal-server")), () -> help.stdout().toString());
        }
        long runtime = size(image.runtime());
        long jar = Files.size(image.jar());
        System.out.printf("image contents: java runtime %.1f MB, server jar %.1f MB (plus the distroless base)%n",
                runtime / 1e6, jar / 1e6);
        assertTrue(runtime + jar < 160_000_000L, "runtime and jar stay under 160 MB, are " + (runtime + jar));
    }

    /** The image's AOT cache, made by the Dockerfile's training run, is the one its ENTRYPOINT opens and uses. */
    @Test
    void entrypointStartsFromTheImagesAotCache() throws IOException {
        assumeTrue(ContainerImage.aotSupported(), "the image's AOT cache needs JDK 25, as its runtime");
        ContainerImage image = ContainerImage.get();
        assertTrue(image.entrypoint.contains("-XX:AOTCache=" + ContainerImage.AOT_CACHE), image.entrypoint::toString);
        List<String> cmd = new java.util.ArrayList<>(image.command(image.cmd, Map.of()));
        cmd.add(1, "-Xlog:aot=warning,class+load=info"); // after the java binary: which classes came from the cache
        try (ServerProcess help = ServerProcess.exec("image-aot", cmd, Map.of(), true)) {
            assertEquals(0, help.waitForExit(Duration.ofSeconds(60)), help::stderr);
            List<String> out = help.stdout();
            assertFalse(out.stream().anyMatch(l -> l.contains("[aot]")), () -> "the cache was refused: "
                    + out.stream().filter(l -> l.contains("[aot]")).toList());
            long fromCache = out.stream().filter(l -> l.contains(" io.kairos.") && l.contains("source: shared objects file"))
                    .count();
            long kairos = out.stream().filter(l -> l.contains("[class,load] io.kairos.")).count();
            System.out.printf("image AOT cache: %.1f MB; %d of %d Kairos classes of `--help` loaded from it%n",
                    Files.size(image.aotCache()) / 1e6, fromCache, kairos);
            assertTrue(kairos > 0 && fromCache == kairos, fromCache + " of " + kairos + " Kairos classes from the cache");
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
