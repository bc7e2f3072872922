import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  $Ecs,
  ecsClient,
  launchInstances,
  REGION,
  runningInstance,
  statusOf,
  waitForStatus,
} from '../helpers/aliyun.js';
import { openecs, TestServer } from '../helpers/server.js';

describe('durable state and the server process contract', () => {
  test('everything is where it was after a restart on the same data dir', async () => {
    const first = await TestServer.start();
    const ecs = ecsClient(first);
    const { instanceId, securityGroupId } = await runningInstance(ecs, {
      instanceName: 'survivor',
      hostName: 'survivor-host',
    });
    const sg2 = await ecs.createSecurityGroup(
      new $Ecs.CreateSecurityGroupRequest({ regionId: REGION, securityGroupName: 'second' }),
    );
    const stopped = await runningInstance(ecs);
    await ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: stopped.instanceId }));
    await waitForStatus(ecs, stopped.instanceId, 'Stopped');
    const before = await ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION, pageSize: 100 }));
    assert.equal(await first.stop('SIGTERM'), 0, 'SIGTERM drains and exits 0');

    const second = await TestServer.start({ dataDir: first.dataDir });
    try {
      const again = ecsClient(second);
      const after = await again.describeInstances(
        new $Ecs.DescribeInstancesRequest({ regionId: REGION, pageSize: 100 }),
      );
      const view = (r: typeof before) =>
        r.body!.instances!.instance!.map((i) => [
          i.instanceId,
          i.instanceName,
          i.hostName,
          i.status,
          i.securityGroupIds!.securityGroupId!.join(),
        ]);
      assert.deepEqual(view(after), view(before));
      const groups = await again.describeSecurityGroups(new $Ecs.DescribeSecurityGroupsRequest({ regionId: REGION }));
      assert.deepEqual(
        groups.body!.securityGroups!.securityGroup!.map((g) => g.securityGroupId).sort(),
        [securityGroupId, sg2.body!.securityGroupId, stopped.securityGroupId].sort(),
      );
      assert.equal(await statusOf(again, instanceId), 'Running');
      // The guest of a Running instance boots again with the server: the instance is operable.
      await again.rebootInstance(new $Ecs.RebootInstanceRequest({ instanceId }));
      await waitForStatus(again, instanceId, 'Running');
    } finally {
      await second.dispose();
    }
  });

  test('a transition interrupted by SIGKILL completes after the restart', async () => {
    // Long transitions so the kill surely lands mid-way.
    const first = await TestServer.start({ transitionSeconds: 2 });
    const ecs = ecsClient(first);
    const instanceId = (await launchInstances(ecs)).instanceIds[0]!;
    assert.equal(await statusOf(ecs, instanceId), 'Pending');
    await first.stop('SIGKILL');

    const second = await TestServer.start({ dataDir: first.dataDir, transitionSeconds: 0.2 });
    try {
      const again = ecsClient(second);
      assert.match((await statusOf(again, instanceId))!, /^(Pending|Starting|Running)$/);
      await waitForStatus(again, instanceId, 'Running');
    } finally {
      await second.dispose();
    }
  });

  test('healthz, a second serve refused, admin commands beside a running server, the first key', async () => {
    const server = await TestServer.start({ env: { OPENECS_ACCESS_KEY_ID: '', OPENECS_ACCESS_KEY_SECRET: '' } });
    try {
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      // No key in the environment: the first start generated one, printed it once and stored it 0600.
      const credentials = JSON.parse(readFileSync(join(server.dataDir, 'credentials.json'), 'utf8')) as {
        accessKeyId: string;
        accessKeySecret: string;
      };
      assert.ok(server.output.includes(credentials.accessKeySecret), 'the banner shows the generated secret');
      assert.equal(statSync(join(server.dataDir, 'credentials.json')).mode & 0o777, 0o600);
      assert.equal(statSync(join(server.dataDir, 'master.key')).mode & 0o777, 0o600);
      const ecs = ecsClient(server, { key: { id: credentials.accessKeyId, secret: credentials.accessKeySecret } });
      await ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));

      const twice = await openecs(['serve', '--port', '0', '--data-dir', server.dataDir]);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /already serving data dir/);

      const created = await openecs(['keys', 'create', '--account', 'team-b', '--json', '--data-dir', server.dataDir]);
      assert.equal(created.code, 0, created.stderr);
      const key = JSON.parse(created.stdout) as { accessKeyId: string; accessKeySecret: string };
      const teamB = ecsClient(server, { key: { id: key.accessKeyId, secret: key.accessKeySecret } });
      await teamB.describeRegions(new $Ecs.DescribeRegionsRequest({}));
      const listed = await openecs(['keys', 'list', '--data-dir', server.dataDir]);
      assert.match(listed.stdout, new RegExp(`${key.accessKeyId}\\s+Active\\s+team-b`));
      assert.ok(!listed.stdout.includes(key.accessKeySecret), 'keys list never shows a secret');

      assert.equal((await openecs(['keys', 'disable', key.accessKeyId, '--data-dir', server.dataDir])).code, 0);
      await assert.rejects(teamB.describeRegions(new $Ecs.DescribeRegionsRequest({})), /InvalidAccessKeyId.Inactive/);

      // A restart does not print the secret again.
      assert.equal(await server.stop('SIGTERM'), 0);
      const restarted = await TestServer.start({
        dataDir: server.dataDir,
        env: { OPENECS_ACCESS_KEY_ID: '', OPENECS_ACCESS_KEY_SECRET: '' },
      });
      assert.ok(!restarted.output.includes(credentials.accessKeySecret));
      await restarted.stop('SIGTERM');
    } finally {
      await server.dispose();
    }
  });

  test('SIGTERM lets an in-flight request finish', async () => {
    const server = await TestServer.start();
    try {
      const ecs = ecsClient(server);
      const calls = Array.from({ length: 20 }, () => ecs.describeRegions(new $Ecs.DescribeRegionsRequest({})));
      await new Promise((resolve) => setTimeout(resolve, 5));
      const exit = server.stop('SIGTERM');
      const results = await Promise.allSettled(calls);
      assert.equal(await exit, 0);
      for (const result of results) {
        // Every request either completed or was never accepted: none is cut off with a 5xx.
        if (result.status === 'rejected') assert.doesNotMatch(String(result.reason), /InternalError|code: 5\d\d/);
      }
    } finally {
      await server.dispose();
    }
  });
});
