import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import {
  $Ecs,
  ecsClient,
  type EcsClient,
  popClient,
  REGION,
  runningInstance,
  sdkError,
  waitForStatus,
} from '../helpers/aliyun.js';
import { openecs, TestServer, until } from '../helpers/server.js';
import { describeVncUrl, WsViewer } from './helpers.js';

/**
 * DescribeInstanceVncUrl through the official SDKs: the URL's shape (percent-encoded once, as
 * Alibaba returns it), the public URL it is built on, each documented error code with its HTTP
 * status, and how the token is kept (only its SHA-256 hash is stored).
 */

const TOKEN = '[A-Za-z0-9_-]{43}';

function vncUrlCall(ecs: EcsClient, instanceId: string, regionId = REGION) {
  return ecs.describeInstanceVncUrl(new $Ecs.DescribeInstanceVncUrlRequest({ regionId, instanceId }));
}

async function booted(ecs: EcsClient, instanceId: string): Promise<void> {
  await until(async () => {
    const error = await sdkError(vncUrlCall(ecs, instanceId)).catch(() => null);
    if (error && error.code !== 'InstanceNotReady') throw new Error(`unexpected ${error.code}`);
    return error === null;
  }, `${instanceId} to boot`);
}

describe('DescribeInstanceVncUrl', () => {
  let server: TestServer;
  let ecs: EcsClient;
  let instanceId: string;
  before(async () => {
    server = await TestServer.start();
    ecs = ecsClient(server);
    ({ instanceId } = await runningInstance(ecs));
    await booted(ecs, instanceId);
  });
  after(() => server.dispose());

  test('returns ws://<host>/websockify/?s=<token>, percent-encoded once, with V3, V1 and pop-core', async () => {
    const v3 = await vncUrlCall(ecs, instanceId);
    assert.match(v3.body!.requestId!, /^[0-9A-F-]{36}$/);
    const v1 = await vncUrlCall(ecsClient(server, { v1: true }), instanceId);
    const pop = (await popClient(server).request('DescribeInstanceVncUrl', {
      RegionId: REGION,
      InstanceId: instanceId,
    })) as { VncUrl: string };
    const tokens = new Set<string>();
    for (const raw of [v3.body!.vncUrl!, v1.body!.vncUrl!, pop.VncUrl]) {
      assert.match(raw, new RegExp(`^ws%3A%2F%2F127\\.0\\.0\\.1%3A${server.port}%2Fwebsockify%2F%3Fs%3D${TOKEN}$`));
      const url = new URL(decodeURIComponent(raw));
      tokens.add(url.searchParams.get('s')!);
    }
    assert.equal(tokens.size, 3, 'every call issues a new token');
  });

  test('the token is stored only as its SHA-256 hash, bound to account and instance, 15 s', async () => {
    const before = Date.now();
    const { url } = await describeVncUrl(ecs, instanceId);
    const token = new URL(url).searchParams.get('s')!;
    const db = new SQLite(join(server.dataDir, 'openecs.db'), { readonly: true });
    try {
      const row = db
        .prepare('SELECT * FROM console_tokens WHERE token_hash = ?')
        .get(createHash('sha256').update(token).digest('hex')) as Record<string, unknown>;
      assert.ok(row, 'a row keyed by the hash');
      assert.equal(row.instance_id, instanceId);
      assert.match(String(row.account_id), /^\d{16}$/);
      assert.equal(Number(row.expires_at) - Number(row.issued_at), 15_000);
      assert.ok(Number(row.issued_at) >= before - 1_000);
      assert.equal(row.consumed_at, null);
    } finally {
      db.close();
    }
    for (const file of readdirSync(server.dataDir).filter((f) => f.startsWith('openecs.db'))) {
      assert.equal(readFileSync(join(server.dataDir, file)).includes(token), false, `${file} holds the token`);
    }
  });

  test('InvalidRegionId.NotFound 404, InvalidInstanceId.NotFound 404, InvalidRegionInstance 400', async () => {
    const region = await sdkError(vncUrlCall(ecs, instanceId, 'cn-nowhere'));
    assert.deepEqual([region.code, region.statusCode], ['InvalidRegionId.NotFound', 404]);
    const unknown = await sdkError(vncUrlCall(ecs, 'i-bp00000000000000000x'));
    assert.deepEqual([unknown.code, unknown.statusCode], ['InvalidInstanceId.NotFound', 404]);
    const otherRegion = await sdkError(vncUrlCall(ecs, instanceId, 'cn-shanghai'));
    assert.deepEqual([otherRegion.code, otherRegion.statusCode], ['InvalidRegionInstance', 400]);
    const missing = await sdkError(
      ecs.describeInstanceVncUrl(new $Ecs.DescribeInstanceVncUrlRequest({ regionId: REGION })),
    );
    assert.deepEqual([missing.code, missing.statusCode], ['MissingParameter', 400]);
  });

  test("another account's instance is InvalidInstanceId.NotFound", async () => {
    const created = await openecs([
      'keys',
      'create',
      '--account',
      'console-other',
      '--json',
      '--data-dir',
      server.dataDir,
    ]);
    const key = JSON.parse(created.stdout) as { accessKeyId: string; accessKeySecret: string };
    const other = ecsClient(server, { key: { id: key.accessKeyId, secret: key.accessKeySecret } });
    const error = await sdkError(vncUrlCall(other, instanceId));
    assert.deepEqual([error.code, error.statusCode], ['InvalidInstanceId.NotFound', 404]);
  });

  test('IncorrectInstanceStatus 403 when the instance is not Running', async () => {
    const { instanceId: stopped } = await runningInstance(ecs);
    await ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: stopped }));
    const stopping = await sdkError(vncUrlCall(ecs, stopped));
    assert.deepEqual([stopping.code, stopping.statusCode], ['IncorrectInstanceStatus', 403]);
    await waitForStatus(ecs, stopped, 'Stopped');
    const error = await sdkError(vncUrlCall(ecs, stopped));
    assert.deepEqual([error.code, error.statusCode], ['IncorrectInstanceStatus', 403]);
  });

  test('InstanceLockedForSecurity 403 while an operator lock is on; a link issued before is refused too', async () => {
    const { instanceId: locked } = await runningInstance(ecs);
    await booted(ecs, locked);
    const { url } = await describeVncUrl(ecs, locked);
    const lock = await openecs(['instances', 'lock', locked, '--reason', 'security', '--data-dir', server.dataDir]);
    assert.equal(lock.code, 0, lock.stderr);
    const error = await sdkError(vncUrlCall(ecs, locked));
    assert.deepEqual([error.code, error.statusCode], ['InstanceLockedForSecurity', 403]);
    await assert.rejects(WsViewer.open(url, null), /refused: 403 The instance is locked/);
    await openecs(['instances', 'unlock', locked, '--data-dir', server.dataDir]);
    const viewer = await WsViewer.open((await describeVncUrl(ecs, locked)).url, null);
    viewer.ws.close();
  });
});

describe('DescribeInstanceVncUrl while the guest boots', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ bootSeconds: 3 });
  });
  after(() => server.dispose());

  test('InstanceNotReady 403 until the login prompt is up, then a URL', async () => {
    const ecs = ecsClient(server);
    const { instanceId } = await runningInstance(ecs);
    const error = await sdkError(vncUrlCall(ecs, instanceId));
    assert.deepEqual([error.code, error.statusCode], ['InstanceNotReady', 403]);
    await booted(ecs, instanceId);
  });
});

describe('DescribeInstanceVncUrl behind --public-url', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ args: ['--public-url', 'https://console.example.test:8443/'] });
  });
  after(() => server.dispose());

  test('the URL uses the public host, and wss:// behind TLS', async () => {
    const ecs = ecsClient(server);
    const { instanceId } = await runningInstance(ecs);
    await booted(ecs, instanceId);
    const { raw, url } = await describeVncUrl(ecs, instanceId);
    assert.match(raw, new RegExp(`^wss%3A%2F%2Fconsole\\.example\\.test%3A8443%2Fwebsockify%2F%3Fs%3D${TOKEN}$`));
    assert.match(url, new RegExp(`^wss://console\\.example\\.test:8443/websockify/\\?s=${TOKEN}$`));
  });
});
