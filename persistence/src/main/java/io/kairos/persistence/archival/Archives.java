package io.kairos.persistence.archival;

import io.kairos.common.config.ArchivalConfig;
import io.kairos.common.errors.InvalidArgumentException;

import java.util.function.Function;

/**
 * The cluster's archival: its configuration and a store per configured provider. History and frontend each build
 * one from the same config; {@link #history()} and {@link #visibility()} do the reading and writing.
 */
public final class Archives {
    private final ArchivalConfig config;
    private final HistoryArchive history;
    private final VisibilityArchive visibility;

    /** @param s3 builds the S3 store for a provider section */
    public Archives(ArchivalConfig config, Function<ArchivalConfig.S3store, ArchiveStore> s3) {
        this.config = config;
        this.history = new HistoryArchive(stores(config.history(), s3));
        this.visibility = new VisibilityArchive(stores(config.visibility(), s3));
    }

    /** The providers the config names, S3 through the AWS SDK. */
    public static Archives of(ArchivalConfig config) {
        return new Archives(config, S3ArchiveStore::new);
    }

    public static Archives disabled() {
        return new Archives(ArchivalConfig.DISABLED, s -> {
            throw new IllegalStateException("no s3store configured");
        });
    }

    public ArchivalConfig config() {
        return config;
    }

    public HistoryArchive history() {
        return history;
    }

    public VisibilityArchive visibility() {
        return visibility;
    }

    /** A store by URI scheme, each built once on first use. */
    private static Function<String, ArchiveStore> stores(ArchivalConfig.Kind kind,
                                                         Function<ArchivalConfig.S3store, ArchiveStore> s3) {
        ArchiveStore file = kind.filestore().map(FileArchiveStore::new).orElse(null);
        // One S3 client per kind, made on first use (registering an s3:// namespace needs it before any archive).
        var s3Store = new Object() {
            private ArchiveStore store;

            synchronized ArchiveStore get() {
                if (store == null) {
                    store = s3.apply(kind.s3store().orElseThrow());
                }
                return store;
            }
        };
        return scheme -> switch (scheme) {
            case "file" -> {
                if (file == null) {
                    throw new InvalidArgumentException("unable to find archiver config for the given scheme");
                }
                yield file;
            }
            case "s3" -> {
                if (kind.s3store().isEmpty()) {
                    throw new InvalidArgumentException("unable to find archiver config for the given scheme");
                }
                yield s3Store.get();
            }
            default -> throw new InvalidArgumentException("unknown archiver scheme");
        };
    }
}
