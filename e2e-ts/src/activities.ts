import { Context, CancelledFailure } from '@temporalio/activity';

export async function greet(name: string): Promise<string> {
  return `Hello, ${name}!`;
}

export async function add(a: number, b: number): Promise<number> {
  return a + b;
}

/** Fails on attempts 1 and 2, succeeds on 3. */
export async function flaky(): Promise<number> {
  const attempt = Context.current().info.attempt;
  if (attempt < 3) {
    throw new Error(`attempt ${attempt} fails`);
  }
  return attempt;
}

/** Attempt 1 heartbeats once and then goes silent past its heartbeat timeout; attempt 2 returns the details it got. */
export async function silentAfterHeartbeat(): Promise<string> {
  const info = Context.current().info;
  if (info.attempt === 1) {
    Context.current().heartbeat('progress-1');
    await new Promise((r) => setTimeout(r, 5000));
    return 'should have timed out';
  }
  return `attempt ${info.attempt} resumed from ${info.heartbeatDetails}`;
}

/** Heartbeats until cancelled; the cancellation arrives through the heartbeat response. */
export async function heartbeatUntilCancelled(): Promise<string> {
  for (let i = 0; i < 300; i++) {
    Context.current().heartbeat(i);
    try {
      await Context.current().sleep(100);
    } catch (e) {
      if (e instanceof CancelledFailure) {
        return 'activity saw cancellation';
      }
      throw e;
    }
  }
  return 'never cancelled';
}
