package io.kairos.common;

import java.util.Map;

/** What we tell clients about the server we stand in for: one place for version strings and limits. */
public final class TemporalCompat {
    /** The Temporal server release whose behaviour we reproduce; clients and the Web UI gate features on it. */
    public static final String SERVER_VERSION = "1.29.0";

    /** Client versions Temporal's frontend accepts (headers.SupportedClients). */
    public static final Map<String, String> SUPPORTED_CLIENTS = Map.of(
            "temporal-go", "<2.0.0",
            "temporal-java", "<2.0.0",
            "temporal-php", "<2.0.0",
            "temporal-typescript", "<2.0.0",
            "temporal-cli", "<2.0.0",
            "temporal-server", "<2.0.0",
            "temporal-ui", "<3.0.0",
            "Nexus-go-sdk", "<2.0.0");

    /** Reported as persistence and visibility store names, as Temporal's SQL plugin does for Postgres. */
    public static final String POSTGRES_STORE_NAME = "postgres12";

    /** limit.maxIDLength: namespace names, workflow ids, task queue names, in UTF-8 bytes. */
    public static final int MAX_ID_LENGTH = 1000;

    public static final String SYSTEM_NAMESPACE = "temporal-system";

    private TemporalCompat() {
    }
}
