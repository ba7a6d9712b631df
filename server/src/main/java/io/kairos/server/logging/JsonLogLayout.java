package io.kairos.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import io.kairos.server.cli.Json;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON object per log event, for log shippers: ts, level, logger, then the key=value pairs of the message as
 * fields (the server's messages are logfmt: {@code component=history msg="acquired shard" shard=3}), and the stack
 * trace as "error_stack". Text of a message that is not a pair (a library's plain message) becomes "msg".
 */
public final class JsonLogLayout extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent event) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("ts", Instant.ofEpochMilli(event.getTimeStamp()).toString());
        fields.put("level", event.getLevel().toString());
        fields.put("logger", event.getLoggerName());
        fields.putAll(Logfmt.parse(event.getFormattedMessage()));
        IThrowableProxy t = event.getThrowableProxy();
        if (t != null) {
            fields.put("error_stack", ThrowableProxyUtil.asString(t));
        }
        StringBuilder b = new StringBuilder(256).append('{');
        fields.forEach((k, v) -> {
            if (b.length() > 1) {
                b.append(',');
            }
            Json.string(k, b);
            b.append(':');
            Json.string(v, b);
        });
        return b.append('}').append('\n').toString();
    }
}
