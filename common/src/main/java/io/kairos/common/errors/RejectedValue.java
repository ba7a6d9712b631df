package io.kairos.common.errors;

/**
 * Marks a database refusal of a value (SQLSTATE class 22, a data exception, or 54000, e.g. an index row too large):
 * the request carried something the store cannot hold. Answered INVALID_ARGUMENT at the gRPC edge, with a WARN line,
 * since the frontend's checks should have refused it first.
 */
public interface RejectedValue {
}
