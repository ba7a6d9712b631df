package io.kairos.e2e;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The "external" Postgres of production-mode tests (an embedded one the test owns): the two databases, owned by user
 * {@value #USER} with password {@value #PASSWORD}, as an operator would prepare them.
 */
public final class ExternalPostgres {
    public static final String USER = "kairos";
    public static final String PASSWORD = "s3cret";

    private ExternalPostgres() {
    }

    /** @param maxConnections Postgres's max_connections (several server processes each hold a pool) */
    public static EmbeddedPostgres start(int maxConnections) throws IOException, SQLException {
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setServerConfig("max_connections", String.valueOf(maxConnections)).start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE temporal");
            st.execute("CREATE DATABASE temporal_visibility");
            st.execute("CREATE USER " + USER + " PASSWORD '" + PASSWORD + "'");
            st.execute("ALTER DATABASE temporal OWNER TO " + USER);
            st.execute("ALTER DATABASE temporal_visibility OWNER TO " + USER);
        }
        return pg;
    }
}
