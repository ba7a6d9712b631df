package io.kairos.history.engine.updates;

import io.kairos.history.engine.BadCommandException;
import io.kairos.history.engine.Mutation;
import io.kairos.history.engine.workflow.Commands;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kairos.common.ids.WorkflowKey;
import io.kairos.history.engine.updates.UpdateRegistry.Update;
import io.kairos.history.lifecycle.UpdateLifecycle.State;
import io.temporal.api.command.v1.ProtocolMessageCommandAttributes;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowExecutionUpdateAcceptedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionUpdateCompletedEventAttributes;
import io.temporal.api.protocol.v1.Message;
import io.temporal.api.update.v1.Acceptance;
import io.temporal.api.update.v1.Outcome;
import io.temporal.api.update.v1.Rejection;
import io.temporal.api.update.v1.Request;
import io.temporal.api.update.v1.Response;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The update protocol messages of one RespondWorkflowTaskCompleted, as Temporal processes them: a message named by a
 * COMMAND_TYPE_PROTOCOL_MESSAGE command is handled in command order, the rest (usually rejections) after all commands.
 * Acceptance writes WorkflowExecutionUpdateAccepted, Response writes WorkflowExecutionUpdateCompleted, Rejection writes
 * nothing. Updates sent in this task that the worker did not answer are rejected (Temporal's UnprocessedUpdate). States
 * change provisionally here and in the registry only after the commit; a bad message fails the workflow task
 * (BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE) with nothing of the completion written.
 */
public final class UpdateMessages {
    private static final WorkflowTaskFailedCause BAD_MESSAGE =
            WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE;

    private final Updates updates;
    private final WorkflowKey key;
    private final Map<String, Message> unprocessed = new LinkedHashMap<>();
    /** Provisional state and accepted event id of the updates this completion touched. */
    private final Map<String, State> provisional = new HashMap<>();
    private final Map<String, Long> acceptedIds = new HashMap<>();

    public UpdateMessages(Updates updates, WorkflowKey key, List<Message> messages) {
        this.updates = updates;
        this.key = key;
        for (Message msg : messages) {
            unprocessed.put(msg.getId(), msg);
        }
    }

    /** Commands.apply: COMMAND_TYPE_PROTOCOL_MESSAGE. */
    public static void onCommand(Mutation m, ProtocolMessageCommandAttributes a) {
        UpdateMessages messages = m.updateMessages();
        Message msg = messages == null ? null : messages.unprocessed.remove(a.getMessageId());
        if (msg == null) {
            throw new BadCommandException(BAD_MESSAGE, "ProtocolMessageCommand referenced absent message ID " + a.getMessageId());
        }
        messages.handle(m, msg);
    }

    public void processRemaining(Mutation m) {
        for (Message msg : List.copyOf(unprocessed.values())) {
            unprocessed.remove(msg.getId());
            handle(m, msg);
        }
    }

    /** Updates sent in this workflow task and left unanswered: the worker cannot handle them (old SDK or a bug). */
    public void rejectUnprocessed(Mutation m) {
        for (Update u : updates.registry.inFlight(key)) {
            if (u.state() == State.SENT && !provisional.containsKey(u.id)) {
                reject(m, u, Updates.UNPROCESSED_UPDATE);
            }
        }
    }

    /** The run closed in this completion: once committed, every update still in flight is aborted. */
    public void closed(Mutation m) {
        boolean continued = m.state().getExecution().getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW;
        m.afterCommit(() -> updates.abortClosed(key, continued));
    }

    /** Whether an update admitted while this task ran still needs a workflow task. */
    public boolean hasUndelivered() {
        return updates.registry.inFlight(key).stream()
                .anyMatch(u -> u.state() == State.ADMITTED && u.request != null && !provisional.containsKey(u.id));
    }

    private void handle(Mutation m, Message msg) {
        var body = msg.getBody();
        try {
            if (body.is(Acceptance.class)) {
                accept(m, msg, body.unpack(Acceptance.class));
            } else if (body.is(Rejection.class)) {
                Rejection r = body.unpack(Rejection.class);
                Update u = resolve(m, msg, r.hasRejectedRequest() ? r.getRejectedRequest() : null);
                requireState(u, "Rejection", State.ADMITTED, State.SENT);
                reject(m, u, r.getFailure());
            } else if (body.is(Response.class)) {
                respond(m, msg, body.unpack(Response.class));
            } else {
                throw new BadCommandException(BAD_MESSAGE, "Message type " + body.getTypeUrl() + " not supported");
            }
        } catch (InvalidProtocolBufferException e) {
            throw new BadCommandException(BAD_MESSAGE, "unable to unmarshal request: " + e.getMessage());
        }
    }

    private void accept(Mutation m, Message msg, Acceptance a) {
        Update u = resolve(m, msg, a.hasAcceptedRequest() ? a.getAcceptedRequest() : null);
        requireState(u, "Acceptance", State.ADMITTED, State.SENT);
        if (a.getAcceptedRequestSequencingEventId() == 0) {
            throw invalid("Acceptance", "accepted_request_sequencing_event_id is not set");
        }
        if (a.getAcceptedRequestMessageId().isEmpty()) {
            throw invalid("Acceptance", "accepted_request_message_id is not set");
        }
        Request request = u.request != null ? u.request : a.getAcceptedRequest();
        HistoryEvent e = m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
                .setWorkflowExecutionUpdateAcceptedEventAttributes(WorkflowExecutionUpdateAcceptedEventAttributes.newBuilder()
                        .setProtocolInstanceId(u.id)
                        .setAcceptedRequestMessageId(Updates.requestMessageId(u.id))
                        .setAcceptedRequestSequencingEventId(a.getAcceptedRequestSequencingEventId())
                        .setAcceptedRequest(request)));
        provisional.put(u.id, State.ACCEPTED);
        acceptedIds.put(u.id, e.getEventId());
        m.afterCommit(() -> u.accepted(e.getEventId()));
    }

    private void respond(Mutation m, Message msg, Response r) {
        Update u = resolve(m, msg, null);
        requireState(u, "Response", State.ACCEPTED);
        if (!r.hasMeta() || r.getMeta().getUpdateId().isEmpty()) {
            throw invalid("Response", "meta.update_id is not set");
        }
        if (!r.getMeta().getUpdateId().equals(u.id)) {
            throw invalid("Response", "meta.update_id != " + u.id);
        }
        if (!r.hasOutcome()) {
            throw invalid("Response", "outcome is not set");
        }
        long acceptedEventId = acceptedIds.getOrDefault(u.id, u.acceptedEventId());
        m.addEvent(HistoryEvent.newBuilder().setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)
                .setWorkflowExecutionUpdateCompletedEventAttributes(WorkflowExecutionUpdateCompletedEventAttributes.newBuilder()
                        .setMeta(r.getMeta())
                        .setAcceptedEventId(acceptedEventId)
                        .setOutcome(r.getOutcome())));
        provisional.put(u.id, State.COMPLETED);
        Outcome outcome = r.getOutcome();
        m.afterCommit(() -> {
            u.move(State.COMPLETED);
            u.outcome.complete(outcome);
            updates.registry.remove(key, u.id);
        });
    }

    /** No event, as in Temporal: a rejected update leaves no trace in history. */
    private void reject(Mutation m, Update u, Failure failure) {
        provisional.put(u.id, State.REJECTED);
        m.afterCommit(() -> {
            u.move(State.REJECTED);
            u.accepted.complete(failure);
            u.outcome.complete(Outcome.newBuilder().setFailure(failure).build());
            updates.registry.remove(key, u.id);
        });
    }

    /**
     * The update a message is about. One the registry lost (a restart after it was sent) is brought back from the
     * request the worker echoes in its acceptance or rejection, as Temporal does.
     */
    private Update resolve(Mutation m, Message msg, Request echoed) {
        String id = msg.getProtocolInstanceId();
        Update u = updates.find(key, m.state(), id);
        if (u == null && echoed != null && !echoed.equals(Request.getDefaultInstance())) {
            Update back = updates.registry.newAdmitted(id, echoed);
            m.afterCommit(() -> updates.registry.put(key, back));
            return back;
        }
        if (u == null) {
            throw new BadCommandException(BAD_MESSAGE, "update " + id + " wasn't found on the server. This is most "
                    + "likely a transient error which will be resolved automatically by retries");
        }
        return u;
    }

    private void requireState(Update u, String type, State... allowed) {
        State st = provisional.getOrDefault(u.id, u.state());
        for (State a : allowed) {
            if (st == a) {
                return;
            }
        }
        throw new BadCommandException(BAD_MESSAGE, "invalid state transition attempted for Update " + u.id
                + ": received *update." + type + " message while in state " + st);
    }

    private static BadCommandException invalid(String type, String what) {
        return new BadCommandException(BAD_MESSAGE, "invalid *update." + type + ": " + what);
    }
}
