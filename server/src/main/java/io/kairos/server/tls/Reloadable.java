package io.kairos.server.tls;

/** Credentials read from files that may change under a running process (cert-manager rotation). */
interface Reloadable {
    /**
     * Reads the sources again and takes new content for new handshakes; returns whether anything changed. Throws a
     * {@link io.kairos.common.config.ConfigException} naming the key when the content is unusable; the credentials
     * in use then stay as they were.
     */
    boolean reload();
}
