package io.kairos.server.dev;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Reads the PID from Postgres's postmaster.pid (its first line). */
final class PostmasterPid {
    private PostmasterPid() {
    }

    static Optional<Long> read(Path dataDir) throws IOException {
        Path f = dataDir.resolve("postmaster.pid");
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(f);
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
