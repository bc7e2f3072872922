import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Key, LINUX_IMAGE, REGION } from '../helpers/aliyun.js';
import { encryptAdminPass, signedRequest, type BceRequestOptions } from '../helpers/bce.js';
import { OPERATIONS as ALIYUN_OPERATIONS } from '../../src/dialects/aliyun/operations/index.js';
import { OPERATIONS as BAIDU_OPERATIONS } from '../../src/dialects/baidu/operations/index.js';
import { openecs, TEST_KEY, TestServer, until } from '../helpers/server.js';
import { RawClient } from '../helpers/http.js';
import { aliyun, newAccount, randomPassword, readyInstance, SecretLedger, stoppedInstances } from './support.js';

/**
 * Another account's credentials against every operation that names a resource: each attempt must
 * find nothing (404, the resource's NotFound code; a query filtered by the resource lists nothing),
 * and afterwards both accounts' resources must be exactly as before.
 * The list of attempts is checked against the operation lists, so a new operation that takes an
 * instance, security group, VPC or vSwitch cannot be added without a tenancy case here.
 */

/** Parameters through which an Alibaba operation names a resource of some account. */
const RESOURCE_PARAMS = ['InstanceId', 'InstanceIds', 'SecurityGroupId', 'SecurityGroupIds', 'VpcId', 'VSwitchId'];

interface Owned {
  vpcId: string;
  vSwitchId: string;
  /** The group its running instance is in, with a second one so that a leave would be allowed. */
  groupId: string;
  secondGroupId: string;
  /** In no instance: deletable. */
  spareGroupId: string;
  running: string;
  stopped: string;
}

describe('tenancy: every operation on another account’s resources', () => {
  const ledger = new SecretLedger();
  let server: TestServer;
  let client: RawClient;
  let stranger: Key;
  let owner: Owned;
  /** The stranger's own running instance and group, for the attempts that mix the two accounts. */
  let theirs: { instanceId: string; securityGroupId: string };

  before(async () => {
    server = await TestServer.start({ env: { OPENECS_BAIDU_REGION: REGION } });
    client = new RawClient(server.port, 8);
    stranger = await newAccount(server, 'stranger');
    ledger.add('access key secret of the stranger', stranger.secret);

    const ok = async (action: string, params: Record<string, string>) => {
      const answer = await aliyun(client, action, { RegionId: REGION, ...params });
      assert.equal(answer.status, 200, `${action}: ${JSON.stringify(answer.json)}`);
      return answer.json;
    };
    const vpcId = (await ok('CreateVpc', { CidrBlock: '192.168.0.0/16' })).VpcId as string;
    const vSwitchId = (
      await ok('CreateVSwitch', { VpcId: vpcId, ZoneId: 'cn-hangzhou-h', CidrBlock: '192.168.1.0/24' })
    ).VSwitchId as string;
    const group = async () => (await ok('CreateSecurityGroup', { VpcId: vpcId })).SecurityGroupId as string;
    const [groupId, secondGroupId, spareGroupId] = [await group(), await group(), await group()];
    const password = ledger.add('instance password', randomPassword());
    const run = await ok('RunInstances', {
      ImageId: LINUX_IMAGE,
      InstanceType: 'ecs.g7.large',
      VSwitchId: vSwitchId,
      'SecurityGroupIds.1': groupId,
      'SecurityGroupIds.2': secondGroupId,
      InstanceName: 'owned',
      Password: password,
      UserData: Buffer.from('#!/bin/sh\necho owned\n').toString('base64'),
    });
    const running = (run.InstanceIdSets as { InstanceIdSet: string[] }).InstanceIdSet[0]!;
    const [stopped] = await stoppedInstances(client, 1);
    owner = { vpcId, vSwitchId, groupId, secondGroupId, spareGroupId, running, stopped: stopped! };
    theirs = await readyInstance(client, stranger);
    // Running and booted: every refusal below is about whose it is, not about its state.
    await until(
      async () =>
        (await aliyun(client, 'DescribeInstanceVncUrl', { RegionId: REGION, InstanceId: running })).status === 200,
      'the owner’s instance to boot',
    );
  });
  after(async () => {
    client.close();
    await server.stop('SIGTERM');
    assert.deepEqual(ledger.findLeaks([server.output], server.dataDir), []);
    await server.dispose();
  });

  /** Everything either account can see of its own resources, and what an operator sees pending. */
  async function world(): Promise<unknown> {
    const seen: Record<string, unknown> = {};
    for (const [who, key] of [
      ['owner', TEST_KEY],
      ['stranger', stranger],
    ] as const) {
      for (const action of ['DescribeInstances', 'DescribeSecurityGroups', 'DescribeVpcs', 'DescribeVSwitches']) {
        const answer = await aliyun(client, action, { RegionId: REGION, PageSize: '50' }, key);
        assert.equal(answer.status, 200, JSON.stringify(answer.json));
        const { RequestId: _, ...rest } = answer.json;
        seen[`${who} ${action}`] = rest;
      }
    }
    const userData = await aliyun(client, 'DescribeUserData', { RegionId: REGION, InstanceId: owner.running });
    seen.userData = userData.json.UserData;
    for (const id of [owner.running, owner.stopped]) {
      const shown = await openecs(['instances', 'show', id, '--json', '--data-dir', server.dataDir]);
      assert.equal(shown.code, 0, shown.stderr);
      seen[`show ${id}`] = JSON.parse(shown.stdout);
    }
    return seen;
  }

  test('Alibaba: every operation naming a resource finds nothing, and nothing changes', async () => {
    const launch = {
      RegionId: REGION,
      ImageId: LINUX_IMAGE,
      InstanceType: 'ecs.g7.large',
    };
    const mine = theirs.securityGroupId;
    type Attempt = [action: string, params: Record<string, string>];
    const refused: Attempt[] = [
      ['CreateInstance', { ...launch, SecurityGroupId: owner.groupId }],
      ['CreateInstance', { ...launch, SecurityGroupId: mine, VSwitchId: owner.vSwitchId }],
      ['RunInstances', { ...launch, SecurityGroupId: owner.groupId }],
      ['RunInstances', { ...launch, 'SecurityGroupIds.1': owner.groupId }],
      ['RunInstances', { ...launch, SecurityGroupId: mine, VSwitchId: owner.vSwitchId }],
      ['CreateSecurityGroup', { RegionId: REGION, VpcId: owner.vpcId }],
      ['CreateVSwitch', { RegionId: REGION, VpcId: owner.vpcId, ZoneId: 'cn-hangzhou-h', CidrBlock: '192.168.9.0/24' }],
      ['DeleteInstance', { InstanceId: owner.stopped }],
      ['DeleteInstance', { InstanceId: owner.running, Force: 'true' }],
      ['DeleteSecurityGroup', { RegionId: REGION, SecurityGroupId: owner.spareGroupId }],
      ['DescribeInstanceAttribute', { InstanceId: owner.running }],
      ['DescribeInstanceVncUrl', { RegionId: REGION, InstanceId: owner.running }],
      ['DescribeUserData', { RegionId: REGION, InstanceId: owner.running }],
      ['JoinSecurityGroup', { InstanceId: owner.running, SecurityGroupId: mine }],
      ['JoinSecurityGroup', { InstanceId: owner.running, SecurityGroupId: owner.spareGroupId }],
      ['JoinSecurityGroup', { InstanceId: theirs.instanceId, SecurityGroupId: owner.spareGroupId }],
      ['LeaveSecurityGroup', { InstanceId: owner.running, SecurityGroupId: owner.secondGroupId }],
      ['ModifyInstanceAttribute', { InstanceId: owner.running, InstanceName: 'stolen', Description: 'stolen' }],
      [
        'ModifyInstanceAttribute',
        { InstanceId: owner.running, Password: ledger.add('stranger password', randomPassword()) },
      ],
      ['ModifyInstanceAttribute', { InstanceId: owner.stopped, DeletionProtection: 'true', HostName: 'stolen' }],
      ['ModifyInstanceAttribute', { InstanceId: theirs.instanceId, 'SecurityGroupIds.1': owner.groupId }],
      [
        'ModifyInstanceVncPasswd',
        { RegionId: REGION, InstanceId: owner.running, VncPassword: ledger.add('stranger VNC password', 'Zq8x3W') },
      ],
      ['RebootInstance', { InstanceId: owner.running, ForceStop: 'true' }],
      ['StartInstance', { InstanceId: owner.stopped }],
      ['StopInstance', { InstanceId: owner.running, ForceStop: 'true' }],
    ];
    /** Queries that filter by a resource: they answer with an empty list. */
    const empty: [...Attempt, list: string][] = [
      [
        'DescribeInstances',
        { RegionId: REGION, InstanceIds: JSON.stringify([owner.running, owner.stopped]) },
        'Instances',
      ],
      ['DescribeInstances', { RegionId: REGION, VpcId: owner.vpcId }, 'Instances'],
      ['DescribeInstances', { RegionId: REGION, VSwitchId: owner.vSwitchId }, 'Instances'],
      ['DescribeInstances', { RegionId: REGION, SecurityGroupId: owner.groupId }, 'Instances'],
      ['DescribeInstanceStatus', { RegionId: REGION, 'InstanceId.1': owner.running }, 'InstanceStatuses'],
      ['DescribeSecurityGroups', { RegionId: REGION, SecurityGroupId: owner.groupId }, 'SecurityGroups'],
      [
        'DescribeSecurityGroups',
        { RegionId: REGION, SecurityGroupIds: JSON.stringify([owner.groupId]) },
        'SecurityGroups',
      ],
      ['DescribeSecurityGroups', { RegionId: REGION, VpcId: owner.vpcId }, 'SecurityGroups'],
      ['DescribeVpcs', { RegionId: REGION, VpcId: owner.vpcId }, 'Vpcs'],
      ['DescribeVSwitches', { RegionId: REGION, VSwitchId: owner.vSwitchId }, 'VSwitches'],
      ['DescribeVSwitches', { RegionId: REGION, VpcId: owner.vpcId }, 'VSwitches'],
    ];

    // Every operation that takes a resource id has a case, and every such parameter is tried.
    const tried = new Map<string, Set<string>>();
    for (const [action, params] of [...refused, ...empty]) {
      const names = tried.get(action) ?? new Set<string>();
      for (const name of Object.keys(params)) names.add(name.replace(/\.\d+$/, ''));
      tried.set(action, names);
    }
    for (const operation of ALIYUN_OPERATIONS) {
      for (const name of RESOURCE_PARAMS.filter((n) => n in operation.params)) {
        assert.ok(tried.get(operation.action)?.has(name), `no tenancy case for ${operation.action} ${name}`);
      }
    }

    const before = await world();
    for (const [action, params] of refused) {
      const answer = await aliyun(client, action, params, stranger);
      assert.equal(answer.status, 404, `${action} ${JSON.stringify(params)}: ${JSON.stringify(answer.json)}`);
      assert.match(String(answer.json.Code), /^Invalid(InstanceId|SecurityGroupId|VpcId|VSwitchId)\.NotFound$/, action);
    }
    for (const [action, params, list] of empty) {
      const answer = await aliyun(client, action, params, stranger);
      assert.equal(answer.status, 200, `${action}: ${JSON.stringify(answer.json)}`);
      assert.equal(answer.json.TotalCount, 0, `${action} ${JSON.stringify(params)}: ${JSON.stringify(answer.json)}`);
      assert.deepEqual(Object.values(answer.json[list] as Record<string, unknown[]>)[0], [], action);
    }
    assert.deepEqual(await world(), before, 'nothing changed for either account');
  });

  test('Baidu: every instance endpoint finds nothing, and nothing changes', async () => {
    type Attempt = Pick<BceRequestOptions, 'method' | 'path' | 'query' | 'body'> & { name: string };
    const at = (id: string) => `/v2/instance/${id}`;
    const attempts: Attempt[] = [
      { name: 'GetInstanceDetail', method: 'GET', path: at(owner.running) },
      { name: 'StartInstance', method: 'PUT', path: at(owner.stopped), query: [['start', null]] },
      {
        name: 'StopInstance',
        method: 'PUT',
        path: at(owner.running),
        query: [['stop', null]],
        body: { forceStop: true },
      },
      {
        name: 'RebootInstance',
        method: 'PUT',
        path: at(owner.running),
        query: [['reboot', null]],
        body: { forceStop: true },
      },
      { name: 'DeleteInstance', method: 'DELETE', path: at(owner.stopped) },
      {
        name: 'ChangeInstancePass',
        method: 'PUT',
        path: at(owner.running),
        query: [['changePass', null]],
        body: { adminPass: encryptAdminPass(ledger.add('stranger Baidu password', randomPassword()), stranger.secret) },
      },
      {
        name: 'ModifyInstanceAttribute',
        method: 'PUT',
        path: at(owner.running),
        query: [['modifyAttribute', null]],
        body: { name: 'stolen' },
      },
      {
        name: 'ModifyInstanceDesc',
        method: 'PUT',
        path: at(owner.running),
        query: [['modifyDesc', null]],
        body: { desc: 'stolen' },
      },
      { name: 'GetInstanceVNC', method: 'GET', path: `${at(owner.running)}/vnc` },
    ];
    for (const operation of BAIDU_OPERATIONS.filter((op) => op.path.includes('{id}'))) {
      assert.ok(
        attempts.some((a) => a.name === operation.name),
        `no tenancy case for Baidu ${operation.name}`,
      );
    }
    const before = await world();
    for (const attempt of attempts) {
      for (const version of ['/v1/', '/v2/']) {
        const answer = await signedRequest(server, {
          ...attempt,
          path: attempt.path.replace('/v2/', version),
          key: stranger,
        });
        assert.equal(answer.status, 404, `${attempt.name}: ${answer.text}`);
        assert.equal(answer.json.code, 'NoSuchObject', attempt.name);
      }
    }
    const listed = await signedRequest(server, { method: 'GET', path: '/v2/instance', key: stranger });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(
      (listed.json.instances as { id: string }[]).map((i) => i.id),
      [theirs.instanceId],
      'the stranger lists only its own instance',
    );
    assert.deepEqual(await world(), before, 'nothing changed for either account');
  });
});
