package io.kairos.common.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A namespace a process running the frontend creates at start when it is missing; an existing one is left as it is,
 * so later changes through the API are not undone by a restart. {@link ConfigLoader} checks names and retentions.
 */
public record ConfiguredNamespace(String name, Duration retention) {
    /** Temporal's Helm chart creates its namespaces with three days. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(3);

    public ConfiguredNamespace {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(retention, "retention");
    }
}
