import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  $Ecs,
  ecsClient,
  launchInstances,
  LINUX_IMAGE,
  popClient,
  REGION,
  runningInstance,
  runRequest,
  sdkError,
  statusOf,
  waitForStatus,
} from '../helpers/aliyun.js';
import { TestServer } from '../helpers/server.js';

describe('Alibaba ECS lifecycle through the official SDKs', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.dispose());

  for (const mode of ['V3 (ACS3-HMAC-SHA256)', 'V1 (signatureAlgorithm v2)'] as const) {
    test(`@alicloud/ecs20140526 ${mode}: run, stop, start, reboot, delete`, async () => {
      const ecs = ecsClient(server, { v1: mode.startsWith('V1') });
      const launchedFrom = Date.now();
      const { instanceId, securityGroupId } = await runningInstance(ecs, {
        instanceName: 'lifecycle-test',
        hostName: 'life-host',
      });
      // Alibaba's times are UTC to the minute: the minute the instance was created (and started).
      const minutes = new Set([launchedFrom, Date.now()].map((ms) => new Date(ms).toISOString().slice(0, 16) + 'Z'));

      const described = await ecs.describeInstances(
        new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([instanceId]) }),
      );
      const instance = described.body!.instances!.instance![0]!;
      assert.equal(instance.instanceId, instanceId);
      assert.equal(instance.instanceName, 'lifecycle-test');
      assert.equal(instance.hostName, 'life-host');
      assert.equal(instance.status, 'Running');
      assert.equal(instance.regionId, REGION);
      assert.match(instance.zoneId!, /^cn-hangzhou-/);
      assert.deepEqual(instance.securityGroupIds!.securityGroupId, [securityGroupId]);
      assert.match(instance.vpcAttributes!.privateIpAddress!.ipAddress![0]!, /^172\.16\.\d+\.\d+$/);
      assert.match(instanceId, /^i-bp[a-z0-9]{18}$/);
      assert.ok(minutes.has(instance.creationTime!), instance.creationTime);
      assert.ok(minutes.has(instance.startTime!), instance.startTime);
      const attribute = await ecs.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId }));
      assert.equal(attribute.body!.creationTime, instance.creationTime);

      await ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId }));
      assert.equal(await statusOf(ecs, instanceId), 'Stopping');
      await waitForStatus(ecs, instanceId, 'Stopped');

      const wrongState = await sdkError(ecs.rebootInstance(new $Ecs.RebootInstanceRequest({ instanceId })));
      assert.equal(wrongState.code, 'IncorrectInstanceStatus');
      assert.equal(wrongState.statusCode, 403);
      assert.equal(await statusOf(ecs, instanceId), 'Stopped', 'a refused action changes nothing');

      await ecs.startInstance(new $Ecs.StartInstanceRequest({ instanceId }));
      assert.equal(await statusOf(ecs, instanceId), 'Starting');
      await waitForStatus(ecs, instanceId, 'Running');

      await ecs.rebootInstance(new $Ecs.RebootInstanceRequest({ instanceId }));
      assert.equal(await statusOf(ecs, instanceId), 'Stopping');
      await waitForStatus(ecs, instanceId, 'Running');

      const running = await sdkError(ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId })));
      assert.equal(running.code, 'IncorrectInstanceStatus');
      await ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId, force: true }));
      const gone = await sdkError(
        ecs.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId })),
      );
      assert.equal(gone.code, 'InvalidInstanceId.NotFound');
      assert.equal(gone.statusCode, 404);
    });
  }

  test('@alicloud/pop-core GET and POST: CreateInstance is Stopped, then starts', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const pop = popClient(server);
      const sg = (await pop.request('CreateSecurityGroup', { RegionId: REGION }, { method })) as {
        SecurityGroupId: string;
      };
      const created = (await pop.request(
        'CreateInstance',
        {
          RegionId: REGION,
          ImageId: LINUX_IMAGE,
          InstanceType: 'ecs.c7.large',
          SecurityGroupId: sg.SecurityGroupId,
          InstanceName: `pop-${method}`,
        },
        { method },
      )) as { InstanceId: string; RequestId: string };
      assert.match(created.RequestId, /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
      assert.equal('Code' in created, false, 'a success body has no Code');
      const ecs = ecsClient(server);
      assert.equal(await statusOf(ecs, created.InstanceId), 'Pending');
      await waitForStatus(ecs, created.InstanceId, 'Stopped');
      await pop.request('StartInstance', { InstanceId: created.InstanceId }, { method });
      await waitForStatus(ecs, created.InstanceId, 'Running');
      const status = (await pop.request(
        'DescribeInstanceStatus',
        { RegionId: REGION, 'InstanceId.1': created.InstanceId },
        { method },
      )) as {
        InstanceStatuses: { InstanceStatus: { InstanceId: string; Status: string }[] };
      };
      assert.deepEqual(JSON.parse(JSON.stringify(status.InstanceStatuses.InstanceStatus)), [
        { InstanceId: created.InstanceId, Status: 'Running' },
      ]);
    }
  });

  test('RunInstances with Amount, sequential names, tags and user data; DescribeInstances filters and both paging modes', async () => {
    const ecs = ecsClient(server);
    const userData = Buffer.from('#!/bin/sh\necho hello from user data\n').toString('base64');
    const { instanceIds: ids, securityGroupId } = await launchInstances(ecs, {
      amount: 5,
      instanceName: 'batch-[7,3]-web',
      userData,
      tag: [new $Ecs.RunInstancesRequestTag({ key: 'team', value: 'paging' })],
    });
    assert.equal(ids.length, 5);

    const bySg = await ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: REGION, securityGroupId, pageSize: 100 }),
    );
    assert.deepEqual(bySg.body!.instances!.instance!.map((i) => i.instanceName).sort(), [
      'batch-007-web',
      'batch-008-web',
      'batch-009-web',
      'batch-010-web',
      'batch-011-web',
    ]);
    assert.equal(bySg.body!.totalCount, 5);

    const byTag = await ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({
        regionId: REGION,
        tag: [new $Ecs.DescribeInstancesRequestTag({ key: 'team', value: 'paging' })],
      }),
    );
    assert.equal(byTag.body!.totalCount, 5);
    assert.deepEqual(
      byTag.body!.instances!.instance![0]!.tags!.tag!.map((t) => [t.tagKey, t.tagValue]),
      [['team', 'paging']],
    );

    const page2 = await ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({
        regionId: REGION,
        securityGroupId,
        pageNumber: 2,
        pageSize: 2,
      }),
    );
    assert.equal(page2.body!.pageNumber, 2);
    assert.equal(page2.body!.instances!.instance!.length, 2);

    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ecs.describeInstances(
        new $Ecs.DescribeInstancesRequest({
          regionId: REGION,
          securityGroupId,
          maxResults: 2,
          nextToken,
        }),
      );
      seen.push(...page.body!.instances!.instance!.map((i) => i.instanceId!));
      nextToken = page.body!.nextToken || undefined;
    } while (nextToken);
    assert.deepEqual([...seen].sort(), [...ids].sort(), 'NextToken paging visits every instance once');

    const data = await ecs.describeUserData(new $Ecs.DescribeUserDataRequest({ regionId: REGION, instanceId: ids[0] }));
    assert.equal(data.body!.userData, userData);
  });

  test('catalog operations answer in the SDK models', async () => {
    const ecs = ecsClient(server);
    const regions = await ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
    assert.ok(regions.body!.regions!.region!.some((r) => r.regionId === 'cn-hangzhou'));
    const zones = await ecs.describeZones(new $Ecs.DescribeZonesRequest({ regionId: REGION }));
    assert.deepEqual(
      zones.body!.zones!.zone!.map((z) => z.zoneId),
      ['cn-hangzhou-h', 'cn-hangzhou-i', 'cn-hangzhou-j'],
    );
    const images = await ecs.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, OSType: 'windows' }));
    assert.ok(images.body!.images!.image!.length >= 1);
    assert.ok(images.body!.images!.image!.every((i) => i.OSType === 'windows'));
    const types = await ecs.describeInstanceTypes(
      new $Ecs.DescribeInstanceTypesRequest({ instanceTypeFamily: 'ecs.g7' }),
    );
    assert.ok(
      types.body!.instanceTypes!.instanceType!.every((t) => t.instanceTypeFamily === 'ecs.g7' && t.cpuCoreCount! > 0),
    );
    const vpcs = await ecs.describeVpcs(new $Ecs.DescribeVpcsRequest({ regionId: REGION }));
    const defaultVpc = vpcs.body!.vpcs!.vpc!.find((v) => v.isDefault)!;
    const switches = await ecs.describeVSwitches(
      new $Ecs.DescribeVSwitchesRequest({ regionId: REGION, vpcId: defaultVpc.vpcId }),
    );
    assert.equal(switches.body!.vSwitches!.vSwitch!.length, 3, 'one default vSwitch per zone');

    const vpc = await ecs.createVpc(
      new $Ecs.CreateVpcRequest({ regionId: REGION, cidrBlock: '10.0.0.0/16', vpcName: 'custom' }),
    );
    const vsw = await ecs.createVSwitch(
      new $Ecs.CreateVSwitchRequest({ vpcId: vpc.body!.vpcId, zoneId: 'cn-hangzhou-i', cidrBlock: '10.0.1.0/24' }),
    );
    const overlap = await sdkError(
      ecs.createVSwitch(
        new $Ecs.CreateVSwitchRequest({ vpcId: vpc.body!.vpcId, zoneId: 'cn-hangzhou-i', cidrBlock: '10.0.1.0/25' }),
      ),
    );
    assert.equal(overlap.code, 'InvalidCidrBlock.Overlapped');
    const sg = await ecs.createSecurityGroup(
      new $Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: vpc.body!.vpcId }),
    );
    const { instanceId } = await runningInstance(ecs, {
      vSwitchId: vsw.body!.vSwitchId,
      securityGroupId: sg.body!.securityGroupId,
    });
    const attr = await ecs.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId }));
    assert.equal(attr.body!.vpcAttributes!.vpcId, vpc.body!.vpcId);
    assert.equal(attr.body!.zoneId, 'cn-hangzhou-i');
    assert.match(attr.body!.vpcAttributes!.privateIpAddress!.ipAddress![0]!, /^10\.0\.1\./);
  });

  test('security groups: join, leave, the last one stays, DependencyViolation 403 for deleting a used group', async () => {
    const ecs = ecsClient(server);
    const { instanceId, securityGroupId } = await runningInstance(ecs);
    const second = await ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION }));
    await ecs.joinSecurityGroup(
      new $Ecs.JoinSecurityGroupRequest({ instanceId, securityGroupId: second.body!.securityGroupId }),
    );
    let attr = await ecs.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId }));
    assert.deepEqual(attr.body!.securityGroupIds!.securityGroupId, [securityGroupId, second.body!.securityGroupId]);
    const inUse = await sdkError(
      ecs.deleteSecurityGroup(new $Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId })),
    );
    assert.equal(inUse.code, 'DependencyViolation');
    assert.equal(inUse.statusCode, 403);
    await ecs.leaveSecurityGroup(new $Ecs.LeaveSecurityGroupRequest({ instanceId, securityGroupId }));
    const last = await sdkError(
      ecs.leaveSecurityGroup(
        new $Ecs.LeaveSecurityGroupRequest({ instanceId, securityGroupId: second.body!.securityGroupId }),
      ),
    );
    assert.equal(last.code, 'InvalidOperation.LastSecurityGroup');
    assert.equal(last.statusCode, 403);
    attr = await ecs.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId }));
    assert.deepEqual(attr.body!.securityGroupIds!.securityGroupId, [second.body!.securityGroupId]);
    await ecs.deleteSecurityGroup(new $Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId }));
    const groups = await ecs.describeSecurityGroups(
      new $Ecs.DescribeSecurityGroupsRequest({ regionId: REGION, securityGroupIds: JSON.stringify([securityGroupId]) }),
    );
    assert.equal(groups.body!.totalCount, 0);
  });
});

describe('idempotency and dry runs', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.dispose());

  test('a RunInstances retried with its ClientToken answers the same instances; IdempotentParameterMismatch 400 for a changed request', async () => {
    const ecs = ecsClient(server);
    const sg = await ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION }));
    const request = {
      regionId: REGION,
      imageId: LINUX_IMAGE,
      instanceType: 'ecs.g7.large',
      securityGroupId: sg.body!.securityGroupId,
      amount: 2,
      clientToken: 'retry-me-0001',
    };
    const first = await ecs.runInstances(new $Ecs.RunInstancesRequest(request));
    const again = await ecs.runInstances(new $Ecs.RunInstancesRequest(request));
    assert.deepEqual(again.body!.instanceIdSets!.instanceIdSet, first.body!.instanceIdSets!.instanceIdSet);
    const changed = await sdkError(ecs.runInstances(new $Ecs.RunInstancesRequest({ ...request, amount: 3 })));
    assert.equal(changed.code, 'IdempotentParameterMismatch');
    assert.equal(changed.statusCode, 400);
    const listed = await ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: REGION, securityGroupId: sg.body!.securityGroupId }),
    );
    assert.equal(listed.body!.totalCount, 2, 'the retry launched nothing more');
  });

  test('DryRun answers DryRunOperation and changes nothing', async () => {
    const ecs = ecsClient(server);
    const { instanceId, securityGroupId } = await runningInstance(ecs);
    const dryRun = await sdkError(ecs.runInstances(runRequest({ securityGroupId, dryRun: true })));
    assert.equal(dryRun.code, 'DryRunOperation');
    assert.equal(dryRun.statusCode, 400);
    const stop = await sdkError(ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId, dryRun: true })));
    assert.equal(stop.code, 'DryRunOperation');
    assert.equal(await statusOf(ecs, instanceId), 'Running');
    const missing = await sdkError(
      ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: 'i-bpmissing', dryRun: true })),
    );
    assert.equal(missing.code, 'InvalidInstanceId.NotFound', 'a dry run still validates');
    const listed = await ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: REGION, securityGroupId }),
    );
    assert.equal(listed.body!.totalCount, 1);
  });
});
