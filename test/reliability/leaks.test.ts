import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gatewayUrlOf, GuestConsole } from '../helpers/guest-console.js';
import { WsViewer } from '../console/helpers.js';
import { type Key, LINUX_IMAGE, REGION } from '../helpers/aliyun.js';
import { encryptAdminPass, signedRequest } from '../helpers/bce.js';
import { openecs, TestServer, until } from '../helpers/server.js';
import { RawClient } from '../helpers/http.js';
import {
  aliyun,
  consoleUrl,
  newAccount,
  randomPassword,
  readyInstance,
  SecretLedger,
  signV1,
  signV3,
  stoppedInstances,
} from './support.js';

/**
 * Every kind of secret through every way it enters the server, accepted and refused: instance
 * passwords (Alibaba launch and ModifyInstanceAttribute, remote connection passwords, Baidu's
 * encrypted adminPass on create and changePass, typed at the guest's login prompt through the
 * console), VNC passwords (set, used and mistyped), console tokens (issued by both dialects, used,
 * reused, put in the console page's URL) and access key secrets. Afterwards none of them may be
 * found in the server's log output or in its database files. (Every other file of this suite runs
 * the same search over its own server when it ends.)
 */

describe('leaks: no secret in the logs or the database files', () => {
  const ledger = new SecretLedger();
  let server: TestServer;
  let client: RawClient;
  let key: Key;

  before(async () => {
    server = await TestServer.start({ env: { OPENECS_BAIDU_REGION: REGION } });
    client = new RawClient(server.port, 8);
    key = await newAccount(server, 'leaky');
    ledger.add('access key secret of a created key', key.secret);
    const preview = await openecs([
      'accounts',
      'preview',
      'leaky',
      'RemoteConnectionOptions',
      'on',
      '--data-dir',
      server.dataDir,
    ]);
    assert.equal(preview.code, 0, preview.stderr);
  });
  after(() => server.dispose());

  test('Alibaba: passwords, VNC passwords and console tokens, accepted and refused', async () => {
    const ok = async (action: string, params: Record<string, string>, v3 = false) => {
      const answer = v3
        ? await client.send(signV3(action, params, key, server.port))
        : await client.send(signV1({ Action: action, ...params }, key, 'POST'));
      assert.equal(answer.status, 200, `${action}: ${answer.body}`);
      return JSON.parse(answer.body) as Record<string, unknown>;
    };
    const refused = async (action: string, params: Record<string, string>, secret: string) => {
      const answer = await client.send(signV1({ Action: action, ...params }, key));
      assert.ok(answer.status >= 400, `${action} was refused: ${answer.body}`);
      assert.ok(!answer.body.includes(secret), `the refusal does not repeat the secret: ${answer.body}`);
    };

    const launchPassword = ledger.add('RunInstances Password', randomPassword());
    const { instanceId } = await readyInstance(client, key, { Password: launchPassword, IoOptimized: 'optimized' });
    const [stopped] = await stoppedInstances(client, 1, key);
    await ok('ModifyInstanceAttribute', {
      InstanceId: stopped!,
      Password: ledger.add('password of a stopped instance', randomPassword()),
    });
    const newPassword = ledger.add('ModifyInstanceAttribute Password', randomPassword());
    await ok('ModifyInstanceAttribute', { InstanceId: instanceId, Password: newPassword }, true);
    await ok('ModifyInstanceAttribute', {
      InstanceId: instanceId,
      'RemoteConnectionOptions.Type': 'hide',
      'RemoteConnectionOptions.Password': ledger.add('remote connection password', randomPassword('Rc')),
    });
    const vncPassword = ledger.add('VNC password', `V${Math.random().toString(36).slice(2, 6)}7`);
    await ok('ModifyInstanceVncPasswd', { RegionId: REGION, InstanceId: instanceId, VncPassword: vncPassword });

    // Refused ones: against the rules, or in a request whose signature is wrong.
    const weak = ledger.add('a password too weak', `weak${Date.now()}`);
    await refused('ModifyInstanceAttribute', { InstanceId: instanceId, Password: weak }, weak);
    const badVnc = ledger.add('a malformed VNC password', `Zz9${Math.random().toString(36).slice(2, 7)}`);
    await refused('ModifyInstanceVncPasswd', { RegionId: REGION, InstanceId: instanceId, VncPassword: badVnc }, badVnc);
    const unsigned = ledger.add('a password in a badly signed request', randomPassword());
    const spoiled = await client.send(
      signV1(
        { Action: 'ModifyInstanceAttribute', InstanceId: instanceId, Password: unsigned },
        { id: key.id, secret: 'wrong' },
      ),
    );
    assert.equal(spoiled.status, 400, spoiled.body);

    // The console: a used token, a reused one, a wrong VNC password, the console page's own URL.
    const url = ledger.addConsoleUrl(await consoleUrl(client, instanceId, key));
    const viewer = await WsViewer.open(url, vncPassword);
    viewer.ws.close();
    await viewer.closed;
    await assert.rejects(WsViewer.open(url, vncPassword), 'a used token is refused');
    const wrongVnc = ledger.add('a mistyped VNC password', 'Wr0ng1');
    await assert.rejects(
      WsViewer.open(ledger.addConsoleUrl(await consoleUrl(client, instanceId, key)), wrongVnc),
      /authentication failed/,
    );
    const page = `/vnc/?vncUrl=${encodeURIComponent(ledger.addConsoleUrl(await consoleUrl(client, instanceId, key)))}&password=${vncPassword}`;
    assert.equal((await client.send({ method: 'GET', path: page })).status, 200);

    // The pending password reaches the guest at a restart: it is applied, and still only a hash.
    await ok('RebootInstance', { InstanceId: instanceId });
    await until(
      async () =>
        (await aliyun(client, 'DescribeInstanceAttribute', { InstanceId: instanceId }, key)).json.Status === 'Running',
      'the reboot',
    );
  });

  test('Baidu: encrypted adminPass on create and changePass, typed at the guest’s login prompt', async () => {
    const created = ledger.add('Baidu adminPass on create', randomPassword('Bc'));
    const answer = await signedRequest(server, {
      method: 'POST',
      path: '/v2/instance',
      key,
      body: {
        imageId: LINUX_IMAGE,
        spec: 'ecs.g7.large',
        adminPass: encryptAdminPass(created, key.secret),
      },
    });
    assert.equal(answer.status, 200, answer.text);
    const id = (answer.json.instanceIds as string[])[0]!;
    const running = async () =>
      (await signedRequest(server, { method: 'GET', path: `/v2/instance/${id}`, key })).json.instance as {
        status: string;
      };
    await until(async () => (await running()).status === 'Running', `${id} to run`);

    const changed = ledger.add('Baidu changePass adminPass', randomPassword('Bp'));
    const change = await signedRequest(server, {
      method: 'PUT',
      path: `/v2/instance/${id}`,
      query: [['changePass', null]],
      key,
      body: { adminPass: encryptAdminPass(changed, key.secret) },
    });
    assert.equal(change.status, 200, change.text);
    const weak = ledger.add('a Baidu password against the rules', `weakpass${Date.now()}`);
    const refused = await signedRequest(server, {
      method: 'PUT',
      path: `/v2/instance/${id}`,
      query: [['changePass', null]],
      key,
      body: { adminPass: encryptAdminPass(weak, key.secret) },
    });
    assert.equal(refused.status, 400, refused.text);
    assert.ok(!refused.text.includes(weak));

    const vnc = await until(async () => {
      const r = await signedRequest(server, { method: 'GET', path: `/v2/instance/${id}/vnc`, key });
      return r.status === 200 && r;
    }, `a console for ${id}`);
    const guest = await GuestConsole.open(ledger.addConsoleUrl(gatewayUrlOf(vnc.json.vncUrl as string)));
    try {
      guest.type('\n');
      await guest.waitForLastLine(/login:$/, 'the login prompt');
      guest.type('root\n');
      await guest.waitForLastLine(/^Password:$/, 'the password prompt');
      guest.type(`${changed}\n`);
      await guest.waitForLastLine(/~#$/, 'a shell');
      guest.type('exit\n');
      await guest.waitForLastLine(/login:$/, 'the login prompt again');
    } finally {
      guest.close();
    }
  });

  test('none of them is in the server’s output or its database files', async () => {
    assert.equal(await server.stop('SIGTERM'), 0);
    assert.ok(ledger.size >= 14, `${ledger.size} secrets were used`);
    assert.deepEqual(ledger.findLeaks([server.output], server.dataDir), []);
    // The search itself works: what is not secret is found where it was written.
    const probe = new SecretLedger();
    probe.add('an access key id', key.id);
    assert.ok(
      probe.findLeaks([server.output], server.dataDir).some((hit) => /openecs\.db/.test(hit)),
      'the key id is in the database',
    );
  });
});
