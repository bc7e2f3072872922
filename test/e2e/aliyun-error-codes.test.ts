import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resourceId } from '../../src/core/ids.js';
import { DataDir } from '../../src/server/data-dir.js';
import { openStore } from '../../src/store/database.js';
import {
  $Ecs,
  ecsClient,
  type EcsClient,
  launchInstances,
  REGION,
  runningInstance,
  runRequest,
  sdkError,
  signedV1,
  waitForStatus,
} from '../helpers/aliyun.js';
import { instanceFixture } from '../helpers/instance-fixture.js';
import { TestServer } from '../helpers/server.js';

/**
 * The error codes of the operations around the seed ones (launching, networks, security groups,
 * the V1 signature), one test named after each: code, HTTP status, and that the refused call
 * created or changed nothing. docs/operations.md lists, for every code, the tests named after it.
 */

/** What an account holds, for "a refused call changes nothing". */
async function holdings(ecs: EcsClient) {
  const [instances, vpcs, vSwitches, groups] = await Promise.all([
    ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION, pageSize: 100 })),
    ecs.describeVpcs(new $Ecs.DescribeVpcsRequest({ regionId: REGION, pageSize: 50 })),
    ecs.describeVSwitches(new $Ecs.DescribeVSwitchesRequest({ regionId: REGION, pageSize: 50 })),
    ecs.describeSecurityGroups(new $Ecs.DescribeSecurityGroupsRequest({ regionId: REGION, pageSize: 50 })),
  ]);
  return {
    instances: instances.body!.instances!.instance!.map((i) => [i.instanceId, i.securityGroupIds?.securityGroupId]),
    vpcs: vpcs.body!.vpcs!.vpc!.map((v) => v.vpcId),
    vSwitches: vSwitches.body!.vSwitches!.vSwitch!.map((v) => [v.vSwitchId, v.availableIpAddressCount]),
    groups: groups.body!.securityGroups!.securityGroup!.map((g) => g.securityGroupId),
  };
}

/** The call is refused with `code` and `status`, and what `look` sees (the account's holdings) is unchanged. */
async function refused(
  ecs: EcsClient,
  call: () => Promise<unknown>,
  code: string,
  status: number,
  look: () => Promise<unknown> = () => holdings(ecs),
): Promise<void> {
  const before = await look();
  const error = await sdkError(call());
  assert.equal(error.code, code, String(error.data?.Message));
  assert.equal(error.statusCode, status);
  assert.deepEqual(await look(), before, 'a refused call changes nothing');
}

describe('error codes of the supporting operations', () => {
  let server: TestServer;
  let ecs: EcsClient;
  let securityGroupId: string;
  const run = (fields: Parameters<typeof runRequest>[0]) =>
    ecs.runInstances(runRequest({ securityGroupId, ...fields }));
  const customVpc = async (cidrBlock: string) =>
    (await ecs.createVpc(new $Ecs.CreateVpcRequest({ regionId: REGION, cidrBlock }))).body!.vpcId!;

  before(async () => {
    server = await TestServer.start();
    ecs = ecsClient(server);
    securityGroupId = (await ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION }))).body!
      .securityGroupId!;
  });
  after(() => server.dispose());

  test('InvalidImageId.NotFound 404: an image the catalog does not offer', async () => {
    await refused(
      ecs,
      () => run({ imageId: 'no_such_image_20G_alibase_20240101.vhd' }),
      'InvalidImageId.NotFound',
      404,
    );
  });

  test('InvalidInstanceType.ValueNotSupported 400: an instance type the catalog does not offer', async () => {
    await refused(ecs, () => run({ instanceType: 'ecs.nope.large' }), 'InvalidInstanceType.ValueNotSupported', 400);
  });

  test('InvalidZoneId.NotFound 404: a zone the region does not have, to launch in or to put a vSwitch in', async () => {
    await refused(ecs, () => run({ zoneId: 'cn-hangzhou-z' }), 'InvalidZoneId.NotFound', 404);
    const vpcId = await customVpc('10.1.0.0/16');
    // Without a RegionId, CreateVSwitch takes the zone's region: an unknown zone is still the zone's fault.
    await refused(
      ecs,
      () =>
        ecs.createVSwitch(new $Ecs.CreateVSwitchRequest({ vpcId, zoneId: 'cn-hangzhou-z', cidrBlock: '10.1.1.0/24' })),
      'InvalidZoneId.NotFound',
      404,
    );
  });

  test('InvalidVSwitchId.NotFound 404: launching into a vSwitch that does not exist', async () => {
    await refused(ecs, () => run({ vSwitchId: 'vsw-bp1doesnotexist0000' }), 'InvalidVSwitchId.NotFound', 404);
  });

  test('InvalidVpcId.NotFound 404: a vSwitch in a VPC that does not exist', async () => {
    await refused(
      ecs,
      () =>
        ecs.createVSwitch(
          new $Ecs.CreateVSwitchRequest({
            vpcId: 'vpc-bp1doesnotexist0000',
            zoneId: 'cn-hangzhou-i',
            cidrBlock: '10.2.1.0/24',
          }),
        ),
      'InvalidVpcId.NotFound',
      404,
    );
  });

  test('InvalidParameter.ZoneIdMismatch 400: a ZoneId other than the zone of the vSwitch', async () => {
    const vpcId = await customVpc('10.3.0.0/16');
    const vSwitchId = (
      await ecs.createVSwitch(
        new $Ecs.CreateVSwitchRequest({ vpcId, zoneId: 'cn-hangzhou-i', cidrBlock: '10.3.1.0/24' }),
      )
    ).body!.vSwitchId!;
    const group = await ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId }));
    await refused(
      ecs,
      () => run({ vSwitchId, zoneId: 'cn-hangzhou-j', securityGroupId: group.body!.securityGroupId }),
      'InvalidParameter.ZoneIdMismatch',
      400,
    );
  });

  test('InvalidCidrBlock.Malformed 400: host bits set, a prefix out of range, a vSwitch outside its VPC', async () => {
    for (const cidrBlock of ['10.4.0.1/16', '10.4.0.0/25', '10.4.0.0/7', '10.4.0.0'])
      await refused(
        ecs,
        () => ecs.createVpc(new $Ecs.CreateVpcRequest({ regionId: REGION, cidrBlock })),
        'InvalidCidrBlock.Malformed',
        400,
      );
    const vpcId = await customVpc('10.5.0.0/16');
    for (const cidrBlock of ['10.6.1.0/24', '10.5.0.0/30', '10.5.1.1/24'])
      await refused(
        ecs,
        () => ecs.createVSwitch(new $Ecs.CreateVSwitchRequest({ vpcId, zoneId: 'cn-hangzhou-i', cidrBlock })),
        'InvalidCidrBlock.Malformed',
        400,
      );
  });

  test('InvalidCidrBlock.Overlapped 400: a vSwitch overlapping another in its VPC', async () => {
    const vpcId = await customVpc('10.7.0.0/16');
    const vSwitch = (cidrBlock: string) =>
      ecs.createVSwitch(new $Ecs.CreateVSwitchRequest({ vpcId, zoneId: 'cn-hangzhou-i', cidrBlock }));
    await vSwitch('10.7.1.0/24');
    await refused(ecs, () => vSwitch('10.7.1.128/25'), 'InvalidCidrBlock.Overlapped', 400);
    await refused(ecs, () => vSwitch('10.7.0.0/23'), 'InvalidCidrBlock.Overlapped', 400);
  });

  test('InvalidVSwitchId.IpNotEnough 400: a /29 vSwitch holds four instances, and a launch that does not fit launches none', async () => {
    // Eight addresses, of which Alibaba keeps the first and the last three: .1 to .4 are handed out.
    const vpcId = await customVpc('10.8.0.0/16');
    const vSwitchId = (
      await ecs.createVSwitch(
        new $Ecs.CreateVSwitchRequest({ vpcId, zoneId: 'cn-hangzhou-i', cidrBlock: '10.8.1.0/29' }),
      )
    ).body!.vSwitchId!;
    const available = async () =>
      (await ecs.describeVSwitches(new $Ecs.DescribeVSwitchesRequest({ regionId: REGION, vSwitchId }))).body!.vSwitches!
        .vSwitch![0]!.availableIpAddressCount;
    assert.equal(await available(), 4);
    const group = (await ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId })))
      .body!.securityGroupId!;
    await refused(
      ecs,
      () => run({ vSwitchId, securityGroupId: group, amount: 5 }),
      'InvalidVSwitchId.IpNotEnough',
      400,
    );
    const launched = [
      ...(await run({ vSwitchId, securityGroupId: group, amount: 3 })).body!.instanceIdSets!.instanceIdSet!,
      ...(await run({ vSwitchId, securityGroupId: group })).body!.instanceIdSets!.instanceIdSet!,
    ];
    const listed = await ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify(launched) }),
    );
    const addresses = listed.body!.instances!.instance!.map((i) => i.vpcAttributes!.privateIpAddress!.ipAddress![0]);
    assert.deepEqual(addresses.sort(), ['10.8.1.1', '10.8.1.2', '10.8.1.3', '10.8.1.4']);
    assert.equal(await available(), 0);
    await refused(ecs, () => run({ vSwitchId, securityGroupId: group }), 'InvalidVSwitchId.IpNotEnough', 400);
  });

  describe('joining and leaving security groups', () => {
    let instanceId: string;
    let first: string;
    let second: string;
    before(async () => {
      ({ instanceId, securityGroupId: first } = await runningInstance(ecs));
      second = (await ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION }))).body!
        .securityGroupId!;
    });

    test('InvalidInstanceId.AlreadyExists 400: joining a group the instance is in', async () => {
      await refused(
        ecs,
        () => ecs.joinSecurityGroup(new $Ecs.JoinSecurityGroupRequest({ instanceId, securityGroupId: first })),
        'InvalidInstanceId.AlreadyExists',
        400,
      );
    });

    test('InstanceNotInSecurityGroup 403: leaving a group the instance is not in', async () => {
      await refused(
        ecs,
        () => ecs.leaveSecurityGroup(new $Ecs.LeaveSecurityGroupRequest({ instanceId, securityGroupId: second })),
        'InstanceNotInSecurityGroup',
        403,
      );
    });

    test('InvalidOperation.LastSecurityGroup 403: leaving the only group', async () => {
      await refused(
        ecs,
        () => ecs.leaveSecurityGroup(new $Ecs.LeaveSecurityGroupRequest({ instanceId, securityGroupId: first })),
        'InvalidOperation.LastSecurityGroup',
        403,
      );
    });
  });

  test('InvalidSignatureMethod 400: V1 requests are signed with HMAC-SHA1 only', async () => {
    for (const method of ['HMAC-SHA256', 'HMAC-MD5']) {
      const answer = await signedV1(server, { Action: 'DescribeRegions', SignatureMethod: method });
      assert.equal(answer.status, 400, method);
      assert.equal((JSON.parse(answer.body) as { Code: string }).Code, 'InvalidSignatureMethod', method);
    }
  });
});

/** Alibaba's documented quotas: instances a security group may hold, by type. */
const CAPACITY = { normal: 2000, enterprise: 65536 };

describe('full security groups', () => {
  let server: TestServer;
  let ecs: EcsClient;
  /** Two instances for each group type: the first takes the last place, the second finds none. */
  let instances: string[];
  const groups: Record<'normal' | 'enterprise', string> = { normal: '', enterprise: '' };

  before(async () => {
    server = await TestServer.start();
    ecs = ecsClient(server);
    for (const type of ['normal', 'enterprise'] as const) {
      groups[type] = (
        await ecs.createSecurityGroup(
          new $Ecs.CreateSecurityGroupRequest({ regionId: REGION, securityGroupType: type }),
        )
      ).body!.securityGroupId!;
    }
    instances = (await launchInstances(ecs, { amount: 4 })).instanceIds;
    for (const instanceId of instances) await waitForStatus(ecs, instanceId, 'Running');
    // Filling a group through the API would take thousands of launches: the members are written
    // straight into the stopped server's database, as Stopped instances of the same account.
    const template = (
      await ecs.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId: instances[0]! }))
    ).body!;
    await server.stop();
    const store = await openStore({ kind: 'sqlite', file: new DataDir(server.dataDir).databaseFile });
    try {
      const accountId = (await store.repos.instances.getAny(instances[0]!))!.accountId;
      for (const type of ['normal', 'enterprise'] as const) {
        const members = CAPACITY[type] - 1;
        for (let first = 0; first < members; first += 5000) {
          await store.transaction(async (repos) => {
            for (let n = first; n < Math.min(members, first + 5000); n++) {
              await repos.instances.insert(
                instanceFixture({
                  instanceId: resourceId('i', 'bp'),
                  accountId,
                  zoneId: template.zoneId!,
                  vpcId: template.vpcAttributes!.vpcId!,
                  vSwitchId: template.vpcAttributes!.vSwitchId!,
                  securityGroupIds: [groups[type]],
                }),
              );
            }
          });
        }
      }
    } finally {
      await store.close();
    }
    server = await TestServer.start({ dataDir: server.dataDir });
    ecs = ecsClient(server);
  });
  after(() => server.dispose());

  const join = (instanceId: string, securityGroupId: string) =>
    ecs.modifyInstanceAttribute(
      new $Ecs.ModifyInstanceAttributeRequest({ instanceId, securityGroupIds: [securityGroupId] }),
    );
  /** How many instances the group holds, and the groups of the instance that tries to join it. */
  const membership = async (securityGroupId: string, instanceId: string) => {
    const [group, instance] = await Promise.all([
      ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION, securityGroupId, pageSize: 1 })),
      ecs.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId })),
    ]);
    return [group.body!.totalCount, instance.body!.securityGroupIds!.securityGroupId];
  };

  /** `last` takes the group's last place; `turnedAway` then finds none, and nothing changes. */
  async function fill(type: 'normal' | 'enterprise', last: string, turnedAway: string, code: string, status: number) {
    await join(last, groups[type]);
    assert.deepEqual(await membership(groups[type], last), [CAPACITY[type], [groups[type]]]);
    await refused(
      ecs,
      () => join(turnedAway, groups[type]),
      code,
      status,
      () => membership(groups[type], turnedAway),
    );
  }

  test('SecurityGroupInstanceLimitExceed 403: a normal security group holds at most 2,000 instances', async () => {
    await fill('normal', instances[0]!, instances[1]!, 'SecurityGroupInstanceLimitExceed', 403);
  });

  test('InvalidOperation.EniCountExceeded 400: an enterprise security group holds at most 65,536 instances', async () => {
    await fill('enterprise', instances[2]!, instances[3]!, 'InvalidOperation.EniCountExceeded', 400);
  });
});
