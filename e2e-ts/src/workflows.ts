import {
  proxyActivities, proxyLocalActivities, sleep, defineSignal, defineQuery, defineUpdate, setHandler, condition,
  executeChild, continueAsNew, CancellationScope, isCancellation, workflowInfo, ApplicationFailure,
  createNexusServiceClient,
} from '@temporalio/workflow';
import { greetingService } from './nexus-api';
import type * as activities from './activities';

const acts = proxyActivities<typeof activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', backoffCoefficient: 1, maximumAttempts: 5 },
});
const heartbeating = proxyActivities<typeof activities>({
  startToCloseTimeout: '30s',
  heartbeatTimeout: '1s',
  retry: { initialInterval: '100ms', backoffCoefficient: 1, maximumAttempts: 3 },
});
const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '5s' });

export async function greeting(name: string): Promise<string> {
  return await acts.greet(name);
}

export async function sleeper(ms: number): Promise<number> {
  const start = Date.now();
  await sleep(ms);
  return Date.now() - start;
}

export const addSignal = defineSignal<[number]>('add');
export const doneSignal = defineSignal('done');
export const totalQuery = defineQuery<number>('total');
export const setPrefixUpdate = defineUpdate<string, [string]>('setPrefix');

/** Sums signals until told it is done; queryable and updatable meanwhile. */
export async function accumulator(): Promise<string> {
  let total = 0;
  let done = false;
  let prefix = 'total';
  setHandler(addSignal, (n: number) => {
    total += n;
  });
  setHandler(doneSignal, () => {
    done = true;
  });
  setHandler(totalQuery, () => total);
  setHandler(setPrefixUpdate, (p: string) => {
    const old = prefix;
    prefix = p;
    return old;
  }, {
    validator: (p: string) => {
      if (p.length === 0) {
        throw new Error('empty prefix');
      }
    },
  });
  await condition(() => done);
  return `${prefix}=${total}`;
}

export async function child(n: number): Promise<number> {
  return await acts.add(n, 1);
}

export async function parent(n: number): Promise<number> {
  const a = await executeChild(child, { args: [n] });
  const b = await executeChild(child, { args: [a] });
  return b;
}

export async function failingChild(): Promise<void> {
  // A plain Error would fail only the workflow task (retried); an ApplicationFailure fails the workflow.
  throw ApplicationFailure.create({ message: 'child failed on purpose', type: 'ChildBoom', nonRetryable: true });
}

export async function parentOfFailure(): Promise<string> {
  try {
    await executeChild(failingChild, { retry: { maximumAttempts: 1 } });
    return 'no failure';
  } catch (e) {
    return `caught: ${(e as Error).message}; cause: ${((e as Error).cause as Error | undefined)?.message}`;
  }
}

export async function countdown(n: number, runs: number): Promise<string> {
  if (n > 0) {
    await continueAsNew<typeof countdown>(n - 1, runs + 1);
  }
  return `done after ${runs} continue-as-new, run ${workflowInfo().runId.length > 0}`;
}

/** Waits for cancellation; cleans up in a non-cancellable scope and reports what it saw. */
export async function cancellable(): Promise<string> {
  try {
    await sleep('1 hour');
    return 'slept';
  } catch (e) {
    if (isCancellation(e)) {
      return await CancellationScope.nonCancellable(async () => await acts.greet('cleanup'));
    }
    throw e;
  }
}

/** Starts a heartbeating activity and cancels it after a while. */
export async function cancelActivity(): Promise<string> {
  const scope = new CancellationScope();
  const p = scope.run(() => heartbeating.heartbeatUntilCancelled());
  await sleep('1s');
  scope.cancel();
  try {
    return await p;
  } catch (e) {
    return isCancellation(e) ? 'activity cancelled' : `unexpected: ${e}`;
  }
}

export async function retries(): Promise<string> {
  const attempt = await acts.flaky();
  const resumed = await heartbeating.silentAfterHeartbeat();
  return `flaky succeeded on attempt ${attempt}; ${resumed}`;
}

export async function localActivities(): Promise<string> {
  const a = await local.add(20, 22);
  const g = await local.greet('local');
  return `${g} ${a}`;
}

export async function manyActivities(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum = await acts.add(sum, 1);
  }
  return sum;
}

/** The workflow behind the Nexus operation `greetLater` (src/nexus-handler.ts). */
export async function nexusHandlerWorkflow(name: string): Promise<string> {
  await sleep(200);
  return `Hello later, ${name}!`;
}

/** Calls both operations of the Nexus service through the given endpoint. */
export async function nexusCaller(endpoint: string, name: string): Promise<string[]> {
  const nexusClient = createNexusServiceClient({ endpoint, service: greetingService });
  const echoed = await nexusClient.executeOperation(greetingService.operations.echo, name, { scheduleToCloseTimeout: '30s' });
  const handle = await nexusClient.startOperation('greetLater', name, { scheduleToCloseTimeout: '60s' });
  return [echoed, await handle.result(), handle.token ? 'token' : 'no token'];
}
