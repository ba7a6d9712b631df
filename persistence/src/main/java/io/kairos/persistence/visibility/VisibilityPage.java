package io.kairos.persistence.visibility;

import java.util.List;

/** One page of a listing; {@code nextPageToken} is empty on the last page. */
public record VisibilityPage(List<VisibilityRecord> records, byte[] nextPageToken) {
}
