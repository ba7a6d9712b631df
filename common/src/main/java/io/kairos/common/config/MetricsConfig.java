package io.kairos.common.config;

import java.util.List;
import java.util.Map;

/**
 * The {@code metrics:} section beyond the port: how many values a high-cardinality tag may take.
 *
 * @param excludeTags    Temporal's {@code excludeTags}: for each tag name, the values still reported; every other
 *                       value is reported as {@code _tag_excluded_} (an empty list turns the tag off entirely)
 * @param tagValueLimit  Kairos's cap on the distinct values of {@code namespace}, {@code taskqueue} and
 *                       {@code workflowType}: values first seen after the cap is reached are reported as
 *                       {@code _tag_excluded_} (0: no cap)
 * @param enabled        false: the server records no meters at all (the port still answers the health checks), for
 *                       measuring what metrics cost
 */
public record MetricsConfig(Map<String, List<String>> excludeTags, int tagValueLimit, boolean enabled) {
    /** Per-namespace and per-task-queue series stay useful well past this; a runaway queue name generator does not. */
    public static final int DEFAULT_TAG_VALUE_LIMIT = 1000;
    public static final MetricsConfig DEFAULTS = new MetricsConfig(Map.of(), DEFAULT_TAG_VALUE_LIMIT);
    public static final MetricsConfig OFF = new MetricsConfig(Map.of(), DEFAULT_TAG_VALUE_LIMIT, false);

    public MetricsConfig(Map<String, List<String>> excludeTags, int tagValueLimit) {
        this(excludeTags, tagValueLimit, true);
    }

    public MetricsConfig {
        var copy = new java.util.LinkedHashMap<String, List<String>>();
        excludeTags.forEach((tag, kept) -> copy.put(tag, List.copyOf(kept)));
        excludeTags = java.util.Collections.unmodifiableMap(copy);
        if (tagValueLimit < 0) {
            throw new ConfigException("metrics.tagValueLimit must be >= 0, got " + tagValueLimit);
        }
    }
}
