package io.kairos.e2e.auth;

import io.kairos.e2e.ProductionConfig;
import io.kairos.e2e.ServerProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A production-mode server (`start --config`) with JWT authorization on, namespaces ns1 and ns2, one process. */
final class AuthServer {
    final ServerProcess process;
    final int port;
    final int metricsPort;

    private AuthServer(ServerProcess process, int port, int metricsPort) {
        this.process = process;
        this.port = port;
        this.metricsPort = metricsPort;
    }

    /**
     * @param audience the audience tokens must carry, null for no check
     * @param logLevel debug makes the refusal reasons visible, to check that no token reaches the log
     */
    static AuthServer start(String name, Path dir, int postgresPort, String jwksUri, String audience, String logLevel)
            throws IOException {
        int port = ServerProcess.freePort();
        int metricsPort = ServerProcess.freePort();
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, ProductionConfig.yaml(postgresPort, true, 4, port, 0, metricsPort) + """
                namespaces:
                  - name: ns1
                  - name: ns2
                authorization:
                  jwtKeyProvider:
                    keySourceURIs:
                      - %s
                    refreshInterval: 1h
                  permissionsClaimName: permissions
                  authorizer: default
                  claimMapper: default
                """.formatted(jwksUri)
                + (audience == null ? "" : "  audience: " + audience + "\n"));
        ServerProcess p = ServerProcess.launch(name, List.of("start", "--config", config.toString(), "--log-level",
                logLevel), Map.of("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")).awaitReady();
        return new AuthServer(p, port, metricsPort);
    }

    String target() {
        return "127.0.0.1:" + port;
    }
}
