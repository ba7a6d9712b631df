package io.kairos.frontend.workflow;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Go's json.Valid, as Temporal's frontend checks Nexus failure details. */
class NexusTaskHandlerTest {
    private static boolean json(String s) {
        return NexusTaskHandler.isJson(ByteString.copyFromUtf8(s));
    }

    @Test
    void acceptsOneStrictJsonValue() {
        assertTrue(NexusTaskHandler.isJson(ByteString.EMPTY), "absent details");
        assertTrue(json("{\"a\":[1,2.5,true,null,\"x\"]}"));
        assertTrue(json(" \"text\" "));
        assertTrue(json("42"));
    }

    @Test
    void refusesWhatGoRefuses() {
        assertFalse(json("{a:1}"), "unquoted name");
        assertFalse(json("'x'"), "single quotes");
        assertFalse(json("{\"a\":1} {}"), "two values");
        assertFalse(json("{\"a\":1"), "truncated");
        assertFalse(json("not json"));
        assertFalse(json("NaN"));
    }
}
