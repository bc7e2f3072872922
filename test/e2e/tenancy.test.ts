import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { $Ecs, ecsClient, REGION, runningInstance, sdkError, type EcsClient } from '../helpers/aliyun.js';
import { openecs, TestServer } from '../helpers/server.js';

describe('tenancy: an access key sees only its own account', () => {
  let server: TestServer;
  let owner: EcsClient;
  let stranger: EcsClient;
  let instanceId: string;
  let securityGroupId: string;

  before(async () => {
    server = await TestServer.start();
    owner = ecsClient(server);
    const created = await openecs(['keys', 'create', '--account', 'stranger', '--json', '--data-dir', server.dataDir]);
    const key = JSON.parse(created.stdout) as { accessKeyId: string; accessKeySecret: string };
    stranger = ecsClient(server, { key: { id: key.accessKeyId, secret: key.accessKeySecret } });
    ({ instanceId, securityGroupId } = await runningInstance(owner, { instanceName: 'private' }));
  });
  after(() => server.dispose());

  test("another account's instance answers as not found and nothing changes", async () => {
    const attempts: [string, () => Promise<unknown>][] = [
      [
        'DescribeInstanceAttribute',
        () => stranger.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId })),
      ],
      ['StopInstance', () => stranger.stopInstance(new $Ecs.StopInstanceRequest({ instanceId }))],
      ['RebootInstance', () => stranger.rebootInstance(new $Ecs.RebootInstanceRequest({ instanceId }))],
      ['DeleteInstance', () => stranger.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId, force: true }))],
      [
        'ModifyInstanceAttribute',
        () =>
          stranger.modifyInstanceAttribute(
            new $Ecs.ModifyInstanceAttributeRequest({ instanceId, instanceName: 'stolen' }),
          ),
      ],
      [
        'ModifyInstanceVncPasswd',
        () =>
          stranger.modifyInstanceVncPasswd(
            new $Ecs.ModifyInstanceVncPasswdRequest({ regionId: REGION, instanceId, vncPassword: 'Ab1234' }),
          ),
      ],
      [
        'DescribeUserData',
        () => stranger.describeUserData(new $Ecs.DescribeUserDataRequest({ regionId: REGION, instanceId })),
      ],
      [
        'JoinSecurityGroup',
        () => stranger.joinSecurityGroup(new $Ecs.JoinSecurityGroupRequest({ instanceId, securityGroupId })),
      ],
    ];
    for (const [action, call] of attempts) {
      const error = await sdkError(call());
      assert.equal(error.statusCode, 404, action);
      assert.match(error.code, /NotFound$/, action);
    }
    const deleteGroup = await sdkError(
      stranger.deleteSecurityGroup(new $Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId })),
    );
    assert.equal(deleteGroup.code, 'InvalidSecurityGroupId.NotFound');

    const listed = await stranger.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION }));
    assert.equal(listed.body!.totalCount, 0);
    const byId = await stranger.describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([instanceId]) }),
    );
    assert.equal(byId.body!.totalCount, 0);

    const mine = await owner.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId }));
    assert.equal(mine.body!.status, 'Running');
    assert.equal(mine.body!.instanceName, 'private');
    assert.deepEqual(mine.body!.securityGroupIds!.securityGroupId, [securityGroupId]);
  });

  test("an instance cannot be launched into another account's security group", async () => {
    const error = await sdkError(runningInstance(stranger, { securityGroupId }));
    assert.equal(error.code, 'InvalidSecurityGroupId.NotFound');
  });
});
