package io.kairos.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** --log-format json: every line the server logs while it runs a workflow and shuts down is one JSON object. */
class JsonLogsTest {
    @WorkflowInterface
    public interface Echo {
        @WorkflowMethod(name = "JsonLogsEcho")
        String echo(String s);
    }

    @ActivityInterface
    public interface Upper {
        String upper(String s);
    }

    public static class EchoImpl implements Echo {
        @Override
        public String echo(String s) {
            return Workflow.newActivityStub(Upper.class, ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofSeconds(10)).build()).upper(s);
        }
    }

    @Test
    void everyLogLineIsAJsonObjectWithItsFields() throws Exception {
        int port = ServerProcess.freePort();
        List<JsonNode> events = new ArrayList<>();
        try (ServerProcess dev = ServerProcess.launch("json-logs", List.of("dev", "--ephemeral", "--port",
                String.valueOf(port), "--log-format", "json", "--log-level", "debug")).awaitReady()) {
            try (Clients clients = new Clients(port)) {
                WorkflowClient client = WorkflowClient.newInstance(clients.workflow);
                WorkerFactory factory = WorkerFactory.newInstance(client);
                factory.newWorker("json-logs").registerWorkflowImplementationTypes(EchoImpl.class);
                factory.getWorker("json-logs").registerActivitiesImplementations((Upper) String::toUpperCase);
                factory.start();
                Echo echo = client.newWorkflowStub(Echo.class, WorkflowOptions.newBuilder().setTaskQueue("json-logs")
                        .setWorkflowId("json-logs").build());
                assertEquals("KAIROS", echo.echo("kairos"));
                factory.shutdownNow();
            }
            dev.terminate();
            ObjectMapper json = new ObjectMapper();
            for (String line : dev.stderr().split("\n")) {
                // The JVM's own warnings (sun.misc.Unsafe use by netty and protobuf) do not go through the logger.
                if (line.isBlank() || line.startsWith("WARNING: ")) {
                    continue;
                }
                JsonNode e;
                try {
                    e = json.readTree(line);
                } catch (Exception notJson) {
                    throw new AssertionError("not a JSON line: " + line, notJson);
                }
                if (!e.isObject()) {
                    fail("not a JSON object: " + line);
                }
                for (String field : List.of("ts", "level", "logger")) {
                    assertTrue(e.hasNonNull(field), field + " in " + line);
                }
                events.add(e);
            }
        }
        assertTrue(events.size() > 10, "debug-level events while a workflow ran: " + events.size());
        assertTrue(events.stream().allMatch(e -> e.hasNonNull("msg")), "each event has a msg");
        assertTrue(events.stream().anyMatch(e -> e.path("component").asText().equals("history") && e.hasNonNull("shard")),
                "history events carry their shard as a field");
    }
}
