package io.kairos.server.tls;

import io.kairos.common.config.ConfigException;
import io.kairos.common.config.TlsConfig;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Where one PEM document comes from: a file (read again on every refresh, so a rotated file is picked up) or inline
 * base64 data from the config (fixed). {@code key} is the config key, e.g. tls.frontend.server.certFile, so every
 * error names what to fix.
 */
record PemSource(String key, Path file, byte[] inline) {

    static PemSource file(String key, String path) {
        return new PemSource(key, Path.of(path), null);
    }

    static PemSource data(String key, String base64) {
        return new PemSource(key, null, TlsConfig.decode(base64));
    }

    byte[] read() {
        if (file == null) {
            return inline;
        }
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(key + ": file " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new ConfigException(key + ": file " + file + " is not readable by this process");
        } catch (IOException e) {
            throw new ConfigException(key + ": cannot read " + file + ": " + e);
        }
    }

    /** A parse failure of this source's content, as a config error naming the key and the file. */
    ConfigException invalid(IllegalArgumentException e) {
        return new ConfigException(key + ": " + (file == null ? "the data " : file + " ") + e.getMessage());
    }
}
