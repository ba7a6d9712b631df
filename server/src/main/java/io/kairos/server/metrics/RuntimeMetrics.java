package io.kairos.server.metrics;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Temporal's process metrics ({@code restarts}, {@code num_goroutines}, {@code memory_*}, {@code memory_gc_pause_ms})
 * with the JVM's nearest equivalents, so the server dashboard's runtime panels show this process: threads for
 * goroutines, used heap for allocated/heap memory, committed non-heap for the stack row (the JVM reports no thread
 * stack total), collections for {@code memory_num_gc} (a counter here) and each collection's pause. The JVM's own
 * names (jvm_memory_used_bytes, jvm_gc_pause_seconds, ...) are exported as well.
 */
public final class RuntimeMetrics implements AutoCloseable {
    private final List<Runnable> unsubscribe = new ArrayList<>();

    public RuntimeMetrics(MeterRegistry registry) {
        Counter.builder("restarts").description("Process starts").register(registry).increment();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Gauge.builder("num_goroutines", ManagementFactory.getThreadMXBean(), t -> t.getThreadCount())
                .description("Live threads (Temporal: goroutines)").register(registry);
        Gauge.builder("gomaxprocs", Runtime.getRuntime(), Runtime::availableProcessors).register(registry);
        Gauge.builder("memory_allocated", memory, m -> m.getHeapMemoryUsage().getUsed()).register(registry);
        Gauge.builder("memory_heap", memory, m -> m.getHeapMemoryUsage().getUsed()).register(registry);
        Gauge.builder("memory_heapinuse", memory, m -> m.getHeapMemoryUsage().getCommitted()).register(registry);
        Gauge.builder("memory_stack", memory, m -> m.getNonHeapMemoryUsage().getCommitted())
                .description("Committed non-heap memory (the JVM has no thread-stack total)").register(registry);
        Counter collections = Counter.builder("memory_num_gc").description("Garbage collections").register(registry);
        Timer pauses = Timer.builder("memory_gc_pause_ms").description("Garbage collection pauses").register(registry);
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!(gc instanceof NotificationEmitter emitter)) {
                continue;
            }
            NotificationListener listener = (n, handback) -> {
                if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                    return;
                }
                var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                collections.increment();
                // concurrent cycles run beside the application; only stop-the-world work is a pause
                if (!info.getGcCause().equals("No GC") && !info.getGcName().contains("Concurrent")
                        && !info.getGcName().contains("Cycles")) {
                    pauses.record(Duration.ofMillis(info.getGcInfo().getDuration()));
                }
            };
            emitter.addNotificationListener(listener, null, null);
            unsubscribe.add(() -> {
                try {
                    emitter.removeNotificationListener(listener);
                } catch (javax.management.ListenerNotFoundException ignored) {
                    // already gone
                }
            });
        }
    }

    @Override
    public void close() {
        unsubscribe.forEach(Runnable::run);
    }
}
