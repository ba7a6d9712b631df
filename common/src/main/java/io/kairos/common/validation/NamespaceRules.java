package io.kairos.common.validation;

import io.kairos.common.TemporalCompat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * What a new namespace may be called and how long it may keep closed workflows: one rule for RegisterNamespace and
 * for the namespaces the config file creates at start. Callers word the error for their audience.
 */
public final class NamespaceRules {
    public static final Duration MIN_RETENTION = Duration.ofHours(1);
    /** Temporal silently caps retention at 100 years. */
    public static final Duration MAX_RETENTION = Duration.ofDays(100L * 365);
    public static final String NAME_RULE = "use letters, digits, '.', '_' and '-', starting with a letter or digit";

    /**
     * Temporal accepts any string; we refuse names that break CLI flags, URLs and Web UI routes. Every name
     * Temporal's own tooling creates (temporal-system, default, my-app.prod) matches.
     */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private NamespaceRules() {
    }

    /** Longer than Temporal's limit.maxIDLength in UTF-8 bytes. */
    public static boolean tooLong(String name) {
        return name.getBytes(StandardCharsets.UTF_8).length > TemporalCompat.MAX_ID_LENGTH;
    }

    public static boolean validCharacters(String name) {
        return NAME.matcher(name).matches();
    }
}
