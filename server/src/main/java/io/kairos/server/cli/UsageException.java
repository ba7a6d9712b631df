package io.kairos.server.cli;

/** Bad command line: printed with a pointer to --help, exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
