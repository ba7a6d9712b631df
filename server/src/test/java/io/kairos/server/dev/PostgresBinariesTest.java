package io.kairos.server.dev;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PostgresBinariesTest {
    @Test
    void resourceNamesFollowZonky() {
        assertEquals(List.of("postgres-linux-x86_64.txz"), PostgresBinaries.resourceNames("Linux", "amd64"));
        assertEquals(List.of("postgres-linux-arm_64.txz"), PostgresBinaries.resourceNames("Linux", "aarch64"));
        assertEquals(List.of("postgres-darwin-x86_64.txz"), PostgresBinaries.resourceNames("Mac OS X", "x86_64"));
        assertEquals(List.of("postgres-darwin-arm_64.txz", "postgres-darwin-x86_64.txz"),
                PostgresBinaries.resourceNames("Mac OS X", "aarch64"), "Rosetta runs the x86_64 binaries too");
        assertEquals(List.of("postgres-windows-x86_64.txz"), PostgresBinaries.resourceNames("Windows 11", "amd64"));
    }

    @Test
    void platformsZonkyNamesOtherwiseAreLeftToZonky() {
        assertEquals(List.of(), PostgresBinaries.resourceNames("FreeBSD", "amd64"));
        assertEquals(List.of(), PostgresBinaries.resourceNames("Linux", "s390x"));
    }

    @Test
    void theServerModuleCarriesTheBinariesForTheMachinesWeBuildOn() {
        assertDoesNotThrow(PostgresBinaries::requirePresent);
    }
}
