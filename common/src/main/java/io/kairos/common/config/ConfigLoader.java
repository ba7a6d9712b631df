package io.kairos.common.config;

import io.kairos.common.TemporalCompat;
import io.kairos.common.validation.NamespaceRules;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the production YAML config. String values may use ${VAR} or ${VAR:-default}; the database
 * credentials can also come from KAIROS_DB_* / KAIROS_VISIBILITY_DB_* environment variables, which win.
 * Unknown keys are errors so a typo never silently falls back to a default.
 */
public final class ConfigLoader {
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

    private final Function<String, String> env;

    public ConfigLoader(Function<String, String> env) {
        this.env = env;
    }

    public static ServerConfig load(Path file) {
        return new ConfigLoader(System::getenv).read(file);
    }

    public ServerConfig read(Path file) {
        return parse(text(file));
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
    }

    private Node top(String yamlText) {
        Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yamlText);
        return new Node("", root == null ? Map.of() : asMap("", root));
    }

    public ServerConfig parse(String yamlText) {
        Node top = top(yamlText);
        top.allow("persistence", "cluster", "services", "metrics", "namespaces", "tls", "authorization", "archival",
                "namespaceDefaults");

        Node persistence = top.child("persistence");
        persistence.allow("default", "visibility", "autoMigrate");
        DatabaseConfig temporalDb = database(persistence.child("default"), "KAIROS_DB_", null);
        DatabaseConfig visibilityDb = persistence.has("visibility")
                ? database(persistence.child("visibility"), "KAIROS_VISIBILITY_DB_", null)
                : database(persistence.child("visibility"), "KAIROS_VISIBILITY_DB_", temporalDb);
        boolean autoMigrate = persistence.bool("autoMigrate", false);

        Node cluster = top.child("cluster");
        cluster.allow("name", "historyShardCount", "membership");
        String clusterName = cluster.string("name", ServerConfig.DEFAULT_CLUSTER_NAME);
        int shards = cluster.integer("historyShardCount", 4);
        Node membership = cluster.child("membership");
        membership.allow("heartbeatInterval", "ttl");
        Duration heartbeat = membership.duration("heartbeatInterval", ServerConfig.DEFAULT_MEMBERSHIP_HEARTBEAT);
        Duration ttl = membership.duration("ttl", ServerConfig.DEFAULT_MEMBERSHIP_TTL);

        Node services = top.child("services");
        services.allow("frontend", "history", "matching", "worker");
        Map<ServiceRole, ServiceEndpoint> endpoints = new EnumMap<>(ServiceRole.class);
        for (ServiceRole role : ServiceRole.values()) {
            Node s = services.child(role.configName());
            s.allow("bindAddress", "port", "address");
            endpoints.put(role, new ServiceEndpoint(
                    s.string("bindAddress", "0.0.0.0"),
                    s.integer("port", ServerConfig.defaultPort(role)),
                    s.string("address", null)));
        }
        Node metrics = top.child("metrics");
        metrics.allow("port", "excludeTags", "tagValueLimit", "enabled");
        return new ServerConfig(temporalDb, visibilityDb, autoMigrate, clusterName, shards, endpoints,
                metrics.integer("port", 9090), ServerConfig.DEFAULT_NAMESPACE_REFRESH, heartbeat, ttl,
                namespaces(top), tls(top.child("tls")), authorization(top.child("authorization")), metrics(metrics),
                archival(top));
    }

    /** Temporal's archival (cluster) and namespaceDefaults.archival (new namespaces) sections. */
    private ArchivalConfig archival(Node top) {
        Node cluster = top.child("archival");
        cluster.allow("history", "visibility");
        Node defaults = top.child("namespaceDefaults");
        defaults.allow("archival");
        Node nsArchival = defaults.child("archival");
        nsArchival.allow("history", "visibility");
        return new ArchivalConfig(archivalKind(cluster.child("history"), nsArchival.child("history")),
                archivalKind(cluster.child("visibility"), nsArchival.child("visibility")));
    }

    private ArchivalConfig.Kind archivalKind(Node c, Node d) {
        c.allow("state", "enableRead", "provider");
        d.allow("state", "URI");
        boolean enabled = archivalState(c, "state");
        Node provider = c.child("provider");
        provider.allow("filestore", "s3store", "gstorage");
        if (provider.has("gstorage")) {
            throw new ConfigException(provider.key("gstorage") + " is not supported: use filestore or s3store");
        }
        java.util.Optional<ArchivalConfig.Filestore> file = java.util.Optional.empty();
        if (provider.values.containsKey("filestore")) {
            Node f = provider.child("filestore");
            f.allow("fileMode", "dirMode");
            file = java.util.Optional.of(new ArchivalConfig.Filestore(
                    octal(f, "fileMode", ArchivalConfig.Filestore.DEFAULTS.fileMode()),
                    octal(f, "dirMode", ArchivalConfig.Filestore.DEFAULTS.dirMode())));
        }
        java.util.Optional<ArchivalConfig.S3store> s3 = java.util.Optional.empty();
        if (provider.values.containsKey("s3store")) {
            Node s = provider.child("s3store");
            s.allow("region", "endpoint", "s3ForcePathStyle", "logLevel");
            String region = blankToNull(s.string("region", null));
            if (region == null) {
                throw new ConfigException(s.key("region") + " is required");
            }
            s3 = java.util.Optional.of(new ArchivalConfig.S3store(region, blankToNull(s.string("endpoint", null)),
                    s.bool("s3ForcePathStyle", false)));
        }
        boolean defaultState = archivalState(d, "state");
        String defaultUri = d.string("URI", "").trim();
        ArchivalConfig.Kind kind = new ArchivalConfig.Kind(enabled, c.bool("enableRead", false), file, s3,
                defaultState, defaultUri);
        if (enabled) {
            if (file.isEmpty() && s3.isEmpty()) {
                throw new ConfigException(c.key("provider") + " needs filestore or s3store when archival is enabled");
            }
            // Temporal refuses every RegisterNamespace without a default URI; say so at start instead.
            if (defaultUri.isEmpty()) {
                throw new ConfigException(d.key("URI") + " is required when " + c.key("state") + " is enabled");
            }
            int colon = defaultUri.indexOf("://");
            if (colon <= 0 || !kind.supportsScheme(defaultUri.substring(0, colon))) {
                throw new ConfigException(d.key("URI") + " '" + defaultUri + "' must use a configured provider "
                        + "(file:// for filestore, s3:// for s3store)");
            }
        }
        return kind;
    }

    /** "enabled" or "disabled" (also Temporal's "paused", which archives nothing here); absent is disabled. */
    private static boolean archivalState(Node n, String k) {
        String v = n.string(k, "disabled").trim().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "enabled" -> true;
            case "disabled", "paused", "" -> false;
            default -> throw new ConfigException(n.key(k) + " must be enabled or disabled, got '" + v + "'");
        };
    }

    private static int octal(Node n, String k, int def) {
        String v = n.string(k, null);
        if (v == null) {
            return def;
        }
        try {
            int mode = Integer.parseInt(v.trim(), 8);
            if (mode < 0 || mode > 0777) {
                throw new NumberFormatException(v);
            }
            return mode;
        } catch (NumberFormatException e) {
            throw new ConfigException(n.key(k) + " must be an octal permission such as 0666, got '" + v + "'");
        }
    }

    /** metrics.excludeTags (Temporal's: tag name -> the values kept), metrics.tagValueLimit and metrics.enabled. */
    private MetricsConfig metrics(Node n) {
        Map<String, List<String>> exclude = new java.util.LinkedHashMap<>();
        Node tags = n.child("excludeTags");
        for (String tag : tags.values.keySet()) {
            exclude.put(tag, tags.strings(tag));
        }
        return new MetricsConfig(exclude, n.integer("tagValueLimit", MetricsConfig.DEFAULT_TAG_VALUE_LIMIT),
                n.bool("enabled", true));
    }

    /** The sections of a config file the dev server takes: TLS, authorization and extra namespaces. */
    public record DevSections(TlsConfig tls, AuthorizationConfig authorization, List<ConfiguredNamespace> namespaces,
                              ArchivalConfig archival) {
        public DevSections(TlsConfig tls, AuthorizationConfig authorization, List<ConfiguredNamespace> namespaces) {
            this(tls, authorization, namespaces, ArchivalConfig.DISABLED);
        }
    }

    /**
     * Reads a file for {@code dev --config}: only tls, authorization, namespaces and archival, as in the production file; the
     * dev server owns persistence, ports and cluster settings, so those keys are refused rather than ignored.
     */
    public DevSections readDevSections(Path file) {
        Node top = top(text(file));
        top.allow("tls", "authorization", "namespaces", "archival", "namespaceDefaults");
        return new DevSections(tls(top.child("tls")), authorization(top.child("authorization")), namespaces(top),
                archival(top));
    }

    /** Temporal's global.tls keys (without per-host overrides, system worker or remote clusters). */
    private TlsConfig tls(Node n) {
        n.allow("frontend", "internode", "refreshInterval");
        TlsConfig.Group frontend = tlsGroup(n.child("frontend"));
        TlsConfig.Group internode = tlsGroup(n.child("internode"));
        return new TlsConfig(frontend, internode, n.duration("refreshInterval", TlsConfig.DEFAULT_REFRESH_INTERVAL));
    }

    private TlsConfig.Group tlsGroup(Node n) {
        n.allow("server", "client");
        Node s = n.child("server");
        s.allow("certFile", "keyFile", "certData", "keyData", "requireClientAuth", "clientCaFiles", "clientCaData");
        String certFile = oneOf(s, "certFile", "certData");
        String keyFile = oneOf(s, "keyFile", "keyData");
        List<String> clientCaFiles = s.strings("clientCaFiles");
        List<String> clientCaData = base64List(s, "clientCaData");
        if (!clientCaFiles.isEmpty() && !clientCaData.isEmpty()) {
            throw new ConfigException(s.path + ": give clientCaFiles or clientCaData, not both");
        }
        TlsConfig.Server server = new TlsConfig.Server(certFile, keyFile, base64(s, "certData"), base64(s, "keyData"),
                s.bool("requireClientAuth", false), clientCaFiles, clientCaData);
        boolean hasCert = server.enabled();
        boolean hasKey = keyFile != null || server.keyData() != null;
        if (hasCert != hasKey) {
            throw new ConfigException(hasCert ? s.key("keyFile") + " (or keyData) is required with a certificate"
                    : s.key("certFile") + " (or certData) is required with a key");
        }
        if (!hasCert && (server.requireClientAuth() || !clientCaFiles.isEmpty() || !clientCaData.isEmpty())) {
            throw new ConfigException(s.key("certFile") + " (or certData) is required: client authentication needs "
                    + "a TLS listener");
        }
        if (server.requireClientAuth() && clientCaFiles.isEmpty() && clientCaData.isEmpty()) {
            throw new ConfigException(s.key("requireClientAuth") + " needs clientCaFiles (or clientCaData): the CAs "
                    + "client certificates must chain to");
        }
        Node c = n.child("client");
        c.allow("serverName", "rootCaFiles", "rootCaData", "disableHostVerification", "forceTLS");
        List<String> rootCaFiles = c.strings("rootCaFiles");
        List<String> rootCaData = base64List(c, "rootCaData");
        if (!rootCaFiles.isEmpty() && !rootCaData.isEmpty()) {
            throw new ConfigException(c.path + ": give rootCaFiles or rootCaData, not both");
        }
        TlsConfig.Client client = new TlsConfig.Client(blankToNull(c.string("serverName", null)), rootCaFiles,
                rootCaData, c.bool("disableHostVerification", false), c.bool("forceTLS", false));
        TlsConfig.Group group = new TlsConfig.Group(n.path, server, client);
        if (!group.clientEnabled() && (client.serverName() != null || client.disableHostVerification())) {
            throw new ConfigException(c.path + " has no effect without TLS: set " + s.key("certFile")
                    + ", rootCaFiles or forceTLS");
        }
        return group;
    }

    /** The file key's value, refusing a file and inline data for the same thing (as Temporal does). */
    private static String oneOf(Node n, String fileKey, String dataKey) {
        String file = blankToNull(n.string(fileKey, null));
        if (file != null && n.has(dataKey)) {
            throw new ConfigException(n.path + ": give " + fileKey + " or " + dataKey + ", not both");
        }
        return file;
    }

    private static String base64(Node n, String k) {
        String v = blankToNull(n.string(k, null));
        if (v != null) {
            checkBase64(n.key(k), v);
        }
        return v;
    }

    private static List<String> base64List(Node n, String k) {
        List<String> values = n.strings(k);
        for (int i = 0; i < values.size(); i++) {
            checkBase64(n.key(k) + "[" + i + "]", values.get(i));
        }
        return values;
    }

    private static void checkBase64(String key, String value) {
        try {
            TlsConfig.decode(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + " must be base64-encoded PEM: " + e.getMessage());
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** Temporal's global.authorization, same keys; an absent section means no authorization. */
    private AuthorizationConfig authorization(Node n) {
        n.allow("jwtKeyProvider", "permissionsClaimName", "permissionsRegex", "audience", "authorizer", "claimMapper",
                "authHeaderName", "authExtraHeaderName");
        Node keys = n.child("jwtKeyProvider");
        keys.allow("keySourceURIs", "refreshInterval");
        return new AuthorizationConfig(keys.strings("keySourceURIs"),
                keys.duration("refreshInterval", AuthorizationConfig.DEFAULT_REFRESH_INTERVAL),
                n.string("permissionsClaimName", null), n.string("permissionsRegex", null), n.string("audience", null),
                n.string("authorizer", ""), n.string("claimMapper", ""), n.string("authHeaderName", null),
                n.string("authExtraHeaderName", null));
    }

    /** Each entry must be a namespace RegisterNamespace would accept, so the API can update it later. */
    private List<ConfiguredNamespace> namespaces(Node top) {
        List<ConfiguredNamespace> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Node n : top.list("namespaces")) {
            n.allow("name", "retention");
            String name = n.string("name", "");
            String nameKey = n.key("name");
            if (name.isEmpty()) {
                throw new ConfigException(nameKey + " is required");
            }
            if (NamespaceRules.tooLong(name)) {
                throw new ConfigException(nameKey + " must be at most " + TemporalCompat.MAX_ID_LENGTH + " bytes long");
            }
            if (!NamespaceRules.validCharacters(name)) {
                throw new ConfigException(nameKey + " '" + name + "' has invalid characters: " + NamespaceRules.NAME_RULE);
            }
            if (!seen.add(name)) {
                throw new ConfigException(nameKey + " '" + name + "' is listed twice");
            }
            Duration retention = n.duration("retention", ConfiguredNamespace.DEFAULT_RETENTION);
            if (retention.compareTo(NamespaceRules.MIN_RETENTION) < 0
                    || retention.compareTo(NamespaceRules.MAX_RETENTION) > 0) {
                throw new ConfigException(n.key("retention") + " must be between 1h and 36500d (as for RegisterNamespace), "
                        + "got '" + n.values.get("retention") + "'");
            }
            out.add(new ConfiguredNamespace(name, retention));
        }
        return out;
    }

    /**
     * With {@code derivedFrom} set (no visibility section), the database is the default one's server, user and
     * password with the database name swapped to temporal_visibility.
     */
    private DatabaseConfig database(Node n, String envPrefix, DatabaseConfig derivedFrom) {
        n.allow("url", "user", "password", "maxConnections", "maxIdleConnections", "maxConnectionLifetime");
        String url = firstNonNull(env.apply(envPrefix + "URL"),
                derivedFrom != null ? withDatabase(derivedFrom.url(), "temporal_visibility") : n.string("url", null));
        if (url == null) {
            throw new ConfigException(n.path + ".url is required (or set " + envPrefix + "URL)");
        }
        String user = firstNonNull(env.apply(envPrefix + "USER"),
                derivedFrom != null ? derivedFrom.user() : n.string("user", null));
        String password = firstNonNull(env.apply(envPrefix + "PASSWORD"),
                derivedFrom != null ? derivedFrom.password() : n.string("password", null));
        int max = n.integer("maxConnections", derivedFrom != null ? derivedFrom.maxConnections() : 20);
        int idle = n.integer("maxIdleConnections",
                derivedFrom != null ? derivedFrom.maxIdleConnections() : DatabaseConfig.defaultMaxIdle(max));
        Duration lifetime = n.duration("maxConnectionLifetime",
                derivedFrom != null ? derivedFrom.maxConnectionLifetime() : DatabaseConfig.DEFAULT_MAX_CONNECTION_LIFETIME);
        try {
            return new DatabaseConfig(url, user, password, max, idle, lifetime);
        } catch (ConfigException e) {
            throw new ConfigException(n.path + "." + e.getMessage());
        }
    }

    private static final Pattern PG_URL = Pattern.compile("(jdbc:postgresql:(?://[^/?]*)?)(/?)([^?]*)(\\?.*)?");

    /** Replaces the database of a pgJDBC URL (jdbc:postgresql://host[:port][/db][?params] or jdbc:postgresql:db). */
    static String withDatabase(String url, String database) {
        Matcher m = PG_URL.matcher(url);
        if (!m.matches()) {
            throw new ConfigException("cannot derive the visibility database from '" + url
                    + "': give persistence.visibility.url");
        }
        boolean hostForm = m.group(1).contains("//");
        String params = m.group(4) == null ? "" : m.group(4);
        return m.group(1) + (hostForm ? "/" : "") + database + params;
    }

    private static String firstNonNull(String a, String b) {
        return a != null && !a.isEmpty() ? a : b;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(String path, Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new ConfigException((path.isEmpty() ? "config" : path) + " must be a mapping");
        }
        return (Map<String, Object>) m;
    }

    String substitute(String value) {
        Matcher m = ENV_REF.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = env.apply(m.group(1));
            if (v == null) {
                if (m.group(2) == null) {
                    throw new ConfigException("environment variable " + m.group(1) + " is not set");
                }
                v = m.group(3);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private final class Node {
        final String path;
        final Map<String, Object> values;

        Node(String path, Map<String, Object> values) {
            this.path = path;
            this.values = new LinkedHashMap<>(values);
        }

        void allow(String... keys) {
            Set<String> ok = Set.of(keys);
            for (String k : values.keySet()) {
                if (!ok.contains(k)) {
                    throw new ConfigException("unknown config key " + key(k) + " (allowed: " + String.join(", ", keys) + ")");
                }
            }
        }

        boolean has(String k) {
            return values.get(k) != null;
        }

        /** A list of mappings; entries are named like namespaces[0]. */
        List<Node> list(String k) {
            Object v = values.get(k);
            if (v == null) {
                return List.of();
            }
            if (!(v instanceof List<?> items)) {
                throw new ConfigException(key(k) + " must be a list");
            }
            List<Node> out = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                String p = key(k) + "[" + i + "]";
                out.add(new Node(p, items.get(i) == null ? Map.of() : asMap(p, items.get(i))));
            }
            return out;
        }

        /** A list of non-empty strings (a single string is a list of one). */
        List<String> strings(String k) {
            Object v = values.get(k);
            if (v == null) {
                return List.of();
            }
            List<?> items = v instanceof List<?> l ? l : List.of(v);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                Object item = items.get(i);
                if (item instanceof Map<?, ?> || item instanceof List<?>) {
                    throw new ConfigException(key(k) + "[" + i + "] must be a string");
                }
                String s = item == null ? "" : substitute(String.valueOf(item)).trim();
                if (s.isEmpty()) {
                    throw new ConfigException(key(k) + "[" + i + "] must not be empty");
                }
                out.add(s);
            }
            return out;
        }

        Node child(String k) {
            Object v = values.get(k);
            return new Node(key(k), v == null ? Map.of() : asMap(key(k), v));
        }

        String string(String k, String def) {
            Object v = values.get(k);
            return v == null ? def : substitute(String.valueOf(v));
        }

        int integer(String k, int def) {
            Object v = values.get(k);
            if (v == null) {
                return def;
            }
            String text = v instanceof Number ? v.toString() : substitute(v.toString()).trim();
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new ConfigException(key(k) + " must be a whole number within range, got '" + v + "'");
            }
        }

        /** "0", "500ms", "5s", "2m", "1h", "3d" or ISO-8601 ("PT5S", "P3D"). */
        Duration duration(String k, Duration def) {
            Object v = values.get(k);
            if (v == null) {
                return def;
            }
            String text = substitute(v.toString()).trim().toLowerCase(java.util.Locale.ROOT);
            try {
                if (text.equals("0")) {
                    return Duration.ZERO;
                }
                if (text.startsWith("p")) {
                    return Duration.parse(text.toUpperCase(java.util.Locale.ROOT));
                }
                if (text.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2).trim()));
                }
                long n = Long.parseLong(text.substring(0, text.length() - 1).trim());
                return switch (text.charAt(text.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    case 'd' -> Duration.ofDays(n);
                    default -> throw new NumberFormatException(text);
                };
            } catch (RuntimeException e) {
                throw new ConfigException(key(k) + " must be a duration such as 500ms, 5s, 2m, 1h or 3d, got '" + v + "'");
            }
        }

        boolean bool(String k, boolean def) {
            Object v = values.get(k);
            if (v == null) {
                return def;
            }
            if (v instanceof Boolean b) {
                return b;
            }
            String s = substitute(v.toString()).trim();
            if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(s);
            }
            throw new ConfigException(key(k) + " must be true or false, got '" + v + "'");
        }

        String key(String k) {
            return path.isEmpty() ? k : path + "." + k;
        }
    }
}
