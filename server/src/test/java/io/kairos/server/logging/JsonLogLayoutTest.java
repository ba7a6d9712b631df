package io.kairos.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonLogLayoutTest {
    @Test
    void logfmtPairsBecomeFieldsInOrder() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("component", "history");
        expected.put("msg", "acquired shard");
        expected.put("shard", "3");
        expected.put("range_id", "7");
        expected.put("error", "a \"quoted\" \\ reason");
        assertEquals(expected, Logfmt.parse(
                "component=history msg=\"acquired shard\" shard=3 range_id=7 error=\"a \\\"quoted\\\" \\\\ reason\""));
    }

    @Test
    void plainTextIsKeptAsMsg() {
        assertEquals(Map.of("msg", "Connection reset by peer"), Logfmt.parse("Connection reset by peer"));
        Map<String, String> mixed = Logfmt.parse("component=server msg=\"started\" and then some");
        assertEquals("started and then some", mixed.get("msg"));
        assertEquals(Map.of("msg", "= =x"), Logfmt.parse("= =x"));
        assertEquals(Map.of("k", ""), Logfmt.parse("k="));
        assertEquals(Map.of("k", "unterminated"), Logfmt.parse("k=\"unterminated"));
    }

    @Test
    void oneJsonObjectPerEventWithEscapes() {
        LoggerContext ctx = new LoggerContext();
        JsonLogLayout layout = new JsonLogLayout();
        layout.setContext(ctx);
        layout.start();
        LoggingEvent e = new LoggingEvent("x", ctx.getLogger("io.kairos.history.Engine"), Level.WARN,
                "component=history msg=\"task failed\" workflow_id=\"wf\\\"1\" note=\"line1\nline2\tx\u0001\"", null, null);
        e.setTimeStamp(0);
        String line = layout.doLayout(e);
        assertEquals("{\"ts\":\"1970-01-01T00:00:00Z\",\"level\":\"WARN\",\"logger\":\"io.kairos.history.Engine\","
                + "\"component\":\"history\",\"msg\":\"task failed\",\"workflow_id\":\"wf\\\"1\","
                + "\"note\":\"line1\\nline2\\tx\\u0001\"}\n", line);
        LoggingEvent failed = new LoggingEvent("x", ctx.getLogger("io.kairos.server.Main"), Level.ERROR,
                "component=server msg=\"fatal error\"", new IllegalStateException("boom"), null);
        String withStack = layout.doLayout(failed);
        assertTrue(withStack.contains("\"error_stack\":\"java.lang.IllegalStateException: boom\\n\\tat "), withStack);
        assertEquals(1, withStack.chars().filter(c -> c == '\n').count(), "one line per event");
    }
}
