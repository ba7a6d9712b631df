package io.kairos.e2e.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The chart in helm/temporal rendered by Helm itself (helm-java) as release "temporal" in namespace "temporal".
 * A plain render leaves hook resources out, so {@link #render} works on a copy whose one hook file
 * (templates/_hooks.tpl) writes its annotations under {@value #HOOK_PREFIX} instead: the hooks then come out as
 * ordinary documents and a test can still read every hook annotation.
 */
final class Chart {
    static final String RELEASE = "temporal";
    static final String NAMESPACE = "temporal";
    static final String KUBE_VERSION = "v1.31.0";
    static final String HOOK_PREFIX = "test.kairos.io/hook";

    private static final YAMLMapper YAML = new YAMLMapper();
    private static Path hookVisibleCopy;

    private Chart() {
    }

    static Path dir() {
        Path p = Path.of(System.getProperty("kairos.chartDir", "../helm/temporal")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p.resolve("Chart.yaml"))) {
            throw new IllegalStateException("no chart at " + p);
        }
        return p;
    }

    static Path profile(String name) {
        return Path.of("src/test/resources/chart-profiles", name + ".yaml").toAbsolutePath();
    }

    /** Renders with these values files (in order) and --set pairs; throws with Helm's message if it fails. */
    static Rendered render(List<Path> valuesFiles, Map<String, Object> set) {
        return new Rendered(split(template(hookVisibleCopy(), valuesFiles, set)));
    }

    static Rendered render(String... profiles) {
        return render(Stream.of(profiles).map(Chart::profile).toList(), Map.of());
    }

    /** What `helm template` prints for the real chart (hooks left out, as Helm does). */
    static Rendered renderWithoutHooks(List<Path> valuesFiles, Map<String, Object> set) {
        return new Rendered(split(template(dir(), valuesFiles, set)));
    }

    private static String template(Path chart, List<Path> valuesFiles, Map<String, Object> set) {
        TemplateCommand t = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        valuesFiles.forEach(t::withValuesFile);
        set.forEach(t::set);
        return t.call();
    }

    private static synchronized Path hookVisibleCopy() {
        if (hookVisibleCopy != null) {
            return hookVisibleCopy;
        }
        try {
            Path src = dir();
            Path copy = Files.createTempDirectory("chart-with-hooks").resolve("temporal");
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
                    Path to = copy.resolve(src.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(f, to);
                    }
                }
            }
            Path hooks = copy.resolve("templates/_hooks.tpl");
            String text = Files.readString(hooks);
            if (!text.contains("helm.sh/hook")) {
                throw new IllegalStateException("templates/_hooks.tpl writes no helm.sh/hook annotation any more");
            }
            Files.writeString(hooks, text.replace("helm.sh/hook", HOOK_PREFIX));
            hookVisibleCopy = copy;
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Doc> split(String manifest) {
        List<Doc> docs = new ArrayList<>();
        for (String part : manifest.split("(?m)^---\\s*$")) {
            String source = part.lines().filter(l -> l.startsWith("# Source: ")).findFirst()
                    .map(l -> l.substring("# Source: ".length())).orElse("?");
            try {
                JsonNode node = YAML.readTree(part);
                if (node != null && !node.isMissingNode() && !node.isNull() && node.size() > 0) {
                    docs.add(new Doc(source, part, node));
                }
            } catch (IOException e) {
                throw new AssertionError(source + " is not YAML: " + e.getMessage() + "\n" + part, e);
            }
        }
        return docs;
    }

    /** One rendered document: its template, its text and its tree. */
    record Doc(String source, String text, JsonNode node) {
        String kind() {
            return node.path("kind").asText();
        }

        String name() {
            return node.path("metadata").path("name").asText();
        }

        /** The helm.sh/hook* annotations (as the chart writes them), or an empty map for an ordinary resource. */
        Map<String, String> hook() {
            Map<String, String> m = new LinkedHashMap<>();
            node.path("metadata").path("annotations").properties().forEach(e -> {
                if (e.getKey().startsWith(HOOK_PREFIX)) {
                    m.put("helm.sh/hook" + e.getKey().substring(HOOK_PREFIX.length()), e.getValue().asText());
                }
            });
            return m;
        }
    }

    /** All documents of one render. */
    record Rendered(List<Doc> docs) {
        List<Doc> kind(String kind) {
            return docs.stream().filter(d -> d.kind().equals(kind)).toList();
        }

        Doc get(String kind, String name) {
            return docs.stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " among " + names()));
        }

        boolean has(String kind, String name) {
            return docs.stream().anyMatch(d -> d.kind().equals(kind) && d.name().equals(name));
        }

        List<String> names() {
            return docs.stream().map(d -> d.kind() + "/" + d.name()).toList();
        }
    }
}
