package io.kairos.server;

import io.kairos.common.config.ArchivalConfig;
import io.kairos.persistence.archival.Archives;

/** Builds the cluster's archival providers from the config's archival section. */
final class Archival {
    private Archival() {
    }

    static Archives of(ArchivalConfig config) {
        return new Archives(config, s3 -> {
            throw new IllegalStateException("s3store is not available in this build");
        });
    }
}
