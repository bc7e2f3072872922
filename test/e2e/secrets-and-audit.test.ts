import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  $Ecs,
  ecsClient,
  type EcsClient,
  popClient,
  REGION,
  runningInstance,
  sdkError,
  signedV1,
  waitForStatus,
} from '../helpers/aliyun.js';
import { openecs, TEST_KEY, TestServer } from '../helpers/server.js';

/**
 * Passwords, VNC passwords and access key secrets go in through the API and never come out: not
 * in a log line, not in a byte of the database, not in the audit trail. The audit trail itself
 * records every mutating call and every refusal of one, with who, from where and what came of it.
 */

const DB_FILES = ['openecs.db', 'openecs.db-wal', 'openecs.db-shm'];

/** An admin password no other text will contain by chance: upper, lower, digits and a special. */
const adminPassword = () => `Pw${randomBytes(8).toString('hex')}!`;

/** A valid VNC password: six letters and digits with each class, at random. */
function vncPassword(): string {
  const pick = (chars: string) => chars[randomInt(chars.length)]!;
  const upper = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  const lower = 'abcdefghijkmnpqrstuvwxyz';
  const digits = '23456789';
  return [
    pick(upper),
    pick(lower),
    pick(digits),
    pick(upper + lower + digits),
    pick(upper + lower),
    pick(lower + digits),
  ].join('');
}

/** The forms a leaked secret would take: as sent, and URL-encoded as it travels in a query. */
const forms = (secret: string) => [
  ...new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]),
];

async function admin(server: TestServer, args: string[]): Promise<string> {
  const result = await openecs([...args, '--data-dir', server.dataDir]);
  assert.equal(result.code, 0, `openecs ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** `marker` is a value stored in the clear: finding it proves the search reads what was written. */
function assertNowhere(server: TestServer, secrets: string[], marker: string, where: string): void {
  const files = DB_FILES.map((name) => join(server.dataDir, name)).filter(existsSync);
  assert.ok(
    files.some((f) => f.endsWith('openecs.db')),
    `the SQLite database is in ${server.dataDir}`,
  );
  const contents = files.map((file) => ({ file, bytes: readFileSync(file) }));
  assert.ok(
    contents.some(({ bytes }) => bytes.includes(Buffer.from(marker))),
    `${where}: the plain instance name is found`,
  );
  for (const secret of secrets) {
    for (const form of forms(secret)) {
      assert.equal(server.output.includes(form), false, `${where}: the server output holds the secret ${form}`);
      for (const { file, bytes } of contents) {
        assert.equal(bytes.includes(Buffer.from(form)), false, `${where}: ${file} holds the secret ${form}`);
      }
    }
  }
}

interface AuditRecord {
  at: number;
  accountId: string | null;
  accessKeyId: string | null;
  sourceIp: string;
  action: string;
  resourceId: string | null;
  outcome: string;
  requestId: string;
  detail: string | null;
}

describe('secrets and the audit trail', () => {
  let server: TestServer;
  let ecs: EcsClient;
  let ecsV1: EcsClient;
  before(async () => {
    server = await TestServer.start({ transitionSeconds: 0.2, bootSeconds: 0.1 });
    ecs = ecsClient(server);
    ecsV1 = ecsClient(server, { v1: true });
  });
  after(() => server.dispose());

  const modify = (client: EcsClient, instanceId: string, changes: Record<string, unknown>) =>
    client.modifyInstanceAttribute(new $Ecs.ModifyInstanceAttributeRequest({ instanceId, ...changes }));
  const setVnc = (client: EcsClient, instanceId: string, vncPassword: string, regionId = REGION) =>
    client.modifyInstanceVncPasswd(new $Ecs.ModifyInstanceVncPasswdRequest({ regionId, instanceId, vncPassword }));
  const setVncWhenReady = async (client: EcsClient, instanceId: string, password: string) => {
    for (;;) {
      const outcome = await setVnc(client, instanceId, password).catch((error: { code?: string }) => error);
      if (!('code' in outcome) || outcome.code !== 'InstanceNotReady') return outcome;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  test('admin passwords, VNC passwords and the access key secret: in no log line and no database byte', async () => {
    const secrets: string[] = [];
    const admins = Array.from({ length: 8 }, adminPassword);
    const vncs = Array.from({ length: 5 }, vncPassword);
    secrets.push(...admins, ...vncs);
    const pop = popClient(server);

    // Set through every client and signature: V3 and V1 with the official SDK, GET and POST with pop-core.
    const optimized = (await runningInstance(ecs, { password: admins[0] })).instanceId;
    const legacy = (await runningInstance(ecsV1, { password: admins[1], ioOptimized: 'none' })).instanceId;
    await modify(ecs, optimized, { password: admins[2] });
    await modify(ecsV1, legacy, { password: admins[3] });
    await pop.request('ModifyInstanceAttribute', { InstanceId: optimized, Password: admins[4] }, { method: 'GET' });
    await pop.request('ModifyInstanceAttribute', { InstanceId: legacy, Password: admins[5] }, { method: 'POST' });
    assert.equal('code' in (await setVncWhenReady(ecs, optimized, vncs[0]!)), false);
    assert.equal('code' in (await setVncWhenReady(ecsV1, legacy, vncs[1]!)), false);
    await pop.request(
      'ModifyInstanceVncPasswd',
      { RegionId: REGION, InstanceId: legacy, VncPassword: vncs[2] },
      { method: 'GET' },
    );

    const marker = `marker${randomBytes(8).toString('hex')}`;
    await modify(ecs, legacy, { instanceName: marker });

    // Refused calls carry secrets too: a valid password beside a bad hostname, malformed ones.
    const tooLong = `${admins[6]}${randomBytes(8).toString('hex')}`;
    secrets.push(tooLong);
    assert.equal(
      (await sdkError(modify(ecs, optimized, { password: admins[6], hostName: '-bad-' }))).code,
      'InvalidHostName.Malformed',
    );
    assert.equal((await sdkError(modify(ecs, optimized, { password: tooLong }))).code, 'InvalidPassword.Malformed');
    const sevenChars = `${vncs[3]}X`;
    secrets.push(sevenChars);
    assert.equal((await sdkError(setVnc(ecs, optimized, sevenChars))).code, 'IncorrectVncPassword.Malformed');
    assert.equal((await sdkError(setVnc(ecs, optimized, vncs[3]!, 'cn-nowhere'))).code, 'InvalidRegionId.NotFound');

    // The invitation-only remote connection password is never stored at all.
    await admin(server, ['accounts', 'preview', 'default', 'RemoteConnectionOptions', 'on']);
    await modify(ecs, optimized, {
      remoteConnectionOptions: new $Ecs.ModifyInstanceAttributeRequestRemoteConnectionOptions({
        type: 'hide',
        password: admins[7],
      }),
    });

    // Restarts through the API hand the pending ones to the guests.
    for (const instanceId of [optimized, legacy]) {
      await ecs.rebootInstance(new $Ecs.RebootInstanceRequest({ instanceId }));
      await waitForStatus(ecs, instanceId, 'Running');
    }
    assert.equal('code' in (await setVncWhenReady(ecs, legacy, vncs[4]!)), false);

    const shown = await admin(server, ['instances', 'show', legacy, '--json']);
    const keys = await admin(server, ['keys', 'list', '--json']);
    for (const secret of [...secrets, TEST_KEY.secret]) {
      assert.equal(shown.includes(secret), false, 'instances show prints no secret');
      assert.equal(keys.includes(secret), false, 'keys list prints no secret');
    }

    assertNowhere(server, [...secrets, TEST_KEY.secret], marker, 'while serving');
    assert.equal(await server.stop('SIGTERM'), 0);
    // The shutdown checkpoints the WAL into the database file: look again.
    assertNowhere(server, [...secrets, TEST_KEY.secret], marker, 'after shutdown');
    server = await TestServer.start({ dataDir: server.dataDir, transitionSeconds: 0.2, bootSeconds: 0.1 });
    ecs = ecsClient(server);
    ecsV1 = ecsClient(server, { v1: true });
  });

  test('`openecs audit` lists every mutating call and every refusal with who, where, what and how it ended; never a secret', async () => {
    const accounts = JSON.parse(await admin(server, ['accounts', 'list', '--json'])) as {
      name: string;
      accountId: string;
    }[];
    const accountId = accounts.find((a) => a.name === 'default')!.accountId;
    const started = Date.now();
    const secrets = [adminPassword(), adminPassword(), vncPassword(), vncPassword()];
    const expected: { requestId: string; action: string; outcome: string }[] = [];
    const expectCall = async (action: string, call: Promise<{ body?: { requestId?: string } }>) => {
      const response = await call;
      expected.push({ requestId: response.body!.requestId!, action, outcome: 'Success' });
    };
    const expectRefusal = async (action: string, call: Promise<unknown>, code: string) => {
      const error = await sdkError(call);
      assert.equal(error.code, code);
      expected.push({ requestId: String(error.data.RequestId), action, outcome: code });
    };

    const { instanceId } = await runningInstance(ecs);
    await expectCall(
      'ModifyInstanceAttribute',
      modify(ecs, instanceId, { password: secrets[0], instanceName: 'audited' }),
    );
    await expectRefusal(
      'ModifyInstanceAttribute',
      modify(ecsV1, instanceId, { password: secrets[1], hostName: '-bad-' }),
      'InvalidHostName.Malformed',
    );
    await expectRefusal(
      'ModifyInstanceAttribute',
      modify(ecs, instanceId, { networkInterfaceQueueNumber: 1 }),
      'InvalidStatus.StoppedRequired',
    );
    const ready = await setVncWhenReady(ecs, instanceId, secrets[2]!);
    assert.equal('code' in ready, false);
    expected.push({
      requestId: (ready as $Ecs.ModifyInstanceVncPasswdResponse).body!.requestId!,
      action: 'ModifyInstanceVncPasswd',
      outcome: 'Success',
    });
    await expectRefusal(
      'ModifyInstanceVncPasswd',
      setVnc(ecs, instanceId, `${secrets[3]}1`),
      'IncorrectVncPassword.Malformed',
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date();
    const beforeSince = expected.length;
    await expectCall('StopInstance', ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId })));
    await expectRefusal('ModifyInstanceVncPasswd', setVnc(ecs, instanceId, 'Abc123'), 'IncorrectInstanceStatus');
    await expectRefusal(
      'DeleteInstance',
      ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId })),
      'IncorrectInstanceStatus',
    );
    const described = await ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION }));

    const text = await admin(server, ['audit', '--instance', instanceId, '--json']);
    const records = JSON.parse(text) as AuditRecord[];
    for (const call of expected) {
      const record = records.find((r) => r.requestId === call.requestId);
      assert.ok(record, `${call.action} ${call.outcome} (${call.requestId}) is audited`);
      assert.equal(record.action, call.action);
      assert.equal(record.outcome, call.outcome);
      assert.equal(record.resourceId, instanceId);
      assert.equal(record.accountId, accountId);
      assert.equal(record.accessKeyId, TEST_KEY.id);
      assert.match(record.sourceIp, /^(::ffff:)?127\.0\.0\.1$/);
      assert.ok(record.at >= started && record.at <= Date.now(), 'the time of the call');
    }
    assert.ok(
      records.every((r) => r.resourceId === instanceId),
      '--instance lists that instance only',
    );
    assert.ok(!records.some((r) => r.requestId === described.body!.requestId), 'reads are not audited');
    const modified = records.find((r) => r.requestId === expected[0]!.requestId)!;
    assert.match(modified.detail ?? '', /Password/, 'which attributes were named');

    const plain = await admin(server, ['audit', '--instance', instanceId]);
    for (const secret of secrets) {
      assert.equal(text.includes(secret), false, 'the audit trail holds no secret');
      assert.equal(plain.includes(secret), false, 'the audit trail holds no secret');
    }

    const recent = JSON.parse(
      await admin(server, ['audit', '--instance', instanceId, '--since', since.toISOString(), '--json']),
    ) as AuditRecord[];
    assert.deepEqual(
      recent.map((r) => r.requestId),
      expected.slice(beforeSince).map((c) => c.requestId),
      '--since lists the later calls only, in order',
    );
  });
});

describe('the audit trail and authentication', () => {
  test('a mutating call refused at authentication is audited, without an account', async () => {
    const server = await TestServer.start();
    try {
      const forged = ecsClient(server, { key: { id: TEST_KEY.id, secret: 'not-the-secret' } });
      const error = await sdkError(
        forged.modifyInstanceAttribute(
          new $Ecs.ModifyInstanceAttributeRequest({ instanceId: 'i-bpforged', instanceName: 'x' }),
        ),
      );
      assert.equal(error.code, 'SignatureDoesNotMatch');
      const records = JSON.parse(await admin(server, ['audit', '--instance', 'i-bpforged', '--json'])) as AuditRecord[];
      assert.equal(records.length, 1);
      assert.equal(records[0]!.action, 'ModifyInstanceAttribute');
      assert.equal(records[0]!.outcome, 'SignatureDoesNotMatch');
      assert.equal(records[0]!.accountId, null, 'the caller was never authenticated');
      assert.equal(records[0]!.requestId, error.data.RequestId);
    } finally {
      await server.dispose();
    }
  });
});

describe('secrets in error messages', () => {
  test('SignatureDoesNotMatch shows the string to sign with secret values masked', async () => {
    const server = await TestServer.start();
    try {
      const password = adminPassword();
      const vnc = vncPassword();
      const answer = await signedV1(
        server,
        {
          Action: 'ModifyInstanceAttribute',
          InstanceId: 'i-bpmasked',
          Password: password,
          InstanceName: 'visible-name',
        },
        { mutate: (signed) => (signed.Signature = 'AAAA' + signed.Signature!.slice(4)) },
      );
      const vncAnswer = await signedV1(
        server,
        { Action: 'ModifyInstanceVncPasswd', RegionId: REGION, InstanceId: 'i-bpmasked', VncPassword: vnc },
        { mutate: (signed) => (signed.Signature = 'AAAA' + signed.Signature!.slice(4)) },
      );
      for (const [response, secret, key] of [
        [answer, password, 'Password'],
        [vncAnswer, vnc, 'VncPassword'],
      ] as const) {
        const body = JSON.parse(response.body) as { Code: string; Message: string };
        assert.equal(body.Code, 'SignatureDoesNotMatch');
        assert.match(body.Message, new RegExp(`${key}%3D(%252A){6}(%26|$)`), 'the value is shown masked');
        for (const form of forms(secret)) assert.ok(!response.body.includes(form), `${key} leaked as ${form}`);
      }
      assert.match(
        JSON.parse(answer.body).Message as string,
        /InstanceName%3Dvisible-name%26/,
        'other values are shown',
      );
    } finally {
      await server.dispose();
    }
  });
});
