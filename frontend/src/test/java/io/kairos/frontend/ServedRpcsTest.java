package io.kairos.frontend;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RPC coverage the README states, counted from the code: an RPC is served when the handler overrides the
 * generated base method (every other RPC answers UNIMPLEMENTED). Changing what is served without updating the README
 * fails here.
 */
class ServedRpcsTest {
    static List<String> served(ServiceDescriptor service, Class<?> handler) {
        return service.getMethods().stream().map(MethodDescriptor::getBareMethodName)
                .filter(rpc -> overrides(handler, Character.toLowerCase(rpc.charAt(0)) + rpc.substring(1)))
                .sorted().toList();
    }

    private static boolean overrides(Class<?> handler, String method) {
        for (var m : handler.getDeclaredMethods()) {
            if (m.getName().equals(method) && m.getParameterCount() == 2) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theReadmeStatesTheCountsOfServedRpcs() throws Exception {
        ServiceDescriptor wf = WorkflowServiceGrpc.getServiceDescriptor();
        ServiceDescriptor op = OperatorServiceGrpc.getServiceDescriptor();
        int wfServed = served(wf, WorkflowServiceHandler.class).size();
        int opServed = served(op, OperatorServiceHandler.class).size();
        String expected = wfServed + " of the " + wf.getMethods().size() + " WorkflowService RPCs and " + opServed
                + " of the " + op.getMethods().size() + " OperatorService RPCs";
        String readme = Files.readString(Path.of("..", "README.md"));
        assertTrue(readme.contains(expected), "README.md should say \"" + expected + "\"; served WorkflowService RPCs: "
                + served(wf, WorkflowServiceHandler.class));
    }
}
