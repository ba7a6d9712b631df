package io.kairos.server.cli;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonTest {
    @Test
    void nestedValuesArePrettyPrinted() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "q\"\\\n\t\u0001");
        m.put("n", 3);
        m.put("l", 4L);
        m.put("b", false);
        m.put("z", null);
        m.put("ids", List.of(1, 2));
        m.put("objs", List.of(Map.of("k", "v")));
        m.put("empty", Map.of());
        assertEquals("""
                {
                  "s": "q\\"\\\\\\n\\t\\u0001",
                  "n": 3,
                  "l": 4,
                  "b": false,
                  "z": null,
                  "ids": [1, 2],
                  "objs": [
                    {
                      "k": "v"
                    }
                  ],
                  "empty": {}
                }
                """, Json.write(m));
    }

    @Test
    void rejectsOtherTypes() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(List.of(1.5)));
    }
}
