package io.kairos.common.grpc;

import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorTextTest {
    @Test
    void shortMessagesAreKept() {
        String m = "WorkflowId is not set on request.";
        assertSame(m, ErrorText.bound(m));
    }

    @Test
    void longMessagesAreCutAtACodePointAndFitTheHeaders() {
        for (String unit : new String[]{"x", "é", "\u4e2d", "\uD834\uDD1E", "%"}) {
            String bounded = ErrorText.bound("value: " + unit.repeat(10_000));
            assertTrue(bounded.endsWith("…(truncated)"), unit);
            assertTrue(ErrorText.wellFormed(bounded).equals(bounded), "no half surrogate pair left: " + unit);
            int headerBytes = URLEncoder.encode(bounded, StandardCharsets.UTF_8).length()
                    + Base64.getEncoder().encode(bounded.getBytes(StandardCharsets.UTF_8)).length;
            assertTrue(headerBytes < 8192 / 2 + 200, unit + ": " + headerBytes);
        }
    }

    @Test
    void unpairedSurrogatesAreReplaced() {
        assertEquals("a\uFFFDb\uD834\uDD1E\uFFFD", ErrorText.wellFormed("a\uD834b\uD834\uDD1E\uDD1E"));
    }

    @Test
    void mappedStatusesCarryTheBoundedMessageInBothPlaces() {
        StatusRuntimeException e = ErrorMapper.toStatus("Test",
                new io.kairos.common.errors.InvalidArgumentException("bad \uD834: " + "y".repeat(20_000)));
        String d = e.getStatus().getDescription();
        assertFalse(d.length() > 4000);
        Metadata trailers = e.getTrailers();
        com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(e);
        assertEquals(d, details.getMessage());
        assertTrue(trailers != null);
    }
}
