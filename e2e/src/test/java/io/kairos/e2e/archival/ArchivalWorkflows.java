package io.kairos.e2e.archival;

import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** A workflow whose history is as long as asked (one marker event per step), and that can fail. */
final class ArchivalWorkflows {
    private ArchivalWorkflows() {
    }

    @WorkflowInterface
    public interface Steps {
        @WorkflowMethod(name = "ArchivedSteps")
        String run(int steps, boolean fail);
    }

    public static final class StepsImpl implements Steps {
        @Override
        public String run(int steps, boolean fail) {
            int sum = 0;
            for (int i = 0; i < steps; i++) {
                int v = i;
                sum += Workflow.sideEffect(Integer.class, () -> v);
            }
            if (fail) {
                throw ApplicationFailure.newNonRetryableFailure("failed on purpose", "Purpose");
            }
            return "sum=" + sum;
        }
    }

    /** The archival section of a config file: file providers, namespaces enabled by default when asked. */
    static String config(java.nio.file.Path root, boolean enabledByDefault) {
        return config("""
                      filestore:
                        fileMode: "0640"
                        dirMode: "0750"
                """, "file://" + root.resolve("history"), "file://" + root.resolve("visibility"), enabledByDefault);
    }

    /** The archival section with this provider block (indented under provider:) and default URIs. */
    static String config(String provider, String historyUri, String visibilityUri, boolean enabledByDefault) {
        String state = enabledByDefault ? "enabled" : "disabled";
        return """
                archival:
                  history:
                    state: enabled
                    enableRead: true
                    provider:
                %s  visibility:
                    state: enabled
                    enableRead: true
                    provider:
                %snamespaceDefaults:
                  archival:
                    history:
                      state: %s
                      URI: "%s"
                    visibility:
                      state: %s
                      URI: "%s"
                """.formatted(provider, provider, state, historyUri, state, visibilityUri);
    }
}
