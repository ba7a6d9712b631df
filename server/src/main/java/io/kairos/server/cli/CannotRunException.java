package io.kairos.server.cli;

/** The command cannot run with this jar or on this machine: printed as one line (no stack trace), exit code 1. */
public final class CannotRunException extends RuntimeException {
    public CannotRunException(String message) {
        super(message);
    }
}
