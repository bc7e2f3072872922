import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { $Ecs, ecsClient, sdkError } from '../helpers/aliyun.js';
import { openecs, TestServer } from '../helpers/server.js';

test('--catalog replaces the built-in regions; the other lists keep their defaults', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openecs-catalog-'));
  const file = join(dir, 'catalog.json');
  writeFileSync(
    file,
    JSON.stringify({
      regions: [
        {
          regionId: 'lab-east-1',
          localName: 'Lab East',
          idFlavour: 'lb',
          defaultVpcCidr: '10.8.0.0/16',
          zones: [{ zoneId: 'lab-east-1a', localName: 'Lab A' }],
        },
      ],
    }),
  );
  const server = await TestServer.start({ args: ['--catalog', file] });
  try {
    const ecs = ecsClient(server);
    const regions = await ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
    assert.deepEqual(
      regions.body!.regions!.region!.map((r) => r.regionId),
      ['lab-east-1'],
    );
    const missing = await sdkError(ecs.describeZones(new $Ecs.DescribeZonesRequest({ regionId: 'cn-hangzhou' })));
    assert.equal(missing.code, 'InvalidRegionId.NotFound');
    const sg = await ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: 'lab-east-1' }));
    const run = await ecs.runInstances(
      new $Ecs.RunInstancesRequest({
        regionId: 'lab-east-1',
        imageId: 'debian_12_6_x64_20G_alibase_20240823.vhd',
        instanceType: 'ecs.c7.large',
        securityGroupId: sg.body!.securityGroupId,
      }),
    );
    const instanceId = run.body!.instanceIdSets!.instanceIdSet![0]!;
    assert.match(instanceId, /^i-lb/);
    const attr = await ecs.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId }));
    assert.equal(attr.body!.zoneId, 'lab-east-1a');
    assert.match(attr.body!.vpcAttributes!.privateIpAddress!.ipAddress![0]!, /^10\.8\./);
  } finally {
    await server.dispose();
  }
  writeFileSync(file, '{"regions": []}');
  const refused = await openecs(['serve', '--port', '0', '--data-dir', join(dir, 'data'), '--catalog', file]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /"regions" must be a non-empty array/);
});
