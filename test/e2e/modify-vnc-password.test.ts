import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  $Ecs,
  ecsClient,
  type EcsClient,
  LINUX_IMAGE,
  REGION,
  runningInstance,
  sdkError,
  statusOf,
  waitForStatus,
} from '../helpers/aliyun.js';
import { openecs, TestServer, until } from '../helpers/server.js';

/**
 * ModifyInstanceVncPasswd through the official SDK: one test per error code it answers (named
 * after the code) with its HTTP status and an unchanged instance, then when the new password is in
 * force: at once on I/O optimized instances, at the next restart through the API on others.
 */

interface InstanceView {
  status: string;
  guest: { hasVncPassword: boolean } | null;
  pending: { attribute: string; appliesOn: string }[];
}

async function show(server: TestServer, instanceId: string): Promise<InstanceView> {
  const result = await openecs(['instances', 'show', instanceId, '--json', '--data-dir', server.dataDir]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as InstanceView;
}

const pendingOf = async (server: TestServer, instanceId: string) =>
  (await show(server, instanceId)).pending.map((p) => p.attribute);

function setVnc(ecs: EcsClient, instanceId: string, vncPassword: string, regionId = REGION) {
  return ecs.modifyInstanceVncPasswd(new $Ecs.ModifyInstanceVncPasswdRequest({ regionId, instanceId, vncPassword }));
}

/** As a client does: InstanceNotReady ("please try later") while the guest is still booting. */
async function setVncWhenReady(ecs: EcsClient, instanceId: string, vncPassword: string): Promise<void> {
  await until(async () => {
    try {
      await setVnc(ecs, instanceId, vncPassword);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code !== 'InstanceNotReady') throw error;
      return false;
    }
  }, `${instanceId} to take a VNC password`);
}

/** What the API shows of the instance, less what the lifecycle moves by itself. */
async function snapshot(ecs: EcsClient, instanceId: string) {
  const answer = await ecs.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId }));
  const { RequestId: _id, Status: _status, StoppedMode: _mode, ...rest } = answer.body!.toMap();
  return rest;
}

/**
 * Every password is refused with code and status; afterwards the API shows the same instance and
 * no VNC password waits for the guest, nor did the guest's change.
 */
async function refused(
  server: TestServer,
  ecs: EcsClient,
  instanceId: string,
  passwords: string[],
  code: string,
  status: number,
  regionId = REGION,
) {
  const before = await snapshot(ecs, instanceId);
  const guestBefore = (await show(server, instanceId)).guest;
  for (const password of passwords) {
    const error = await sdkError(setVnc(ecs, instanceId, password, regionId));
    assert.equal(error.code, code, `${JSON.stringify(password)}: ${String(error.data?.Message)}`);
    assert.equal(error.statusCode, status);
  }
  assert.deepEqual(await snapshot(ecs, instanceId), before, 'a refused call changes nothing');
  const after = await show(server, instanceId);
  assert.deepEqual(after.pending, []);
  assert.deepEqual(after.guest, guestBefore);
}

describe('ModifyInstanceVncPasswd through @alicloud/ecs20140526', () => {
  let server: TestServer;
  let ecs: EcsClient;
  let instanceId: string;
  before(async () => {
    server = await TestServer.start({ transitionSeconds: 0.2, bootSeconds: 0.1 });
    ecs = ecsClient(server);
    instanceId = (await runningInstance(ecs)).instanceId;
  });
  after(() => server.dispose());

  test('IncorrectVncPassword.Malformed 400: exactly 6 letters and digits, with upper case, lower case and a digit', async () => {
    await refused(
      server,
      ecs,
      instanceId,
      ['Abc12', 'Abc1234', 'Abcdef', 'abc123', 'ABC123', 'Ab1!23', 'Ab 123', 'Ab1é23', '123456'],
      'IncorrectVncPassword.Malformed',
      400,
    );
  });

  test('InvalidInstanceId.NotFound 404: unknown instances, instances of another region or another account', async () => {
    for (const id of ['i-bp00000000000000000', 'nonsense']) {
      const error = await sdkError(setVnc(ecs, id, 'Abc123'));
      assert.equal(error.code, 'InvalidInstanceId.NotFound');
      assert.equal(error.statusCode, 404);
    }
    await refused(server, ecs, instanceId, ['Abc123'], 'InvalidInstanceId.NotFound', 404, 'cn-shanghai');
    const created = await openecs([
      'keys',
      'create',
      '--account',
      'vnc-stranger',
      '--json',
      '--data-dir',
      server.dataDir,
    ]);
    const key = JSON.parse(created.stdout) as { accessKeyId: string; accessKeySecret: string };
    const stranger = ecsClient(server, { key: { id: key.accessKeyId, secret: key.accessKeySecret } });
    const error = await sdkError(setVnc(stranger, instanceId, 'Abc123'));
    assert.equal(error.code, 'InvalidInstanceId.NotFound');
    assert.deepEqual(await pendingOf(server, instanceId), []);
  });

  test('InvalidRegionId.NotFound 404: an unknown region', async () => {
    await refused(server, ecs, instanceId, ['Abc123'], 'InvalidRegionId.NotFound', 404, 'cn-nowhere');
  });

  test('InstanceLockedForSecurity 403: a security lock refuses the VNC password', async () => {
    const locked = (await runningInstance(ecs)).instanceId;
    const lock = await openecs(['instances', 'lock', locked, '--reason', 'security', '--data-dir', server.dataDir]);
    assert.equal(lock.code, 0, lock.stderr);
    await refused(server, ecs, locked, ['Abc123'], 'InstanceLockedForSecurity', 403);
    await openecs(['instances', 'unlock', locked, '--data-dir', server.dataDir]);
    await setVncWhenReady(ecs, locked, 'Abc123');
  });

  test('an I/O optimized instance has the new password at once: nothing is pending, Running or Stopped', async () => {
    const fresh = (await runningInstance(ecs)).instanceId;
    assert.equal((await show(server, fresh)).guest!.hasVncPassword, false);
    await setVncWhenReady(ecs, fresh, 'Abc123');
    let view = await show(server, fresh);
    assert.deepEqual(view.pending, []);
    assert.equal(view.guest!.hasVncPassword, true, 'the running guest has it');

    await ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: fresh }));
    await waitForStatus(ecs, fresh, 'Stopped');
    await setVnc(ecs, fresh, 'Xyz789');
    view = await show(server, fresh);
    assert.deepEqual(view.pending, []);
  });

  test('a non I/O optimized instance: the password is pending until RebootInstance, then applied', async () => {
    const legacy = (await runningInstance(ecs, { ioOptimized: 'none' })).instanceId;
    const attribute = await ecs.describeInstanceAttribute(
      new $Ecs.DescribeInstanceAttributeRequest({ instanceId: legacy }),
    );
    assert.equal(attribute.body!.ioOptimized, 'none');
    await setVncWhenReady(ecs, legacy, 'Abc123');
    let view = await show(server, legacy);
    assert.deepEqual(
      view.pending.map((p) => p.attribute),
      ['VncPassword'],
    );
    assert.match(view.pending[0]!.appliesOn, /RebootInstance/);
    assert.equal(view.guest!.hasVncPassword, false, 'the running guest does not have it yet');

    await ecs.rebootInstance(new $Ecs.RebootInstanceRequest({ instanceId: legacy }));
    await waitForStatus(ecs, legacy, 'Running');
    view = await show(server, legacy);
    assert.deepEqual(view.pending, []);
    assert.equal(view.guest!.hasVncPassword, true);

    // Changed again: pending again, and Stop then Start through the API applies it as well.
    await setVncWhenReady(ecs, legacy, 'Xyz789');
    assert.deepEqual(await pendingOf(server, legacy), ['VncPassword']);
    await ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: legacy }));
    await waitForStatus(ecs, legacy, 'Stopped');
    await ecs.startInstance(new $Ecs.StartInstanceRequest({ instanceId: legacy }));
    await waitForStatus(ecs, legacy, 'Running');
    assert.deepEqual(await pendingOf(server, legacy), []);
  });
});

/**
 * The states in which the password is refused. Transitions take 1.5 s and a boot 4 s here, so each
 * refused call lands well inside the state it names; every test checks it still was in it.
 */
describe('ModifyInstanceVncPasswd in transitional states', () => {
  let server: TestServer;
  let ecs: EcsClient;
  before(async () => {
    server = await TestServer.start({ transitionSeconds: 1.5, bootSeconds: 4 });
    ecs = ecsClient(server);
  });
  after(() => server.dispose());

  async function run(): Promise<string> {
    const sg = await ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION }));
    const answer = await ecs.runInstances(
      new $Ecs.RunInstancesRequest({
        regionId: REGION,
        imageId: LINUX_IMAGE,
        instanceType: 'ecs.g7.large',
        securityGroupId: sg.body!.securityGroupId,
      }),
    );
    return answer.body!.instanceIdSets!.instanceIdSet![0]!;
  }

  /** Refused while in `status`: the call is made and checked at once, inside the state's window. */
  async function refusedWhile(instanceId: string, status: string, code: string) {
    await waitForStatus(ecs, instanceId, status, 20_000);
    const error = await sdkError(setVnc(ecs, instanceId, 'Abc123'));
    assert.equal(await statusOf(ecs, instanceId), status, `the refusal happened while ${status}`);
    assert.equal(error.code, code);
    assert.equal(error.statusCode, 403);
  }

  async function assertNoVncPassword(instanceId: string) {
    const view = await show(server, instanceId);
    assert.deepEqual(view.pending, [], 'no refused password waits for the guest');
    assert.equal(view.guest?.hasVncPassword ?? false, false, 'nor did the guest get one');
  }

  test('IncorrectInstanceStatus 403: while Pending, Starting and Stopping', async () => {
    const instanceId = await run();
    await refusedWhile(instanceId, 'Pending', 'IncorrectInstanceStatus');
    await refusedWhile(instanceId, 'Starting', 'IncorrectInstanceStatus');
    await waitForStatus(ecs, instanceId, 'Running', 20_000);
    await ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId, forceStop: true }));
    await refusedWhile(instanceId, 'Stopping', 'IncorrectInstanceStatus');
    await waitForStatus(ecs, instanceId, 'Stopped', 20_000);
    await assertNoVncPassword(instanceId);
  });

  test('InstanceNotReady 403: Running, but the guest has not finished booting', async () => {
    const instanceId = await run();
    await refusedWhile(instanceId, 'Running', 'InstanceNotReady');
    await assertNoVncPassword(instanceId);
  });
});
