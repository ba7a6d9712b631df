/**
 * The matching service: hands workflow and activity tasks from history to polling workers.
 *
 * <ul>
 *   <li>{@link io.kairos.matching.MatchingServiceHandler} — the internal gRPC API; answers from futures.</li>
 *   <li>{@link io.kairos.matching.MatchingEngine} — loaded task queues and poller history; sticky checks.</li>
 *   <li>{@link io.kairos.matching.TaskQueueManager} — one queue: lease, waiting polls, sync match, backlog
 *       dispatch; {@link io.kairos.matching.TaskWriter} persists, {@link io.kairos.matching.BacklogBuffer}
 *       windows the persisted backlog.</li>
 *   <li>{@link io.kairos.matching.PollWaiter} — one waiting poll, holding no thread.</li>
 *   <li>{@link io.kairos.matching.HistoryClient} — Record*TaskStarted, asynchronously.</li>
 * </ul>
 *
 * <p>History's answer decides a matched task's fate: success answers the poll and finishes the task; NOT_FOUND
 * (stale) drops the task and the poll keeps waiting for the next one; any other error keeps the task (a sync
 * match persists it, a backlog task stays buffered and backlog dispatch pauses for a second) and answers the
 * poll with that error, which SDKs retry with backoff.
 */
package io.kairos.matching;
