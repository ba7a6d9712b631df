package io.kairos.server.metrics;

import io.kairos.common.config.MetricsConfig;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the series a tag can create. Temporal's {@code excludeTags} keeps only the listed values of a tag; the
 * value limit stops {@code namespace}, {@code taskqueue} and {@code workflowType} at a number of distinct values.
 * Both report the rest as {@code _tag_excluded_}, Temporal's placeholder, so totals stay right. Applied when a meter
 * is registered (Micrometer caches meters by their original id), so it costs nothing per increment.
 */
public final class TagLimits implements MeterFilter {
    public static final String EXCLUDED = "_tag_excluded_";
    static final Set<String> CAPPED = Set.of("namespace", "taskqueue", "workflowType");

    private final Map<String, Set<String>> kept;
    private final int limit;
    private final Map<String, Set<String>> seen = new ConcurrentHashMap<>();

    public TagLimits(MetricsConfig config) {
        Map<String, Set<String>> k = new java.util.HashMap<>();
        config.excludeTags().forEach((tag, values) -> k.put(tag, Set.copyOf(values)));
        this.kept = Map.copyOf(k);
        this.limit = config.tagValueLimit();
    }

    @Override
    public Meter.Id map(Meter.Id id) {
        List<Tag> tags = null;
        List<Tag> original = id.getTags();
        for (int i = 0; i < original.size(); i++) {
            Tag t = original.get(i);
            String value = limited(t.getKey(), t.getValue());
            if (!value.equals(t.getValue())) {
                if (tags == null) {
                    tags = new ArrayList<>(original);
                }
                tags.set(i, Tag.of(t.getKey(), value));
            }
        }
        return tags == null ? id : id.replaceTags(tags);
    }

    private String limited(String key, String value) {
        Set<String> allowed = kept.get(key);
        if (allowed != null && !allowed.contains(value)) {
            return EXCLUDED;
        }
        if (limit == 0 || !CAPPED.contains(key)) {
            return value;
        }
        Set<String> values = seen.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet());
        if (values.contains(value)) {
            return value;
        }
        synchronized (values) {
            if (values.size() < limit) {
                values.add(value);
                return value;
            }
        }
        return values.contains(value) ? value : EXCLUDED;
    }
}
