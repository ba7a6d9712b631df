package io.kairos.persistence.schema;

/** The two databases and where their Flyway migrations live on the classpath. */
public enum SchemaDatabase {
    TEMPORAL("temporal", "classpath:db/migration/temporal"),
    VISIBILITY("temporal_visibility", "classpath:db/migration/visibility");

    private final String defaultName;
    private final String location;

    SchemaDatabase(String defaultName, String location) {
        this.defaultName = defaultName;
        this.location = location;
    }

    public String defaultName() {
        return defaultName;
    }

    public String location() {
        return location;
    }
}
