package io.kairos.common.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Temporal's archival and namespaceDefaults.archival sections. */
class ArchivalConfigLoaderTest {
    private static final String DB = """
            persistence:
              default:
                url: jdbc:postgresql://db.internal:5432/temporal
            """;

    private static ServerConfig parse(String yaml) {
        return new ConfigLoader(Map.of("BUCKET", "archive")::get).parse(DB + yaml);
    }

    private static String fails(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void withoutTheSectionsArchivalIsOff() {
        ServerConfig c = parse("");
        assertEquals(ArchivalConfig.DISABLED, c.archival());
        assertFalse(c.archival().history().clusterConfigured());
    }

    @Test
    void readsProvidersStatesAndDefaults() {
        ServerConfig c = parse("""
                archival:
                  history:
                    state: enabled
                    enableRead: true
                    provider:
                      filestore:
                        fileMode: "0640"
                        dirMode: "0750"
                      s3store:
                        region: us-east-1
                        endpoint: http://minio:9000
                        s3ForcePathStyle: true
                  visibility:
                    state: enabled
                    provider:
                      s3store:
                        region: eu-west-1
                namespaceDefaults:
                  archival:
                    history:
                      state: enabled
                      URI: "file:///var/archive"
                    visibility:
                      state: disabled
                      URI: "s3://${BUCKET}/vis"
                """);
        ArchivalConfig.Kind h = c.archival().history();
        assertTrue(h.clusterConfigured() && h.enableRead() && h.defaultState());
        assertEquals(new ArchivalConfig.Filestore(0640, 0750), h.filestore().orElseThrow());
        assertEquals(new ArchivalConfig.S3store("us-east-1", "http://minio:9000", true), h.s3store().orElseThrow());
        assertEquals("file:///var/archive", h.defaultUri());
        ArchivalConfig.Kind v = c.archival().visibility();
        assertTrue(v.clusterConfigured());
        assertFalse(v.enableRead() || v.defaultState());
        assertTrue(v.filestore().isEmpty());
        assertEquals(new ArchivalConfig.S3store("eu-west-1", null, false), v.s3store().orElseThrow());
        assertEquals("s3://archive/vis", v.defaultUri());
        assertTrue(v.supportsScheme("s3") && !v.supportsScheme("file") && !v.supportsScheme("gs"));
    }

    @Test
    void filestoreDefaultsToTemporalsModes() {
        ServerConfig c = parse("""
                archival:
                  history:
                    state: enabled
                    provider:
                      filestore: {}
                namespaceDefaults:
                  archival:
                    history:
                      URI: "file:///a"
                """);
        assertEquals(ArchivalConfig.Filestore.DEFAULTS, c.archival().history().filestore().orElseThrow());
        assertFalse(c.archival().history().defaultState(), "a namespace's default state is disabled");
    }

    @Test
    void refusesWhatCouldNeverWork() {
        assertTrue(fails("""
                archival:
                  history:
                    state: enabled
                """).contains("archival.history.provider needs filestore or s3store"));
        assertTrue(fails("""
                archival:
                  history:
                    state: enabled
                    provider:
                      filestore: {}
                """).contains("namespaceDefaults.archival.history.URI is required when archival.history.state is enabled"));
        assertTrue(fails("""
                archival:
                  visibility:
                    state: enabled
                    provider:
                      filestore: {}
                namespaceDefaults:
                  archival:
                    visibility:
                      URI: "s3://bucket/x"
                """).contains("must use a configured provider"));
        assertTrue(fails("""
                archival:
                  history:
                    state: on
                """).contains("archival.history.state must be enabled or disabled"));
        assertTrue(fails("""
                archival:
                  history:
                    provider:
                      s3store:
                        endpoint: http://x
                """).contains("archival.history.provider.s3store.region is required"));
        assertTrue(fails("""
                archival:
                  history:
                    provider:
                      filestore:
                        fileMode: "rw"
                """).contains("fileMode must be an octal permission"));
        assertTrue(fails("""
                archival:
                  history:
                    provider:
                      gstorage: {credentialsPath: /k.json}
                """).contains("gstorage is not supported"));
        assertTrue(fails("""
                namespaceDefaults:
                  archival:
                    history:
                      uri: "file:///x"
                """).contains("unknown config key namespaceDefaults.archival.history.uri"));
    }

    @Test
    void devConfigTakesTheSections() throws Exception {
        var f = java.nio.file.Files.createTempFile("dev", ".yaml");
        try {
            java.nio.file.Files.writeString(f, """
                    archival:
                      visibility:
                        state: enabled
                        enableRead: true
                        provider:
                          filestore: {}
                    namespaceDefaults:
                      archival:
                        visibility:
                          state: enabled
                          URI: "file:///tmp/vis"
                    """);
            ConfigLoader.DevSections d = new ConfigLoader(k -> null).readDevSections(f);
            assertTrue(d.archival().visibility().clusterConfigured() && d.archival().visibility().defaultState());
            assertFalse(d.archival().history().clusterConfigured());
        } finally {
            java.nio.file.Files.delete(f);
        }
    }
}
