package io.kairos.persistence.schema;

/**
 * Where a database's schema stands against the migrations in this build.
 *
 * @param current     highest applied version, or null for an empty database
 * @param latestKnown newest migration this build ships
 * @param pending     migrations this build would apply
 * @param newer       applied migrations this build does not know: the schema is from a newer release
 */
public record SchemaStatus(SchemaDatabase database, String current, String latestKnown, int pending, int newer) {
    public boolean upToDate() {
        return pending == 0 && newer == 0;
    }

    @Override
    public String toString() {
        return database.defaultName() + ": schema version " + (current == null ? "none" : current)
                + ", this build ships " + latestKnown
                + (pending > 0 ? ", " + pending + " pending" : "")
                + (newer > 0 ? ", " + newer + " unknown newer migration(s)" : "");
    }
}
