package io.kairos.frontend.workflow;

import io.temporal.api.common.v1.Callback;
import io.temporal.api.common.v1.Link;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Temporal's dedupLinksFromCallbacks: request links a Nexus callback already carries are dropped. */
class CallbackLinksTest {
    private static Link link(String workflowId) {
        return Link.newBuilder().setWorkflowEvent(Link.WorkflowEvent.newBuilder().setNamespace("ns")
                .setWorkflowId(workflowId).setRunId("r")).build();
    }

    @Test
    void dropsOnlyLinksANexusCallbackCarries() {
        var req = StartWorkflowExecutionRequest.newBuilder().addLinks(link("a")).addLinks(link("b"))
                .addCompletionCallbacks(Callback.newBuilder().setNexus(Callback.Nexus.newBuilder().setUrl("temporal://system"))
                        .addLinks(link("a")))
                // Only Nexus callbacks count, as in Temporal.
                .addCompletionCallbacks(Callback.newBuilder().setInternal(Callback.Internal.getDefaultInstance())
                        .addLinks(link("b")))
                .build();
        var out = WorkflowHandler.withoutCallbackLinks(req);
        assertEquals(List.of(link("b")), out.getLinksList());
        assertEquals(req.getCompletionCallbacksList(), out.getCompletionCallbacksList());
    }

    @Test
    void keepsTheRequestWithoutCallbacks() {
        var req = StartWorkflowExecutionRequest.newBuilder().addLinks(link("a")).build();
        assertSame(req, WorkflowHandler.withoutCallbackLinks(req));
    }
}
