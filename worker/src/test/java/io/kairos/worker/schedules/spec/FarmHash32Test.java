package io.kairos.worker.schedules.spec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Published FarmHash Fingerprint32 values, covering every length class (0-4, 5-12, 13-24, longer). */
class FarmHash32Test {
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "3c973d4d|a",
            "417330fd|ab",
            "2f635ec7|abc",
            "98b51e95|abcd",
            "a3f366ac|abcde",
            "0f813aa4|abcdef",
            "fd7ec8b9|abcdefgh",
            "f2669361|abcdefghij",
            "c6246b8d|size:  a.out:  bad magic",
            "322984d9|Nepal premier won't resign.",
            "e273108f|Discard medicine more than two years old.",
            "4fda5f07|If the enemy is within range, then so are you.",
            "f585dfc4|He who has a shady past knows that nice guys finish last.",
            "ff16c9e6|There is no reason for any individual to have a computer in their home. -Ken Olsen, 1977",
    })
    void matchesReferenceValues(String hex, String input) {
        assertEquals(Integer.parseUnsignedInt(hex, 16),
                FarmHash32.fingerprint(input.getBytes(StandardCharsets.UTF_8)), input);
    }
}
