package io.kairos.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.util.Locale;

/** Routes java.util.logging (gRPC) into logback and applies --log-level. */
final class Logging {
    private Logging() {
    }

    static void configure(String level) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        if (level != null) {
            LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
            Level l = Level.toLevel(level.toUpperCase(Locale.ROOT), null);
            if (l == null) {
                throw new io.kairos.server.cli.UsageException("--log-level must be one of error, warn, info, debug");
            }
            ctx.getLogger("io.kairos").setLevel(l);
        }
    }

    static void logFatal(Throwable t) {
        Logger log = LoggerFactory.getLogger(Main.class);
        log.error("component=server msg=\"fatal error\"", t);
    }
}
