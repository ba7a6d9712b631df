package io.kairos.persistence.archival;

import io.kairos.common.errors.InvalidArgumentException;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * A namespace's archival URI: {@code file:///absolute/dir} or {@code s3://bucket/optional/prefix}. {@code location}
 * is the directory for file, the key prefix (no leading or trailing slash, may be empty) for s3.
 */
public record ArchivalUri(String scheme, String bucket, String location, String text) {

    /** Temporal's archiver.NewURI and each provider's ValidateURI, with Temporal's "URI is invalid" message. */
    public static ArchivalUri parse(String text) {
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            throw invalid();
        }
        if (u.getScheme() == null) {
            throw invalid();
        }
        String path = u.getPath() == null ? "" : u.getPath();
        return switch (u.getScheme()) {
            case "file" -> {
                if ((u.getHost() != null && !u.getHost().isEmpty()) || path.isEmpty() || !path.startsWith("/")) {
                    throw invalid();
                }
                yield new ArchivalUri("file", "", path, text);
            }
            case "s3" -> {
                if (u.getHost() == null || u.getHost().isEmpty()) {
                    throw new InvalidArgumentException("no bucket specified");
                }
                String prefix = path.replaceAll("^/+", "").replaceAll("/+$", "");
                yield new ArchivalUri("s3", u.getHost(), prefix, text);
            }
            default -> throw new InvalidArgumentException("unknown archiver scheme");
        };
    }

    private static InvalidArgumentException invalid() {
        return new InvalidArgumentException("URI is invalid");
    }

    @Override
    public String toString() {
        return text;
    }
}
