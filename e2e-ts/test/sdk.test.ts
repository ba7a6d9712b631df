import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode, WorkflowBundleWithSourceMap, Runtime, DefaultLogger } from '@temporalio/worker';
import { DevServer } from './devserver';
import * as activities from '../src/activities';
import * as wf from '../src/workflows';
import { greetingServiceHandler } from '../src/nexus-handler';

let server: DevServer;
let bundle: WorkflowBundleWithSourceMap;
let connection: Connection;
let client: Client;
let native: NativeConnection;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `ts-${randomUUID()}`;

Runtime.install({ logger: new DefaultLogger('ERROR') }); // expected failures would log stack traces at WARN

async function newWorker(queue: string): Promise<Worker> {
  return await Worker.create({ connection: native, namespace: 'default', taskQueue: queue, workflowBundle: bundle, activities });
}

before(async () => {
  server = await DevServer.start('ts-sdk');
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: new DefaultLogger('WARN') });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: 'default' });
  native = await NativeConnection.connect({ address: server.address });
  worker = await newWorker(taskQueue);
  running = worker.run();
});

after(async () => {
  worker?.shutdown();
  await running?.catch(() => undefined);
  await native?.close();
  await connection?.close();
  await server?.stop();
});

const id = (name: string) => `${name}-${randomUUID()}`;

test('an activity', { timeout: 120_000 }, async () => {
  assert.equal(await client.workflow.execute(wf.greeting, { taskQueue, workflowId: id('greeting'), args: ['Kairos'] }),
    'Hello, Kairos!');
});

test('a timer of 2 s takes at least 2 s', { timeout: 120_000 }, async () => {
  const elapsed = await client.workflow.execute(wf.sleeper, { taskQueue, workflowId: id('sleeper'), args: [2000] });
  assert.ok(elapsed >= 2000, `slept ${elapsed} ms`);
});

test('signals and queries', { timeout: 120_000 }, async () => {
  const h = await client.workflow.start(wf.accumulator, { taskQueue, workflowId: id('acc') });
  await h.signal(wf.addSignal, 5);
  await h.signal(wf.addSignal, 7);
  assert.equal(await h.query(wf.totalQuery), 12);
  await h.signal(wf.doneSignal);
  assert.equal(await h.result(), 'total=12');
  assert.equal(await h.query(wf.totalQuery), 12, 'a closed workflow answers queries too');
});

test('updates: accepted, rejected by the validator', { timeout: 120_000 }, async () => {
  const h = await client.workflow.start(wf.accumulator, { taskQueue, workflowId: id('upd') });
  assert.equal(await h.executeUpdate(wf.setPrefixUpdate, { args: ['sum'] }), 'total');
  await assert.rejects(h.executeUpdate(wf.setPrefixUpdate, { args: [''] }), WorkflowUpdateFailedError);
  await h.signal(wf.addSignal, 3);
  await h.signal(wf.doneSignal);
  assert.equal(await h.result(), 'sum=3');
});

test('child workflows, and a child failure seen by the parent', { timeout: 120_000 }, async () => {
  assert.equal(await client.workflow.execute(wf.parent, { taskQueue, workflowId: id('parent'), args: [40] }), 42);
  const r = await client.workflow.execute(wf.parentOfFailure, { taskQueue, workflowId: id('parent-fail') });
  assert.match(r, /caught: .*child.*; cause: child failed on purpose/i);
});

test('continue-as-new three times, then a result', { timeout: 120_000 }, async () => {
  const workflowId = id('countdown');
  assert.equal(await client.workflow.execute(wf.countdown, { taskQueue, workflowId, args: [3, 0] }),
    'done after 3 continue-as-new, run true');
});

test('cancellation caught by the workflow, and of an activity through heartbeats', { timeout: 120_000 }, async () => {
  const h = await client.workflow.start(wf.cancellable, { taskQueue, workflowId: id('cancel') });
  await new Promise((r) => setTimeout(r, 500));
  await h.cancel();
  assert.equal(await h.result(), 'Hello, cleanup!');
  assert.equal(await client.workflow.execute(wf.cancelActivity, { taskQueue, workflowId: id('cancel-act') }),
    'activity cancelled');
});

test('activity retries and a heartbeat timeout with details', { timeout: 120_000 }, async () => {
  assert.equal(await client.workflow.execute(wf.retries, { taskQueue, workflowId: id('retries') }),
    'flaky succeeded on attempt 3; attempt 2 resumed from progress-1');
});

test('local activities', { timeout: 120_000 }, async () => {
  assert.equal(await client.workflow.execute(wf.localActivities, { taskQueue, workflowId: id('local') }),
    'Hello, local! 42');
});

test('a workflow with 200 activities', { timeout: 120_000 }, async () => {
  assert.equal(await client.workflow.execute(wf.manyActivities, { taskQueue, workflowId: id('many'), args: [200] }),
    200);
});

test('a worker restart in the middle of a workflow', { timeout: 120_000 }, async () => {
  const queue = `restart-${randomUUID()}`;
  const first = await newWorker(queue);
  const firstRun = first.run();
  const h = await client.workflow.start(wf.accumulator, { taskQueue: queue, workflowId: id('restart') });
  await h.signal(wf.addSignal, 1);
  assert.equal(await h.query(wf.totalQuery), 1);
  first.shutdown();
  await firstRun;
  await h.signal(wf.addSignal, 2); // nobody runs the workflow now: the signal waits in its history
  const second = await newWorker(queue);
  const result = await second.runUntil(async () => {
    await h.signal(wf.doneSignal);
    return await h.result();
  });
  assert.equal(result, 'total=3');
});

test('a failed workflow reaches the client as WorkflowFailedError', { timeout: 120_000 }, async () => {
  await assert.rejects(
    client.workflow.execute(wf.failingChild, { taskQueue, workflowId: id('fail'), retry: { maximumAttempts: 1 } }),
    (e: unknown) => e instanceof WorkflowFailedError && /child failed on purpose/.test(String((e as Error).cause)));
});

test('a schedule: create, describe, trigger, delete through the TypeScript schedule client', { timeout: 120_000 }, async () => {
  const scheduleId = id('ts-schedule');
  const handle = await client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: '1 hour' }], cronExpressions: ['0 12 * * MON'] },
    action: { type: 'startWorkflow', workflowType: wf.greeting, args: ['schedule'], taskQueue, workflowId: `wf-${scheduleId}` },
    policies: { overlap: 'ALLOW_ALL', catchupWindow: '1 minute' },
    state: { paused: true, note: 'from TypeScript' },
  });
  const described = await handle.describe();
  assert.equal(described.scheduleId, scheduleId);
  assert.equal(described.state.paused, true);
  assert.equal(described.state.note, 'from TypeScript');
  assert.equal(described.policies.overlap, 'ALLOW_ALL');
  assert.equal(described.spec.calendars?.length, 1, 'the cron string comes back as a calendar');
  assert.equal(described.info.nextActionTimes.length, 10);
  await handle.trigger();
  let actions = 0;
  for (let i = 0; i < 100 && actions < 1; i++) {
    await new Promise((r) => setTimeout(r, 200));
    actions = (await handle.describe()).info.numActionsTaken;
  }
  assert.equal(actions, 1);
  const recent = (await handle.describe()).info.recentActions[0];
  assert.ok(recent.action.workflow.workflowId.startsWith(`wf-${scheduleId}-`), recent.action.workflow.workflowId);
  assert.equal(await client.workflow.getHandle(recent.action.workflow.workflowId).result(), 'Hello, schedule!');
  await handle.delete();
  await assert.rejects(handle.describe());
});

test('Nexus: an endpoint, a sync and a workflow-backed operation served by a TypeScript worker', { timeout: 120_000 }, async () => {
  const handlerQueue = `nexus-handler-${randomUUID()}`;
  const endpoint = `ts-endpoint-${randomUUID()}`;
  await connection.operatorService.createNexusEndpoint({
    spec: { name: endpoint, target: { worker: { namespace: 'default', taskQueue: handlerQueue } } },
  });
  const handlerWorker = await Worker.create({
    connection: native, namespace: 'default', taskQueue: handlerQueue, workflowBundle: bundle,
    nexusServices: [greetingServiceHandler],
  });
  const workflowId = id('nexus-caller');
  const result = await handlerWorker.runUntil(
    client.workflow.execute(wf.nexusCaller, { taskQueue, workflowId, args: [endpoint, 'Nexus'] }));
  assert.deepEqual(result, ['echo: Nexus', 'Hello later, Nexus!', 'token']);

  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  const nexusEvents = (events ?? []).flatMap((e) =>
    e.nexusOperationScheduledEventAttributes ? ['Scheduled'] :
      e.nexusOperationStartedEventAttributes ? ['Started'] :
        e.nexusOperationCompletedEventAttributes ? ['Completed'] :
          e.nexusOperationFailedEventAttributes ? ['Failed'] : []);
  assert.deepEqual(nexusEvents, ['Scheduled', 'Completed', 'Scheduled', 'Started', 'Completed'],
    'the sync operation completes without a start, the async one is started first');
  const scheduled = events!.filter((e) => e.nexusOperationScheduledEventAttributes)
    .map((e) => e.nexusOperationScheduledEventAttributes!);
  assert.deepEqual(scheduled.map((a) => [a.endpoint, a.service, a.operation]),
    [[endpoint, 'ts-greeting-service', 'echo'], [endpoint, 'ts-greeting-service', 'greetLater']]);
  const started = events!.find((e) => e.nexusOperationStartedEventAttributes)!.nexusOperationStartedEventAttributes!;
  assert.ok(started.operationToken, 'the async operation has a token');
  const completed = events!.filter((e) => e.nexusOperationCompletedEventAttributes)
    .map((e) => e.nexusOperationCompletedEventAttributes!);
  assert.equal(completed.length, 2);

  // The handler's startWorkflow (workflow id from the Nexus request id) attached the caller's completion callback.
  const handlerRun = await client.workflow.getHandle(`nexus-handler-${scheduled[1].requestId}`).fetchHistory();
  const handlerStarted = handlerRun.events![0].workflowExecutionStartedEventAttributes!;
  assert.equal(handlerStarted.completionCallbacks?.length, 1);
  assert.ok(handlerStarted.completionCallbacks![0].nexus?.url, 'a Nexus completion callback');
  assert.equal(handlerRun.events!.at(-1)!.workflowExecutionCompletedEventAttributes ? 'completed' : 'not completed',
    'completed');
});
