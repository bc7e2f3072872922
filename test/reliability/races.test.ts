import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectRefused, openWs } from '../console/helpers.js';
import { gatewayUrlOf } from '../helpers/guest-console.js';
import { REGION } from '../helpers/aliyun.js';
import { signedRequest } from '../helpers/bce.js';
import { postgresAvailable, TestPostgres } from '../helpers/postgres.js';
import { TestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/http.js';
import { aliyun, consoleUrl, readyInstance, SecretLedger, signV1, signV3 } from './support.js';

/**
 * Races the server must settle exactly: a console token wanted by many connections at once, the
 * per-instance reconnect cap hit by many at once, and many writers changing one instance at once
 * through both signature versions of the Alibaba dialect and the Baidu dialect. On SQLite, whose
 * transactions take turns, and on PostgreSQL, whose transactions run at once.
 */

type WsResult = Awaited<ReturnType<typeof openWs>>;
const admitted = (results: WsResult[]) => results.flatMap((r) => ('ws' in r ? [r.ws] : []));
const refusals = (results: WsResult[]) => results.flatMap((r) => ('refused' in r ? [r.refused] : []));

for (const database of ['SQLite', 'PostgreSQL'] as const) {
  const skip = database === 'PostgreSQL' && !postgresAvailable && 'PostgreSQL server binaries are not installed';
  describe(`races on ${database}`, { skip }, () => races(database));
}

function races(database: 'SQLite' | 'PostgreSQL') {
  const ledger = new SecretLedger();
  let postgres: TestPostgres | undefined;
  let server: TestServer;
  let client: RawClient;

  before(async () => {
    if (database === 'PostgreSQL') postgres = await TestPostgres.start();
    // Baidu requests from 127.0.0.1 address this region, where the Alibaba calls make the instances.
    server = await TestServer.start({
      env: { OPENECS_BAIDU_REGION: REGION },
      args: postgres ? ['--database-url', postgres.url] : [],
    });
    client = new RawClient(server.port, 64);
  });
  after(async () => {
    client.close();
    await server.stop('SIGTERM');
    assert.deepEqual(ledger.findLeaks([server.output], server.dataDir, postgres?.dataDir), []);
    await server.dispose();
    postgres?.stop();
  });

  test('50 concurrent connections with one console token: exactly one is admitted', async () => {
    const { instanceId } = await readyInstance(client);
    const url = await consoleUrl(client, instanceId);
    ledger.addConsoleUrl(url);
    const results = await Promise.all(Array.from({ length: 50 }, () => openWs(url)));
    const winners = admitted(results);
    assert.equal(winners.length, 1, 'exactly one connection is admitted');
    for (const refusal of refusals(results))
      assert.deepEqual([refusal.status, refusal.code], [401, 'ConsoleTokenUsed']);
    for (const ws of winners) ws.close();
  });

  test('60 concurrent connections to one instance with 60 tokens (both dialects): exactly 30 are admitted in the minute', async () => {
    const { instanceId } = await readyInstance(client);
    const urls: string[] = [];
    for (let i = 0; i < 30; i++) urls.push(await consoleUrl(client, instanceId));
    for (let i = 0; i < 30; i++) {
      const answer = await signedRequest(server, { method: 'GET', path: `/v2/instance/${instanceId}/vnc` });
      assert.equal(answer.status, 200, answer.text);
      urls.push(gatewayUrlOf(answer.json.vncUrl as string));
    }
    for (const url of urls) ledger.addConsoleUrl(url);
    const results = await Promise.all(urls.map((url) => openWs(url)));
    const sessions = admitted(results);
    assert.equal(sessions.length, 30, 'exactly the cap is admitted');
    for (const refusal of refusals(results))
      assert.deepEqual([refusal.status, refusal.code], [429, 'ConsoleReconnectLimit']);
    // Closing the admitted sessions frees nothing within the minute: the cap counts connections made.
    await Promise.all(sessions.map((ws) => new Promise((resolve) => ws.once('close', resolve).close())));
    const late = await expectRefused(await consoleUrl(client, instanceId));
    assert.deepEqual([late.status, late.code], [429, 'ConsoleReconnectLimit']);
  });

  test('seven writers on one instance at once: no acknowledged update is lost', async () => {
    const { instanceId, securityGroupId } = await readyInstance(client);
    const extraGroups: string[] = [];
    for (let i = 0; i < 4; i++) {
      const group = await aliyun(client, 'CreateSecurityGroup', { RegionId: REGION });
      extraGroups.push(group.json.SecurityGroupId as string);
    }
    const [toggled, ...burst] = extraGroups as [string, ...string[]];
    const rounds = 40;
    const ok = (what: string, answer: { status: number; body?: string; text?: string }) =>
      assert.equal(answer.status, 200, `${what}: ${answer.body ?? answer.text}`);
    const modifyV1 = (params: Record<string, string>) =>
      client.send(signV1({ Action: 'ModifyInstanceAttribute', InstanceId: instanceId, ...params }));
    const modifyV3 = (params: Record<string, string>) =>
      client.send(signV3('ModifyInstanceAttribute', { InstanceId: instanceId, ...params }, undefined, server.port));
    const baidu = (action: string, body: Record<string, unknown>) =>
      signedRequest(server, { method: 'PUT', path: `/v2/instance/${instanceId}`, query: [[action, null]], body });

    // Each writer owns a field and awaits each of its writes, so its last write is known; the writers race.
    const writers = [
      async () => {
        for (let i = 0; i < rounds; i++) ok('name', await modifyV1({ InstanceName: `name-${i}` }));
      },
      async () => {
        for (let i = 0; i < rounds; i++) ok('desc', await baidu('modifyDesc', { desc: `desc-${i}` }));
      },
      async () => {
        for (let i = 0; i < rounds; i++) ok('protection', await modifyV3({ DeletionProtection: String(i % 2 === 0) }));
      },
      async () => {
        for (let i = 0; i < rounds; i++)
          ok('dns', await modifyV3({ 'PrivateDnsNameOptions.EnableIpDnsARecord': String(i % 2 === 0) }));
      },
      async () => {
        for (let i = 0; i < rounds; i++) {
          const action = i % 2 === 0 ? 'JoinSecurityGroup' : 'LeaveSecurityGroup';
          ok(action, await client.send(signV1({ Action: action, InstanceId: instanceId, SecurityGroupId: toggled })));
        }
      },
      // Three joins at the same moment: each reads the membership and adds to it.
      async () => {
        const joins = await Promise.all(
          burst.map((group) =>
            client.send(signV1({ Action: 'JoinSecurityGroup', InstanceId: instanceId, SecurityGroupId: group })),
          ),
        );
        for (const join of joins) ok('burst join', join);
      },
      async () => {
        for (let i = 0; i < rounds; i++) ok('hostname', await modifyV1({ HostName: `host-${i}` }));
      },
    ];
    await Promise.all(writers.map((write) => write()));

    const answer = await aliyun(client, 'DescribeInstances', {
      RegionId: REGION,
      InstanceIds: JSON.stringify([instanceId]),
    });
    const final = (answer.json.Instances as { Instance: Record<string, unknown>[] }).Instance[0]!;
    const last = rounds - 1;
    assert.equal(final.InstanceName, `name-${last}`);
    assert.equal(final.Description, `desc-${last}`);
    assert.equal(final.DeletionProtection, last % 2 === 0);
    assert.equal((final.PrivateDnsNameOptions as Record<string, unknown>).EnableIpDnsARecord, last % 2 === 0);
    assert.deepEqual(
      [...(final.SecurityGroupIds as { SecurityGroupId: string[] }).SecurityGroupId].sort(),
      [securityGroupId, ...burst, ...(last % 2 === 0 ? [toggled] : [])].sort(),
    );
    // The hostname waits for a restart to reach the guest, but the API shows the last one written.
    assert.equal(final.HostName, `host-${last}`);
  });
}
