import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { $Ecs, ecsClient, REGION, runningInstance, statusOf, waitForStatus } from '../helpers/aliyun.js';
import { postgresAvailable, TestPostgres } from '../helpers/postgres.js';
import { TestServer } from '../helpers/server.js';

describe(
  'openecs serve --database-url postgres://...',
  { skip: postgresAvailable ? false : 'PostgreSQL server binaries are not installed' },
  () => {
    test('the lifecycle runs on PostgreSQL and survives a restart', async () => {
      const pg = await TestPostgres.start();
      try {
        const first = await TestServer.start({ args: ['--database-url', pg.url] });
        const ecs = ecsClient(first);
        const { instanceId } = await runningInstance(ecs, { instanceName: 'on-postgres' });
        await ecs.modifyInstanceAttribute(
          new $Ecs.ModifyInstanceAttributeRequest({ instanceId, description: 'kept in PostgreSQL' }),
        );
        await ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId }));
        await waitForStatus(ecs, instanceId, 'Stopped');
        assert.equal(await first.stop('SIGTERM'), 0);

        // A fresh data dir: nothing but the master key could come from it, so it must be shared too.
        const second = await TestServer.start({ dataDir: first.dataDir, args: ['--database-url', pg.url] });
        try {
          const again = ecsClient(second);
          const attr = await again.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId }));
          assert.equal(attr.body!.instanceName, 'on-postgres');
          assert.equal(attr.body!.description, 'kept in PostgreSQL');
          assert.equal(await statusOf(again, instanceId), 'Stopped');
          await again.startInstance(new $Ecs.StartInstanceRequest({ instanceId }));
          await waitForStatus(again, instanceId, 'Running');
          const listed = await again.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION }));
          assert.equal(listed.body!.totalCount, 1);
        } finally {
          await second.dispose();
        }
      } finally {
        pg.stop();
      }
    });
  },
);
