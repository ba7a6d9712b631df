package io.kairos.common.ids;

import com.google.protobuf.ByteString;
import io.kairos.proto.persistence.v1.NexusTaskTokenData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NexusTaskTokenTest {
    private static final NamespaceId NS = NamespaceId.random();

    @Test
    void roundTripsWithItsFormatByteFirst() {
        NexusTaskToken token = new NexusTaskToken(NS, "orders", "task-1");
        ByteString bytes = token.toBytes();
        assertEquals(NexusTaskToken.FORMAT_V1, bytes.byteAt(0));
        assertEquals(token, NexusTaskToken.parse(bytes));
        assertTrue(token.isComplete());
    }

    @Test
    void refusesWorkflowTokensAndGarbage() {
        ByteString workflowToken = TaskToken.forQuery(NS.toString(), "wf", java.util.UUID.randomUUID().toString(),
                "q-1", "orders").toBytes();
        assertThrows(IllegalArgumentException.class, () -> NexusTaskToken.parse(workflowToken));
        assertThrows(IllegalArgumentException.class, () -> NexusTaskToken.parse(ByteString.EMPTY));
        assertThrows(IllegalArgumentException.class, () -> NexusTaskToken.parse(ByteString.copyFromUtf8("garbage")));
        assertThrows(IllegalArgumentException.class, () -> NexusTaskToken.parse(
                ByteString.copyFrom(new byte[] {NexusTaskToken.FORMAT_V1, (byte) 0xff, (byte) 0xff})));
        ByteString notUuid = ByteString.copyFrom(new byte[] {NexusTaskToken.FORMAT_V1}).concat(NexusTaskTokenData
                .newBuilder().setNamespaceId("default").setTaskQueue("q").setTaskId("t").build().toByteString());
        assertThrows(IllegalArgumentException.class, () -> NexusTaskToken.parse(notUuid));
        ByteString nul = new NexusTaskToken(NS, "q\0", "t").toBytes();
        assertThrows(IllegalArgumentException.class, () -> NexusTaskToken.parse(nul));
    }

    @Test
    void aTokenNamingNoTaskParsesButIsIncomplete() {
        assertFalse(NexusTaskToken.parse(new NexusTaskToken(NS, "", "t").toBytes()).isComplete());
        assertFalse(NexusTaskToken.parse(new NexusTaskToken(NS, "q", "").toBytes()).isComplete());
    }
}
