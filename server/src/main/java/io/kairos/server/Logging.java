package io.kairos.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import io.kairos.server.cli.Flags;
import io.kairos.server.cli.UsageException;
import io.kairos.server.logging.JsonLogLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.util.Locale;

/** Routes java.util.logging (gRPC) into logback and applies --log-level and --log-format. */
final class Logging {
    private Logging() {
    }

    /** The --log-level and --log-format flags every command has. */
    static Flags withLogFlags(Flags flags, String defaultLevel) {
        return flags.value("log-level", "LEVEL", "Log level of the server's own logs: error, warn, info, debug.", defaultLevel)
                .value("log-format", "FORMAT", "text (logfmt lines) or json (one object per line, for log shippers).",
                        "text");
    }

    static void configure(Flags f) {
        String level = f.get("log-level");
        String format = f.get("log-format");
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        if (level != null) {
            Level l = Level.toLevel(level.toUpperCase(Locale.ROOT), null);
            if (l == null) {
                throw new UsageException("--log-level must be one of error, warn, info, debug");
            }
            ctx.getLogger("io.kairos").setLevel(l);
        }
        switch (format == null ? "text" : format) {
            case "text" -> {
            }
            case "json" -> json(ctx);
            default -> throw new UsageException("--log-format must be text or json");
        }
    }

    /** Swaps the stderr appender's logfmt pattern for one JSON object per event. */
    private static void json(LoggerContext ctx) {
        if (!(ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR") instanceof ConsoleAppender<ILoggingEvent> out)) {
            throw new IllegalStateException("logback.xml has no console appender STDERR");
        }
        JsonLogLayout layout = new JsonLogLayout();
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        out.stop();
        out.setEncoder(encoder);
        out.start();
    }

    static void logFatal(Throwable t) {
        Logger log = LoggerFactory.getLogger(Main.class);
        log.error("component=server msg=\"fatal error\"", t);
    }
}
