import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID, sign, KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { NativeConnection, Worker, bundleWorkflowCode, WorkflowBundleWithSourceMap, Runtime, DefaultLogger } from '@temporalio/worker';
import { DevServer } from './devserver';
import * as activities from '../src/activities';
import * as wf from '../src/workflows';

/**
 * JWT authorization through the TypeScript SDK (tokens in connection metadata) against a dev server started with
 * `--config` naming a JWKS endpoint this test serves, so keys and tokens are the test's own.
 */

interface SigningKey { kid: string; privateKey: KeyObject; jwk: object }

function rsaKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } };
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

function jwt(key: SigningKey, claims: object): string {
  const head = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid })) + '.' + b64(JSON.stringify(claims));
  return head + '.' + b64(sign('sha256', Buffer.from(head), key.privateKey));
}

const current = rsaKey('ts-1');
const rotated = rsaKey('ts-2');
let published: SigningKey[] = [current];
let jwks: Server;
let server: DevServer;
let bundle: WorkflowBundleWithSourceMap;
const opened: { close(): Promise<void> }[] = [];

function token(key: SigningKey, permissions: string[], ttlSeconds = 600): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt(key, { sub: `ts-${permissions.join('+')}`, iat: now, exp: now + ttlSeconds, permissions });
}

async function client(namespace: string, bearer?: string): Promise<Client> {
  const connection = await Connection.connect({
    address: server.address,
    metadata: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
  });
  opened.push(connection);
  return new Client({ connection, namespace });
}

/** Temporal's answer to every refusal: PERMISSION_DENIED (gRPC 7) "Request unauthorized.". */
async function denied(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e: any) => {
    const grpc = e?.cause?.code !== undefined ? e.cause : e;
    assert.equal(grpc.code, 7, `expected PERMISSION_DENIED, got ${e}`);
    assert.match(String(grpc.details || grpc.message), /Request unauthorized\./);
    return true;
  });
}

Runtime.install({ logger: new DefaultLogger('ERROR') });

before(async () => {
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const jwksUri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-ts-auth-'));
  const config = path.join(dir, 'auth.yaml');
  fs.writeFileSync(config, [
    'namespaces:',
    '  - name: ns1',
    '  - name: ns2',
    'authorization:',
    '  jwtKeyProvider:',
    `    keySourceURIs: ["${jwksUri}"]`,
    '    refreshInterval: 1h',
    '  permissionsClaimName: permissions',
    '  authorizer: default',
    '  claimMapper: default',
    '',
  ].join('\n'));
  server = await DevServer.start('ts-auth', ['--config', config]);
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: new DefaultLogger('WARN') });
});

after(async () => {
  for (const c of opened.reverse()) {
    await c.close().catch(() => undefined);
  }
  await server?.stop();
  jwks?.closeAllConnections();
  await new Promise((r) => jwks?.close(r));
});

test('a worker with ns1:worker runs workflows in ns1 and is denied in ns2', { timeout: 180_000 }, async () => {
  const workerToken = token(current, ['ns1:worker']);
  const native = await NativeConnection.connect({ address: server.address, metadata: { authorization: `Bearer ${workerToken}` } });
  opened.push(native);
  const taskQueue = `ts-auth-${randomUUID()}`;
  const worker = await Worker.create({ connection: native, namespace: 'ns1', taskQueue, workflowBundle: bundle, activities });
  const starter = await client('ns1', token(current, ['ns1:write']));
  const result = await worker.runUntil(starter.workflow.execute(wf.greeting, { taskQueue, workflowId: `g-${randomUUID()}`, args: ['TS'] }));
  assert.equal(result, 'Hello, TS!');

  const asWorker = await client('ns1', workerToken);
  await denied(asWorker.workflow.start(wf.greeting, { taskQueue, workflowId: `g-${randomUUID()}`, args: ['x'] }));
  const inNs2 = await client('ns2', workerToken);
  await denied(inNs2.workflow.start(wf.greeting, { taskQueue, workflowId: `g-${randomUUID()}`, args: ['x'] }));
  await denied(inNs2.workflowService.describeNamespace({ namespace: 'ns2' }));
  // What a worker in ns2 would poll with: refused.
  await denied(native.workflowService.pollActivityTaskQueue({ namespace: 'ns2', taskQueue: { name: taskQueue } }));
});

test('a reader lists and describes but cannot start or signal', { timeout: 120_000 }, async () => {
  const writer = await client('ns1', token(current, ['ns1:write']));
  const taskQueue = `ts-auth-reader-${randomUUID()}`;
  const h = await writer.workflow.start(wf.accumulator, { taskQueue, workflowId: `acc-${randomUUID()}` });
  const reader = await client('ns1', token(current, ['ns1:read']));
  assert.equal((await reader.workflow.getHandle(h.workflowId).describe()).status.name, 'RUNNING');
  // Visibility is written just after the start commits: list until it shows (bounded).
  const listed: string[] = [];
  for (let i = 0; i < 50 && listed.length === 0; i++) {
    for await (const w of reader.workflow.list({ query: `WorkflowId = '${h.workflowId}'` })) {
      listed.push(w.workflowId);
    }
    if (listed.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(listed, [h.workflowId]);
  await denied(reader.workflow.start(wf.accumulator, { taskQueue, workflowId: `acc-${randomUUID()}` }));
  await denied(reader.workflow.getHandle(h.workflowId).signal(wf.addSignal, 1));
  await writer.workflow.getHandle(h.workflowId).terminate('done');
});

test('an admin registers namespaces; a writer cannot', { timeout: 60_000 }, async () => {
  const admin = await client('ns1', token(current, ['temporal-system:admin']));
  const name = `ts-auth-${randomUUID().slice(0, 8)}`;
  await admin.workflowService.registerNamespace({ namespace: name, workflowExecutionRetentionPeriod: msToTs('1 day') });
  const writer = await client('ns1', token(current, ['ns1:write']));
  await denied(writer.workflowService.registerNamespace({ namespace: `${name}-w`, workflowExecutionRetentionPeriod: msToTs('1 day') }));
});

test('a missing header, an expired token, a wrong signature and an unknown key id are denied', { timeout: 60_000 }, async () => {
  const describe = async (c: Client) => c.workflowService.describeNamespace({ namespace: 'ns1' });
  await denied(describe(await client('ns1')));
  await denied(describe(await client('ns1', token(current, ['ns1:admin'], -120))));
  const forged = token(current, ['ns1:admin']).split('.');
  const other = token(rsaKey('ts-1'), ['ns1:admin']).split('.');
  await denied(describe(await client('ns1', `${forged[0]}.${forged[1]}.${other[2]}`)));
  await denied(describe(await client('ns1', token(rsaKey('nobody'), ['ns1:admin']))));
  // GetSystemInfo stays open, as in Temporal.
  assert.ok((await (await client('ns1')).workflowService.getSystemInfo({})).capabilities);
});

test('a rotated key on the JWKS endpoint is picked up without a restart', { timeout: 60_000 }, async () => {
  const before = await client('ns1', token(rotated, ['ns1:read']));
  await denied(before.workflowService.describeNamespace({ namespace: 'ns1' }));
  published = [current, rotated];
  // The unknown key id triggers a refetch at most once per 5 s.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const c = await client('ns1', token(rotated, ['ns1:read']));
      await c.workflowService.describeNamespace({ namespace: 'ns1' });
      break;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
});
