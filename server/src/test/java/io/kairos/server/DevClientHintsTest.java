package io.kairos.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lines under the dev server's ready line; bench/run.sh and the tests find the ready line by "listening on". */
class DevClientHintsTest {
    @Test
    void loopbackHintsNameTheAddressAndTheUiThroughDocker() {
        String h = DevCommand.clientHints("127.0.0.1", 7233);
        assertTrue(h.contains("temporal --address 127.0.0.1:7233") && h.contains("TEMPORAL_ADDRESS=127.0.0.1:7233"), h);
        assertTrue(h.contains("target 127.0.0.1:7233, namespace default"), h);
        assertTrue(h.contains("docker run -e TEMPORAL_ADDRESS=host.docker.internal:7233 -p 8080:8080 temporalio/ui"), h);
        assertFalse(h.contains("listening on"), h);
        assertTrue(h.endsWith(System.lineSeparator()), h);
    }

    @Test
    void anAddressOtherThanLoopbackIsUsedAsIsAndTheWildcardBecomesLoopback() {
        String lan = DevCommand.clientHints("10.0.0.5", 7233);
        assertTrue(lan.contains("TEMPORAL_ADDRESS=10.0.0.5:7233 -p 8080:8080") && !lan.contains("host.docker.internal"), lan);
        assertTrue(DevCommand.clientHints("0.0.0.0", 7233).contains("temporal --address 127.0.0.1:7233"));
    }
}
