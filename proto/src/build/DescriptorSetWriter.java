import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;

import java.io.OutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Build-time tool: writes a FileDescriptorSet of every Temporal API .proto file compiled into
 * temporal-serviceclient, so protoc can resolve imports of Temporal messages via --descriptor_set_in
 * without any copied .proto source. Run as a single-file program: java -cp CLASSPATH DescriptorSetWriter.java OUT
 */
public class DescriptorSetWriter {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Class<?> anchor = Class.forName("io.temporal.api.workflowservice.v1.WorkflowServiceGrpc");
        Path jar = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, FileDescriptor> ordered = new LinkedHashMap<>();
        try (JarFile jf = new JarFile(jar.toFile())) {
            List<String> classes = new ArrayList<>();
            for (JarEntry e : java.util.Collections.list(jf.entries())) {
                String n = e.getName();
                if (n.startsWith("io/temporal/api/") && n.endsWith(".class") && !n.contains("$")) {
                    classes.add(n.substring(0, n.length() - 6).replace('/', '.'));
                }
            }
            ClassLoader cl = DescriptorSetWriter.class.getClassLoader();
            for (String name : classes) {
                Class<?> c = Class.forName(name, false, cl);
                Method m;
                try {
                    m = c.getMethod("getDescriptor");
                } catch (NoSuchMethodException ex) {
                    continue;
                }
                if (Modifier.isStatic(m.getModifiers()) && m.getReturnType() == FileDescriptor.class) {
                    add((FileDescriptor) m.invoke(null), ordered);
                }
            }
        }
        FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
        ordered.values().forEach(fd -> set.addFile(fd.toProto()));
        Files.createDirectories(out.toAbsolutePath().getParent());
        try (OutputStream os = Files.newOutputStream(out)) {
            set.build().writeTo(os);
        }
        System.out.println("descriptor set: " + ordered.size() + " files from " + jar.getFileName() + " -> " + out);
    }

    /** Dependencies first, so the set is in import order. */
    private static void add(FileDescriptor fd, Map<String, FileDescriptor> ordered) {
        if (ordered.containsKey(fd.getName())) {
            return;
        }
        for (FileDescriptor dep : fd.getDependencies()) {
            add(dep, ordered);
        }
        ordered.put(fd.getName(), fd);
    }
}
