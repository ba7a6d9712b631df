package io.kairos.common.config;

/**
 * Where a service listens (bind) and where other processes reach it (advertised address). In one JVM the
 * services talk over in-process channels and the port is not opened for internal services.
 */
public record ServiceEndpoint(String bindAddress, int port, String address) {
    public ServiceEndpoint {
        if (port < 0 || port > 65535) {
            throw new ConfigException("port out of range: " + port);
        }
    }

    /** host:port other processes dial. */
    public String target() {
        return address != null && !address.isBlank() ? address : "127.0.0.1:" + port;
    }
}
