package io.kairos.common.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code authorization:} section, Temporal's {@code global.authorization}: who may call which frontend API, from a
 * JWT in the {@code authorization} header. {@link #NONE} (the section absent) lets every caller do everything.
 *
 * @param keySourceUris     JWKS documents (http, https or file URIs) with the keys that sign tokens
 * @param refreshInterval   how often the keys are fetched again; zero turns the periodic refresh off
 * @param permissionsRegex  null, or a pattern with the named groups {@code namespace} and {@code role}
 * @param audience          null, or the {@code aud} every token must carry
 * @param authorizer        "" (everything allowed) or "default" (Temporal's default authorizer)
 * @param claimMapper       "" (every caller is system admin) or "default" (Temporal's JWT claim mapper)
 */
public record AuthorizationConfig(
        List<String> keySourceUris,
        Duration refreshInterval,
        String permissionsClaimName,
        String permissionsRegex,
        String audience,
        String authorizer,
        String claimMapper,
        String authHeaderName,
        String authExtraHeaderName) {

    public static final String DEFAULT = "default";
    public static final String DEFAULT_PERMISSIONS_CLAIM = "permissions";
    public static final String DEFAULT_AUTH_HEADER = "authorization";
    public static final String DEFAULT_AUTH_EXTRA_HEADER = "authorization-extras";
    /** Temporal's zero value never refreshes; a minute picks up a rotated key without waiting for an unknown kid. */
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofMinutes(1);

    public static final AuthorizationConfig NONE = new AuthorizationConfig(List.of(), DEFAULT_REFRESH_INTERVAL,
            DEFAULT_PERMISSIONS_CLAIM, null, null, "", "", DEFAULT_AUTH_HEADER, DEFAULT_AUTH_EXTRA_HEADER);

    public AuthorizationConfig {
        keySourceUris = List.copyOf(keySourceUris);
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        if (refreshInterval.isNegative()) {
            throw new ConfigException("authorization.jwtKeyProvider.refreshInterval must not be negative");
        }
        permissionsClaimName = blankTo(permissionsClaimName, DEFAULT_PERMISSIONS_CLAIM);
        permissionsRegex = blankTo(permissionsRegex, null);
        audience = blankTo(audience, null);
        authorizer = choice("authorizer", authorizer);
        claimMapper = choice("claimMapper", claimMapper);
        authHeaderName = blankTo(authHeaderName, DEFAULT_AUTH_HEADER);
        authExtraHeaderName = blankTo(authExtraHeaderName, DEFAULT_AUTH_EXTRA_HEADER);
        checkHeaderName("authHeaderName", authHeaderName);
        checkHeaderName("authExtraHeaderName", authExtraHeaderName);
        if (permissionsRegex != null) {
            checkRegex(permissionsRegex);
        }
        // With Temporal's no-op claim mapper every caller is system admin: "authorizer: default" alone secures nothing.
        if (authorizer.equals(DEFAULT) && !claimMapper.equals(DEFAULT)) {
            throw new ConfigException("authorization.authorizer: default needs authorization.claimMapper: default "
                    + "(without a claim mapper every caller is system admin)");
        }
        if (claimMapper.equals(DEFAULT) && keySourceUris.stream().allMatch(String::isBlank)) {
            throw new ConfigException("authorization.claimMapper: default needs authorization.jwtKeyProvider.keySourceURIs");
        }
    }

    /** True when the frontend checks tokens at all (Temporal builds its interceptor whenever either is set). */
    public boolean enabled() {
        return authorizer.equals(DEFAULT) || claimMapper.equals(DEFAULT);
    }

    /**
     * The regex as Java compiles it: Temporal's (Go's) {@code (?P<name>...)} groups are written {@code (?<name>...)}.
     */
    public static Pattern compilePermissionsRegex(String regex) {
        return Pattern.compile(regex.replace("(?P<", "(?<"));
    }

    private static void checkRegex(String regex) {
        Pattern p;
        try {
            p = compilePermissionsRegex(regex);
        } catch (PatternSyntaxException e) {
            throw new ConfigException("authorization.permissionsRegex is not a valid regular expression: "
                    + e.getDescription());
        }
        // Temporal ignores such a regex with a warning; a silent change of what a permission means is refused here.
        if (!p.namedGroups().containsKey("namespace") || !p.namedGroups().containsKey("role")) {
            throw new ConfigException("authorization.permissionsRegex must have the named groups 'namespace' and 'role'");
        }
    }

    /** A gRPC metadata key for a text value: lower-case token characters, not a binary ("-bin") key. */
    private static void checkHeaderName(String key, String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (!lower.matches("[a-z0-9_.-]+") || lower.endsWith("-bin") || lower.startsWith("grpc-")) {
            throw new ConfigException("authorization." + key + " must be a gRPC header name (letters, digits, '-', '_', "
                    + "'.'; not grpc-* or *-bin), got '" + name + "'");
        }
    }

    private static String choice(String key, String value) {
        String v = value == null ? "" : value.trim().toLowerCase(java.util.Locale.ROOT);
        if (!v.isEmpty() && !v.equals(DEFAULT)) {
            throw new ConfigException("authorization." + key + " must be 'default' or empty, got '" + value + "'");
        }
        return v;
    }

    private static String blankTo(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
