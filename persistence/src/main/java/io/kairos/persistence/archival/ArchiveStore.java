package io.kairos.persistence.archival;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where archived objects live: a directory or an S3 bucket, addressed by keys relative to a namespace's archival URI.
 * A put replaces the object whole or not at all, so an archive retried after a crash overwrites the same object.
 */
public interface ArchiveStore {

    /** Temporal's ValidateURI beyond the syntax: the directory or bucket can hold archives. */
    default void validate(ArchivalUri uri) {
    }

    /** Writes the object from what {@code body} writes; visible only once complete. */
    void put(ArchivalUri uri, String key, Body body) throws IOException;

    /** Whether the object is there (complete: puts are whole or nothing). */
    boolean exists(ArchivalUri uri, String key) throws IOException;

    /** The object's content, or empty when there is none. */
    Optional<InputStream> get(ArchivalUri uri, String key) throws IOException;

    /** Keys under {@code prefix} (a "directory" ending in '/'), in no particular order. */
    List<String> list(ArchivalUri uri, String prefix) throws IOException;

    /** Produces an object's bytes in one pass (pages of a history, one record). */
    @FunctionalInterface
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }
}
