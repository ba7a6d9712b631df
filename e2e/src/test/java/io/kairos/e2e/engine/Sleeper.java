package io.kairos.e2e.engine;

import io.temporal.activity.ActivityInterface;

/** An activity that sleeps: keeps a workflow task busy when run as a local activity. */
@ActivityInterface
public interface Sleeper {
    void sleep(long millis);

    final class Impl implements Sleeper {
        @Override
        public void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
