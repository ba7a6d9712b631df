package io.kairos.common.errors;

/** Marks failures of a dependency that a caller may retry (answered UNAVAILABLE at the gRPC edge). */
public interface Retryable {
}
