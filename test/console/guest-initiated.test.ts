import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GuestConsole } from '../helpers/guest-console.js';
import { $Ecs, ecsClient, type EcsClient, runningInstance, statusOf, waitForStatus } from '../helpers/aliyun.js';
import { openecs, TestServer, until } from '../helpers/server.js';
import { describeVncUrl } from './helpers.js';

const PASSWORD = 'Test123456&$';

interface Shown {
  status: string;
  guest: { hostName: string } | null;
  pending: { attribute: string }[];
}

async function show(server: TestServer, instanceId: string): Promise<Shown> {
  const result = await openecs(['instances', 'show', instanceId, '--json', '--data-dir', server.dataDir]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Shown;
}

/** Logs in as root on the instance's console (through the real gateway) and types a command. */
async function runInGuest(ecs: EcsClient, instanceId: string, command: string): Promise<void> {
  const console = await GuestConsole.open((await describeVncUrl(ecs, instanceId)).url);
  try {
    await console.waitForLastLine(/login:/, 'the login prompt');
    console.type(`root\n${PASSWORD}\n`);
    await console.waitForLastLine(/~#/, 'a root shell');
    console.type(`${command}\n`);
  } finally {
    console.close();
  }
}

/** Waits until the guest has booted far enough that a console URL can be issued. */
function consoleReady(ecs: EcsClient, instanceId: string): Promise<unknown> {
  return until(
    () =>
      describeVncUrl(ecs, instanceId).then(
        () => true,
        () => false,
      ),
    'the console to be ready',
  );
}

describe('a restart from inside the guest changes the state but applies nothing pending', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ transitionSeconds: 0.3 });
  });
  after(() => server.dispose());

  test('`reboot` in the guest: Stopping, Starting, Running again, the new hostname still pending until RebootInstance', async () => {
    const ecs = ecsClient(server);
    const { instanceId } = await runningInstance(ecs, { password: PASSWORD, hostName: 'before-host' });
    await ecs.modifyInstanceAttribute(new $Ecs.ModifyInstanceAttributeRequest({ instanceId, hostName: 'after-host' }));
    await consoleReady(ecs, instanceId);

    await runInGuest(ecs, instanceId, 'reboot');
    await until(async () => (await statusOf(ecs, instanceId)) !== 'Running', 'the guest reboot to reach the API');
    await waitForStatus(ecs, instanceId, 'Running');
    const afterGuestReboot = await show(server, instanceId);
    assert.equal(afterGuestReboot.guest?.hostName, 'before-host', 'the guest kept its old hostname');
    assert.deepEqual(
      afterGuestReboot.pending.map((p) => p.attribute),
      ['HostName'],
    );

    await ecs.rebootInstance(new $Ecs.RebootInstanceRequest({ instanceId }));
    await until(
      async () => (await show(server, instanceId)).guest?.hostName === 'after-host',
      'the API reboot to apply',
    );
    await waitForStatus(ecs, instanceId, 'Running');
    assert.deepEqual((await show(server, instanceId)).pending, []);
  });

  test('`poweroff` in the guest: the instance ends Stopped', async () => {
    const ecs = ecsClient(server);
    const { instanceId } = await runningInstance(ecs, { password: PASSWORD });
    await consoleReady(ecs, instanceId);
    await runInGuest(ecs, instanceId, 'poweroff');
    await waitForStatus(ecs, instanceId, 'Stopped');
  });
});
