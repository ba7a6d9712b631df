package io.kairos.server;

import java.util.concurrent.CountDownLatch;

/** Blocks main until Ctrl-C / SIGTERM, then lets main shut down in order before the JVM exits. */
final class ShutdownSignal {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    ShutdownSignal() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "shutdown"));
    }

    void await() throws InterruptedException {
        stop.await();
    }

    /** Call after shutdown work, so the hook lets the JVM exit. */
    void done() {
        stopped.countDown();
    }
}
