package io.kairos.common.config;

import java.time.Duration;
import java.util.List;

/**
 * The {@code tls:} section, shaped like Temporal's {@code global.tls}: {@code frontend} is what SDK clients meet on
 * :7233, {@code internode} what the services present and check among themselves. Only the shape is checked here;
 * the files are read (and their absence reported) when a server starts, so {@code schema} and {@code cluster}
 * commands work on a machine without the certificates.
 */
public record TlsConfig(Group frontend, Group internode, Duration refreshInterval) {
    /** Temporal never re-reads by default; cert-manager rotates files in place, so Kairos checks every minute. */
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofMinutes(1);
    public static final TlsConfig NONE = new TlsConfig(Group.NONE, Group.NONE, DEFAULT_REFRESH_INTERVAL);

    public TlsConfig {
        if (refreshInterval.isNegative()) {
            throw new ConfigException("tls.refreshInterval must not be negative, got " + refreshInterval);
        }
    }

    /** Inline PEM data (certData, keyData, ...): base64, line breaks allowed; anything else is refused. */
    public static byte[] decode(String base64) {
        return java.util.Base64.getDecoder().decode(base64.replaceAll("\\s", ""));
    }

    /** A listener's and its clients' settings; {@code name} is the key path for messages, e.g. tls.internode. */
    public record Group(String name, Server server, Client client) {
        public static final Group NONE = new Group("", Server.NONE, Client.NONE);

        /** This side serves TLS. */
        public boolean serverEnabled() {
            return server.enabled();
        }

        /**
         * Dialing this side uses TLS: it serves TLS, or the client section names CAs or forces TLS (Temporal enables
         * the client only for the latter two, which leaves a TLS server's own peers dialing in plaintext).
         */
        public boolean clientEnabled() {
            return server.enabled() || client.rootCaFiles().size() + client.rootCaData().size() > 0 || client.forceTls();
        }
    }

    /**
     * What a listener presents (cert and key, each a file or inline base64 PEM) and, with requireClientAuth, the CAs a
     * client certificate must chain to.
     */
    public record Server(String certFile, String keyFile, String certData, String keyData, boolean requireClientAuth,
                         List<String> clientCaFiles, List<String> clientCaData) {
        public static final Server NONE = new Server(null, null, null, null, false, List.of(), List.of());

        public Server {
            clientCaFiles = List.copyOf(clientCaFiles);
            clientCaData = List.copyOf(clientCaData);
        }

        public boolean enabled() {
            return certFile != null || certData != null;
        }
    }

    /**
     * How a client checks the server: the CAs (none: the JVM's default trust store), the name expected in the
     * server's certificate (default: the host dialed) and whether to skip that name check (the chain is still
     * verified).
     */
    public record Client(String serverName, List<String> rootCaFiles, List<String> rootCaData,
                         boolean disableHostVerification, boolean forceTls) {
        public static final Client NONE = new Client(null, List.of(), List.of(), false, false);

        public Client {
            rootCaFiles = List.copyOf(rootCaFiles);
            rootCaData = List.copyOf(rootCaData);
        }
    }
}
