package io.kairos.worker.jobs;

import java.time.Duration;

/**
 * A job the worker service runs on exactly one worker process at a time (the holder of its lease), every
 * {@code interval}. A run must finish well within the lease ttl and be safe to repeat.
 */
public record SystemJob(String name, Duration interval, Runnable work) {
}
