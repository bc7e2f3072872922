import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { $Ecs, ecsClient, type EcsClient, launchInstances, REGION, runningInstance } from '../helpers/aliyun.js';
import { TestServer } from '../helpers/server.js';

/**
 * Two SDK clients (V3 and V1 signatures) changing one instance at the same time. Each call must
 * succeed or fail with a proper API error, and no acknowledged write may be lost: a write based
 * on a stale read of the instance would put back a value another call had already replaced.
 */

type Settled = PromiseSettledResult<unknown>;

/** Rejections must be the API answering, not the server breaking. */
function assertClean(results: Settled[]): void {
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    const error = result.reason as { code?: string; statusCode?: number };
    assert.ok(
      error.code && error.statusCode && error.statusCode < 500,
      `a clean API error, not ${String(result.reason)}`,
    );
  }
}

const succeeded = <T>(items: T[], results: Settled[]) => items.filter((_, i) => results[i]!.status === 'fulfilled');

describe('concurrent changes to one instance', () => {
  let server: TestServer;
  let clients: [EcsClient, EcsClient];
  let instanceId: string;
  let firstGroup: string;

  before(async () => {
    server = await TestServer.start({ transitionSeconds: 0.2, bootSeconds: 0.1 });
    clients = [ecsClient(server), ecsClient(server, { v1: true })];
  });
  beforeEach(async () => {
    ({ instanceId, securityGroupId: firstGroup } = await runningInstance(clients[0]));
  });
  after(() => server.dispose());

  const modify = (client: EcsClient, changes: Record<string, unknown>) =>
    client.modifyInstanceAttribute(new $Ecs.ModifyInstanceAttributeRequest({ instanceId, ...changes }));
  /** A security group in the instance's (default) VPC. */
  const newGroup = async () =>
    (await clients[0].createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION }))).body!
      .securityGroupId!;
  const current = async () =>
    (
      await clients[0].describeInstances(
        new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([instanceId]) }),
      )
    ).body!.instances!.instance![0]!;

  test('a burst of 20 renames, 4 joins and 4 DNS options from two clients: every acknowledged change is there', async () => {
    const groups = await Promise.all([1, 2, 3, 4].map(newGroup));
    const renames = Array.from({ length: 20 }, (_, i) => ({
      instanceName: `burst-${i}`,
      description: `written with burst-${i}`,
    }));
    const dnsFlags = [
      'enableInstanceIdDnsARecord',
      'enableInstanceIdDnsAAAARecord',
      'enableIpDnsARecord',
      'enableIpDnsPtrRecord',
    ] as const;

    const [renamed, joined, dns] = await Promise.all([
      Promise.allSettled(renames.map((changes, i) => modify(clients[i % 2]!, changes))),
      Promise.allSettled(
        groups.map((securityGroupId, i) =>
          clients[i % 2]!.joinSecurityGroup(new $Ecs.JoinSecurityGroupRequest({ instanceId, securityGroupId })),
        ),
      ),
      Promise.allSettled(
        dnsFlags.map((flag, i) =>
          modify(clients[i % 2]!, {
            privateDnsNameOptions: new $Ecs.ModifyInstanceAttributeRequestPrivateDnsNameOptions({ [flag]: true }),
          }),
        ),
      ),
    ]);
    for (const results of [renamed, joined, dns]) assertClean(results);

    const final = await current();
    const acknowledged = succeeded(renames, renamed);
    assert.ok(acknowledged.length > 0, 'some renames were acknowledged');
    const winner = acknowledged.find((r) => r.instanceName === final.instanceName);
    assert.ok(winner, `the final name ${final.instanceName} is one that was acknowledged`);
    assert.equal(final.description, winner.description, 'name and description written by one call stay together');
    assert.deepEqual(
      [...final.securityGroupIds!.securityGroupId!].sort(),
      [firstGroup, ...succeeded(groups, joined)].sort(),
      'every acknowledged join is kept, and nothing else',
    );
    for (const flag of succeeded([...dnsFlags], dns))
      assert.equal(final.privateDnsNameOptions![flag], true, `${flag} is kept`);
  });

  test("two clients each writing its own field in sequence, side by side: each one's last write is the final value", async () => {
    const rounds = 15;
    const extra = await newGroup();
    // Each chain awaits its own calls, so its last acknowledged write is known; the chains race.
    const names = (async () => {
      for (let i = 0; i < rounds; i++) await modify(clients[0], { instanceName: `name-${i}` });
    })();
    const descriptions = (async () => {
      for (let i = 0; i < rounds; i++) await modify(clients[1], { description: `description-${i}` });
    })();
    const protection = (async () => {
      for (let i = 0; i < rounds; i++) await modify(clients[i % 2]!, { deletionProtection: i % 2 === 0 });
    })();
    const membership = (async () => {
      for (let i = 0; i < rounds; i++) {
        const request = { instanceId, securityGroupId: extra };
        if (i % 2 === 0) await clients[1].joinSecurityGroup(new $Ecs.JoinSecurityGroupRequest(request));
        else await clients[0].leaveSecurityGroup(new $Ecs.LeaveSecurityGroupRequest(request));
      }
    })();
    await Promise.all([names, descriptions, protection, membership]);

    const final = await current();
    assert.equal(final.instanceName, `name-${rounds - 1}`);
    assert.equal(final.description, `description-${rounds - 1}`);
    assert.equal(final.deletionProtection, (rounds - 1) % 2 === 0);
    assert.deepEqual(
      [...final.securityGroupIds!.securityGroupId!].sort(),
      [firstGroup, ...((rounds - 1) % 2 === 0 ? [extra] : [])].sort(),
    );
  });
});

/**
 * Answers to requests that arrive together are written together at the end of the event loop's
 * turn (http-server.ts): each must still reach the request it answers, successes and errors alike.
 */
describe('answers to concurrent requests', () => {
  let server: TestServer;
  let clients: [EcsClient, EcsClient];
  let instanceIds: string[];

  before(async () => {
    server = await TestServer.start();
    clients = [ecsClient(server), ecsClient(server, { v1: true })];
    ({ instanceIds } = await launchInstances(clients[0], { amount: 10 }));
  });
  after(() => server.dispose());

  test('120 calls at once over two clients, one in four for a missing instance: each gets its own answer', async () => {
    const asked = Array.from({ length: 120 }, (_, i) =>
      i % 4 === 3 ? `i-missing${String(i).padStart(11, '0')}` : instanceIds[i % instanceIds.length]!,
    );
    const results = await Promise.allSettled(
      asked.map((instanceId, i) =>
        clients[i % 2]!.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId })),
      ),
    );
    const requestIds = new Set<string>();
    results.forEach((result, i) => {
      if (asked[i]!.startsWith('i-missing')) {
        assert.equal(result.status, 'rejected', `call ${i} for a missing instance`);
        const error = (result as PromiseRejectedResult).reason as { code?: string; data?: { RequestId?: string } };
        assert.equal(error.code, 'InvalidInstanceId.NotFound');
        requestIds.add(error.data!.RequestId!);
      } else {
        assert.equal(result.status, 'fulfilled', `call ${i}: ${String((result as PromiseRejectedResult).reason)}`);
        const body = (result as PromiseFulfilledResult<{ body?: { instanceId?: string; requestId?: string } }>).value
          .body!;
        assert.equal(body.instanceId, asked[i], `call ${i} answered with its own instance`);
        requestIds.add(body.requestId!);
      }
    });
    assert.equal(requestIds.size, asked.length, 'every answer is a different response');
  });
});
