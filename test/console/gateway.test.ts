import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { $Ecs, ecsClient, type EcsClient, REGION } from '../helpers/aliyun.js';
import { TestServer, until } from '../helpers/server.js';
import {
  auditOf,
  auditRecord,
  describeVncUrl,
  expectRefused,
  openWs,
  readyInstance,
  SHIFT_L,
  WsViewer,
} from './helpers.js';

/**
 * The console gateway at /websockify/?s=<token>, through a real server: each rule a user meets
 * (single use, expiry, bad tokens, the reconnect cap, idle keepalive, sessions ending with the
 * instance or its VNC password) and the audit trail each session leaves.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setVnc(ecs: EcsClient, instanceId: string, vncPassword: string) {
  return ecs.modifyInstanceVncPasswd(
    new $Ecs.ModifyInstanceVncPasswdRequest({ regionId: REGION, instanceId, vncPassword }),
  );
}

describe('console gateway with Alibaba defaults (15 s links, 60 s idle, 30 a minute)', () => {
  let server: TestServer;
  let ecs: EcsClient;
  before(async () => {
    server = await TestServer.start();
    ecs = ecsClient(server);
  });
  after(() => server.dispose());

  test('a bad or missing token is refused with 401 before any connection', async () => {
    const { url } = await describeVncUrl(ecs, await readyInstance(ecs));
    const base = url.split('?')[0]!;
    // The link with its token's first character changed (to another character: it may be an x).
    const altered = url.replace(/s=(.)/, (_, first: string) => `s=${first === 'x' ? 'y' : 'x'}`);
    for (const bad of [`${base}?s=${'A'.repeat(43)}`, `${base}?s=`, base, altered]) {
      const refusal = await expectRefused(bad);
      assert.equal(refusal.status, 401, bad);
      assert.match(refusal.code!, /^ConsoleToken(Invalid|Missing)$/);
      assert.match(refusal.body, /not valid|no token/);
    }
    assert.doesNotMatch(server.output, /console session open/, 'no session was relayed');
    // The link itself was never consumed by those attempts.
    const viewer = await WsViewer.open(url, null);
    viewer.ws.close();
  });

  test('a link works once: the second connection gets 401, also while the first is open', async () => {
    const { url } = await describeVncUrl(ecs, await readyInstance(ecs));
    const viewer = await WsViewer.open(url, null);
    assert.equal(viewer.width, 640);
    const whileOpen = await expectRefused(url);
    assert.deepEqual([whileOpen.status, whileOpen.code], [401, 'ConsoleTokenUsed']);
    viewer.ws.close();
    await viewer.closed;
    const afterwards = await expectRefused(url);
    assert.deepEqual([afterwards.status, afterwards.code], [401, 'ConsoleTokenUsed']);
  });

  test('of 12 concurrent connections with one link exactly one is admitted', async () => {
    const { url } = await describeVncUrl(ecs, await readyInstance(ecs));
    const results = await Promise.all(Array.from({ length: 12 }, () => openWs(url)));
    const admitted = results.filter((r) => 'ws' in r);
    const refused = results.flatMap((r) => ('refused' in r ? [r.refused] : []));
    assert.equal(admitted.length, 1);
    assert.equal(refused.length, 11);
    for (const refusal of refused) assert.deepEqual([refusal.status, refusal.code], [401, 'ConsoleTokenUsed']);
    for (const r of admitted) r.ws.close();
  });

  test('30 connections a minute per instance: of 31 at once, 30 are admitted and one gets 429', async () => {
    const instanceId = await readyInstance(ecs);
    const urls = await Promise.all(Array.from({ length: 31 }, async () => (await describeVncUrl(ecs, instanceId)).url));
    const results = await Promise.all(urls.map((url) => openWs(url)));
    const refused = results.flatMap((r) => ('refused' in r ? [r.refused] : []));
    assert.equal(results.length - refused.length, 30);
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.status, 429);
    assert.equal(refused[0]!.code, 'ConsoleReconnectLimit');
    assert.match(refused[0]!.body, /at most 30 a minute/);
    for (const r of results) if ('ws' in r) r.ws.close();
    // Another instance of the same account is not affected.
    const other = await WsViewer.open((await describeVncUrl(ecs, await readyInstance(ecs))).url, null);
    other.ws.close();
  });

  test('StopInstance closes the session with "instance stopped"', async () => {
    const instanceId = await readyInstance(ecs);
    const viewer = await WsViewer.open((await describeVncUrl(ecs, instanceId)).url, null);
    await ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId }));
    const closed = await viewer.closed;
    assert.deepEqual([closed.code, closed.reason], [4001, 'instance stopped']);
    await auditRecord(server, instanceId, 'ConsoleClosed', /instance stopped/);
  });

  test('deleting the instance closes the session with "instance deleted"', async () => {
    const instanceId = await readyInstance(ecs);
    const viewer = await WsViewer.open((await describeVncUrl(ecs, instanceId)).url, null);
    await ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId, force: true }));
    const closed = await viewer.closed;
    assert.deepEqual([closed.code, closed.reason], [4002, 'instance deleted']);
  });

  test('a new VNC password on an I/O optimized instance closes its sessions; the new one works, the old does not', async () => {
    const instanceId = await readyInstance(ecs);
    await setVnc(ecs, instanceId, 'Old1ab');
    const viewer = await WsViewer.open((await describeVncUrl(ecs, instanceId)).url, 'Old1ab');
    await setVnc(ecs, instanceId, 'New2cd');
    const closed = await viewer.closed;
    assert.deepEqual([closed.code, closed.reason], [4003, 'VNC password changed']);
    await assert.rejects(WsViewer.open((await describeVncUrl(ecs, instanceId)).url, 'Old1ab'), /authentication failed/);
    const again = await WsViewer.open((await describeVncUrl(ecs, instanceId)).url, 'New2cd');
    again.ws.close();
    await auditRecord(server, instanceId, 'ConsoleClosed', /password changed/);
  });

  test('on an instance that is not I/O optimized the new VNC password waits for a restart: the session stays, new connections still need the old one', async () => {
    const instanceId = await readyInstance(ecs, { ioOptimized: 'none' });
    const rebooted = async () => {
      await ecs.rebootInstance(new $Ecs.RebootInstanceRequest({ instanceId }));
      return until(async () => describeVncUrl(ecs, instanceId).catch(() => undefined), 'the rebooted instance');
    };
    await setVnc(ecs, instanceId, 'Old1ab');
    const viewer = await WsViewer.open((await rebooted()).url, 'Old1ab');
    await setVnc(ecs, instanceId, 'New2cd');
    await sleep(300);
    assert.equal(viewer.ws.readyState, viewer.ws.OPEN);
    // Still relayed both ways: an update request gets a framebuffer update.
    viewer.updateRequest(false);
    assert.equal((await viewer.read(1))[0], 0);
    viewer.ws.close();
    // Until the restart the guest's VNC server knows only the old password.
    await assert.rejects(WsViewer.open((await describeVncUrl(ecs, instanceId)).url, 'New2cd'), /authentication failed/);
    (await WsViewer.open((await describeVncUrl(ecs, instanceId)).url, 'Old1ab')).ws.close();
    const { url } = await rebooted();
    await assert.rejects(WsViewer.open(url, 'Old1ab'), /authentication failed/);
    (await WsViewer.open((await describeVncUrl(ecs, instanceId)).url, 'New2cd')).ws.close();
  });

  test('audit: issued (caller), consumed (client IP), closed (reason); the token appears nowhere', async () => {
    const instanceId = await readyInstance(ecs);
    const { url } = await describeVncUrl(ecs, instanceId);
    const token = new URL(url).searchParams.get('s')!;
    const viewer = await WsViewer.open(url, null);
    viewer.ws.close();
    const closed = await auditRecord(server, instanceId, 'ConsoleClosed', /client/);
    const records = (await auditOf(server, instanceId)).filter((r) => r.action.startsWith('Console'));
    const issued = records.filter((r) => r.action === 'ConsoleIssued');
    const consumed = records.find((r) => r.action === 'ConsoleConsumed')!;
    const last = issued.at(-1)!;
    assert.equal(last.accessKeyId, 'LTAI5tTestKey0000000001');
    assert.equal(last.sourceIp, '127.0.0.1');
    assert.match(last.requestId, /^[0-9A-F-]{36}$/);
    assert.equal(consumed.sourceIp, '127.0.0.1');
    assert.equal(consumed.accountId, last.accountId);
    assert.equal(consumed.outcome, 'Success');
    // One session, one id; the issue record names the same token by a short fingerprint.
    assert.equal(closed.requestId, consumed.requestId);
    assert.equal(last.detail!.split(' ')[1], consumed.detail!.split(' ')[1]);
    assert.doesNotMatch(JSON.stringify(records), new RegExp(token));
    assert.doesNotMatch(server.output, new RegExp(token));
  });

  test('a plain GET of the link says what an upgrade would meet, without using it', async () => {
    const { url } = await describeVncUrl(ecs, await readyInstance(ecs));
    const http = url.replace(/^ws:/, 'http:');
    const valid = await fetch(http);
    assert.equal(valid.status, 200);
    assert.deepEqual(await valid.json(), { code: 'Valid' });
    const viewer = await WsViewer.open(url, null);
    const used = await fetch(http);
    assert.equal(used.status, 401);
    assert.equal(((await used.json()) as { code: string }).code, 'ConsoleTokenUsed');
    viewer.ws.close();
  });

  test('bytes that are not RFB end the session with a protocol error', async () => {
    const { url } = await describeVncUrl(ecs, await readyInstance(ecs));
    const result = await openWs(url);
    assert.ok('ws' in result);
    const viewer = new WsViewer(result);
    await viewer.read(12);
    viewer.ws.send(Buffer.from('GET / HTTP/1.1\r\n'));
    const closed = await viewer.closed;
    assert.equal(closed.code, 1002);
  });
});

describe('console gateway with short limits (1 s links, 1 s idle, 3 a minute)', () => {
  let server: TestServer;
  let ecs: EcsClient;
  before(async () => {
    server = await TestServer.start({
      args: ['--console-url-ttl-seconds', '1', '--console-idle-seconds', '1', '--console-reconnects-per-minute', '3'],
    });
    ecs = ecsClient(server);
  });
  after(() => server.dispose());

  test('a link not used within its lifetime is refused with 401 and says it expired', async () => {
    const instanceId = await readyInstance(ecs);
    const { url } = await describeVncUrl(ecs, instanceId);
    await sleep(1_200);
    const refusal = await expectRefused(url);
    assert.deepEqual([refusal.status, refusal.code], [401, 'ConsoleTokenExpired']);
    assert.match(refusal.body, /expired/);
    await auditRecord(server, instanceId, 'ConsoleRefused', /ConsoleTokenExpired/);
  });

  test('the 4th connection within a minute is refused with 429 and a reason', async () => {
    const instanceId = await readyInstance(ecs);
    for (let i = 0; i < 3; i++) {
      const viewer = await WsViewer.open((await describeVncUrl(ecs, instanceId)).url, null);
      viewer.ws.close();
      await viewer.closed;
    }
    const { url } = await describeVncUrl(ecs, instanceId);
    const refusal = await expectRefused(url);
    assert.equal(refusal.status, 429);
    assert.equal(refusal.code, 'ConsoleReconnectLimit');
    assert.match(refusal.body, /at most 3 a minute/);
    const status = await fetch(url.replace(/^ws:/, 'http:'));
    assert.equal(status.status, 429);
    await auditRecord(server, instanceId, 'ConsoleRefused', /ConsoleReconnectLimit/);
  });

  test('update requests alone do not keep a session alive: it closes as idle', async () => {
    const instanceId = await readyInstance(ecs);
    const viewer = await WsViewer.open((await describeVncUrl(ecs, instanceId)).url, null);
    const opened = Date.now();
    const requests = setInterval(() => {
      if (viewer.ws.readyState === viewer.ws.OPEN) viewer.updateRequest();
      viewer.discard();
    }, 100);
    const closed = await viewer.closed.finally(() => clearInterval(requests));
    assert.equal(closed.code, 4000);
    assert.match(closed.reason, /^idle/);
    const lasted = closed.at - opened;
    assert.ok(lasted >= 800 && lasted < 2_500, `closed after ${lasted} ms`);
    await auditRecord(server, instanceId, 'ConsoleClosed', /idle/);
  });

  test('key events keep a session alive; once they stop it closes as idle', async () => {
    const viewer = await WsViewer.open((await describeVncUrl(ecs, await readyInstance(ecs))).url, null);
    const typing = setInterval(() => viewer.key(SHIFT_L), 300);
    await sleep(2_500);
    clearInterval(typing);
    assert.equal(viewer.ws.readyState, viewer.ws.OPEN, 'open after 2.5 s of typing with a 1 s idle limit');
    const stopped = Date.now();
    const closed = await viewer.closed;
    assert.equal(closed.code, 4000);
    const lasted = closed.at - stopped;
    assert.ok(lasted >= 700 && lasted < 2_500, `closed ${lasted} ms after the last key`);
  });
});

describe('console gateway at shutdown', () => {
  test('stopping the server closes sessions with "server shutdown", audited', async () => {
    const server = await TestServer.start();
    try {
      const ecs = ecsClient(server);
      const instanceId = await readyInstance(ecs);
      const viewer = await WsViewer.open((await describeVncUrl(ecs, instanceId)).url, null);
      const [closed, exit] = await Promise.all([viewer.closed, server.stop('SIGTERM')]);
      assert.deepEqual([closed.code, closed.reason], [1001, 'server shutdown']);
      assert.equal(exit, 0);
      const records = await auditOf(server, instanceId);
      assert.ok(records.some((r) => r.action === 'ConsoleClosed' && r.detail === 'server shutdown'));
    } finally {
      await server.dispose();
    }
  });
});

describe('console gateway across a crash', () => {
  test('links issued before the server was killed are refused after its restart; new ones work', async () => {
    const first = await TestServer.start();
    const instanceId = await readyInstance(ecsClient(first));
    const used = (await describeVncUrl(ecsClient(first), instanceId)).url;
    const unused = (await describeVncUrl(ecsClient(first), instanceId)).url;
    const viewer = await WsViewer.open(used, null);
    const lost = viewer.closed.catch(() => null);
    await first.stop('SIGKILL');
    await lost;

    const second = await TestServer.start({ dataDir: first.dataDir });
    try {
      const ecs = ecsClient(second);
      // The instance is back with its console: what refuses the old links is their age alone.
      const fresh = await until(async () => {
        try {
          return (await describeVncUrl(ecs, instanceId)).url;
        } catch (error) {
          if ((error as { code?: string }).code !== 'InstanceNotReady') throw error;
          return undefined;
        }
      }, `${instanceId} to boot again`);
      const here = (url: string) => url.replace(`:${first.port}/`, `:${second.port}/`);
      // Well within their 15 s, yet void: a consumption the crash lost could otherwise be replayed.
      const refusedUnused = await expectRefused(here(unused));
      assert.deepEqual([refusedUnused.status, refusedUnused.code], [401, 'ConsoleTokenExpired']);
      const refusedUsed = await expectRefused(here(used));
      assert.equal(refusedUsed.status, 401);
      assert.match(refusedUsed.code!, /^ConsoleToken(Used|Expired)$/);
      const again = await WsViewer.open(fresh, null);
      again.ws.close();
      await again.closed;
    } finally {
      await second.dispose();
    }
  });
});
