import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { LINUX_IMAGE, REGION } from '../helpers/aliyun.js';
import { TestServer, until } from '../helpers/server.js';
import { RawClient } from '../helpers/http.js';
import { aliyun, SecretLedger, signV1, stoppedInstances } from './support.js';

/**
 * SIGKILL in the middle of 2,000 ModifyInstanceAttribute calls. Each call writes a name and a
 * description carrying its own sequence number to one of INSTANCES instances, DEPTH calls in flight
 * per instance (200 at a time in all), and the test notes when each call was sent and when its
 * HTTP 200 came back. After the restart, for every instance the stored value must be one that was
 * sent, and no acknowledged write may have been lost: the value found must not come from a call
 * that was answered before another acknowledged call to that instance was even sent.
 */
const INSTANCES = 50;
const DEPTH = 4;
const CALLS = 2000;
/** The kill comes once this many calls are acknowledged: about half, so hundreds are in flight. */
const KILL_AFTER = 1000;
/** Long enough that transitions begun just before the kill are still under way when it lands. */
const TRANSITION_SECONDS = 3;

interface Write {
  instance: number;
  seq: number;
  sentAt: number;
  ackAt: number | null;
}

const nameOf = (instance: number, seq: number) => `crash-${instance}-s${seq}`;
const descriptionOf = (instance: number, seq: number) => `write ${seq} to instance ${instance}`;

/** The lost acknowledged writes of one instance, given its final name and description. */
function lostWrites(instance: number, writes: Write[], name: string, description: string): string[] {
  const acked = writes.filter((w) => w.ackAt !== null);
  const match = /^crash-(\d+)-s(\d+)$/.exec(name);
  if (!match) {
    return acked.length === 0 ? [] : [`instance ${instance}: still ${name} after ${acked.length} acknowledged writes`];
  }
  const final = writes.find((w) => w.seq === Number(match[2]));
  if (Number(match[1]) !== instance || !final) return [`instance ${instance}: ${name} was never sent to it`];
  if (description !== descriptionOf(instance, final.seq)) {
    return [`instance ${instance}: name of write ${final.seq} with description "${description}"`];
  }
  // A write answered before another acknowledged write was sent is older than it: it may not be final.
  return acked
    .filter((w) => final.ackAt !== null && final.ackAt < w.sentAt)
    .map(
      (w) =>
        `instance ${instance}: holds write ${final.seq}, but write ${w.seq}, sent after it was acknowledged, was acknowledged too`,
    );
}

describe('crash: SIGKILL during 2,000 concurrent ModifyInstanceAttribute calls', () => {
  const ledger = new SecretLedger();
  const servers: TestServer[] = [];
  let dataDir = '';
  after(async () => {
    for (const server of servers) await server.stop('SIGKILL');
    if (dataDir) {
      assert.deepEqual(
        ledger.findLeaks(
          servers.map((s) => s.output),
          dataDir,
        ),
        [],
      );
      await servers[0]!.dispose();
    }
  });

  test(
    'every acknowledged change survives, the database is intact, interrupted transitions complete',
    { timeout: 180_000 },
    async () => {
      const first = await TestServer.start({ transitionSeconds: TRANSITION_SECONDS, bootSeconds: 0.1 });
      servers.push(first);
      dataDir = first.dataDir;
      const client = new RawClient(first.port, INSTANCES * DEPTH);
      const ids = await stoppedInstances(client, INSTANCES);

      // Instances whose transitions the kill will interrupt, each heading for a known state.
      const [toStop, toReboot] = await runInstances(client, 2);
      const [toStart] = await stoppedInstances(client, 1);
      await until(
        async () =>
          (await statuses(client, [toStop!, toReboot!, toStart!])).every(
            (s, i) => s === (i < 2 ? 'Running' : 'Stopped'),
          ),
        'lifecycle instances to settle',
        30_000,
      );
      const groupId = await groupOf(client, toStop!);
      /** Begins one transition of each kind, all at once; resolves with the state each must end in. */
      const interrupt = async (): Promise<Record<string, string>> => {
        const call = async (action: string, params: Record<string, string>) => {
          const answer = await aliyun(client, action, params);
          assert.equal(answer.status, 200, `${action}: ${JSON.stringify(answer.json)}`);
          return answer.json;
        };
        const [launched] = await Promise.all([
          call('RunInstances', {
            RegionId: REGION,
            ImageId: LINUX_IMAGE,
            InstanceType: 'ecs.g7.large',
            SecurityGroupId: groupId,
          }),
          call('StopInstance', { InstanceId: toStop! }),
          call('RebootInstance', { InstanceId: toReboot! }),
          call('StartInstance', { InstanceId: toStart! }),
        ]);
        const launchedId = (launched.InstanceIdSets as { InstanceIdSet: string[] }).InstanceIdSet[0]!;
        return { [toStop!]: 'Stopped', [toReboot!]: 'Running', [toStart!]: 'Running', [launchedId]: 'Running' };
      };

      // The load: DEPTH chains per instance, each sending its next write once the last is answered.
      const writes: Write[][] = ids.map(() => []);
      let issued = 0;
      let acknowledged = 0;
      let killed = false;
      const failures: string[] = [];
      let interrupted: Promise<Record<string, string>> | null = null;
      let interruptDone = false;
      let reachedKillPoint!: () => void;
      const killPoint = new Promise<void>((resolve) => (reachedKillPoint = resolve));
      const chain = async (instance: number) => {
        while (!killed && issued < CALLS) {
          issued++;
          const write: Write = { instance, seq: writes[instance]!.length + 1, sentAt: performance.now(), ackAt: null };
          writes[instance]!.push(write);
          const shot = signV1({
            Action: 'ModifyInstanceAttribute',
            InstanceId: ids[instance]!,
            InstanceName: nameOf(instance, write.seq),
            Description: descriptionOf(instance, write.seq),
          });
          try {
            const answer = await client.send(shot);
            if (answer.status !== 200) failures.push(`HTTP ${answer.status} before the kill: ${answer.body}`);
            else if (!killed) {
              write.ackAt = performance.now();
              acknowledged++;
            }
          } catch (error) {
            if (!killed) failures.push(`call failed before the kill: ${(error as Error).message}`);
            return;
          }
          if (acknowledged >= KILL_AFTER * 0.8) interrupted ??= interrupt().finally(() => (interruptDone = true));
          if (acknowledged >= KILL_AFTER && interruptDone) reachedKillPoint();
        }
      };
      const load = Promise.all(ids.flatMap((_, i) => Array.from({ length: DEPTH }, () => chain(i))));
      await Promise.race([killPoint, load]);
      const targets = await interrupted!;
      killed = true;
      await first.stop('SIGKILL');
      await load;
      client.close();
      assert.deepEqual(failures, [], 'every call answered before the kill succeeded');
      const inFlight = writes.flat().filter((w) => w.ackAt === null).length;
      assert.ok(
        acknowledged >= KILL_AFTER && inFlight > 0,
        `killed with ${acknowledged} acknowledged, ${inFlight} in flight`,
      );

      // The files as the kill left them, read before any recovery by the server.
      const db = new SQLite(join(dataDir, 'openecs.db'), { readonly: true, fileMustExist: true });
      try {
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
        const rows = db
          .prepare(
            `SELECT instance_id, status FROM instances WHERE instance_id IN (${Object.keys(targets)
              .map(() => '?')
              .join(',')})`,
          )
          .all(...Object.keys(targets)) as { instance_id: string; status: string }[];
        const tasks = db.prepare('SELECT instance_id FROM tasks').all() as { instance_id: string }[];
        for (const row of rows) {
          assert.match(
            row.status,
            /^(Pending|Starting|Stopping)$/,
            `${row.instance_id} was mid-transition at the kill`,
          );
          assert.ok(
            tasks.some((t) => t.instance_id === row.instance_id),
            `${row.instance_id} has its task row`,
          );
        }
        assert.equal(rows.length, Object.keys(targets).length);
      } finally {
        db.close();
      }

      const second = await TestServer.start({ dataDir, transitionSeconds: TRANSITION_SECONDS, bootSeconds: 0.1 });
      servers.push(second);
      const after = new RawClient(second.port, 8);
      const found = await describeAll(after, ids);
      const lost = ids.flatMap((id, i) => lostWrites(i, writes[i]!, found.get(id)!.name, found.get(id)!.description));
      assert.deepEqual(lost, [], 'acknowledged writes were lost');
      console.log(
        `killed after ${acknowledged} of ${issued} sent calls were acknowledged (${inFlight} in flight); every acknowledged write survived`,
      );

      await until(
        async () => {
          const now = await statuses(after, Object.keys(targets));
          return now.every((status, i) => status === Object.values(targets)[i]) && now;
        },
        'interrupted transitions to complete',
        30_000,
      );
      after.close();
      assert.equal(await second.stop('SIGTERM'), 0);
      const closed = new SQLite(join(dataDir, 'openecs.db'), { readonly: true, fileMustExist: true });
      try {
        assert.equal(closed.pragma('integrity_check', { simple: true }), 'ok');
        assert.deepEqual(closed.prepare('SELECT instance_id FROM tasks').all(), [], 'no transition left unfinished');
      } finally {
        closed.close();
      }
    },
  );
});

async function runInstances(client: RawClient, amount: number): Promise<string[]> {
  const group = await aliyun(client, 'CreateSecurityGroup', { RegionId: REGION });
  const run = await aliyun(client, 'RunInstances', {
    RegionId: REGION,
    ImageId: LINUX_IMAGE,
    InstanceType: 'ecs.g7.large',
    SecurityGroupId: group.json.SecurityGroupId as string,
    Amount: String(amount),
  });
  assert.equal(run.status, 200, JSON.stringify(run.json));
  return (run.json.InstanceIdSets as { InstanceIdSet: string[] }).InstanceIdSet;
}

async function describeAll(
  client: RawClient,
  ids: string[],
): Promise<Map<string, { name: string; description: string; status: string; groups: string[] }>> {
  const found = new Map<string, { name: string; description: string; status: string; groups: string[] }>();
  for (let from = 0; from < ids.length; from += 100) {
    const page = ids.slice(from, from + 100);
    const answer = await aliyun(client, 'DescribeInstances', {
      RegionId: REGION,
      InstanceIds: JSON.stringify(page),
      PageSize: '100',
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    const list = (answer.json.Instances as { Instance: Record<string, unknown>[] }).Instance;
    for (const i of list) {
      found.set(i.InstanceId as string, {
        name: i.InstanceName as string,
        description: i.Description as string,
        status: i.Status as string,
        groups: (i.SecurityGroupIds as { SecurityGroupId: string[] }).SecurityGroupId,
      });
    }
  }
  assert.equal(found.size, ids.length, 'every instance is still there');
  return found;
}

async function statuses(client: RawClient, ids: string[]): Promise<string[]> {
  const found = await describeAll(client, ids);
  return ids.map((id) => found.get(id)!.status);
}

async function groupOf(client: RawClient, id: string): Promise<string> {
  return (await describeAll(client, [id])).get(id)!.groups[0]!;
}
