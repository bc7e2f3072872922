import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Instance } from '../../src/core/model.js';
import type { Store } from '../../src/core/repositories.js';
import { openStore } from '../../src/store/database.js';
import { instanceFixture } from '../helpers/instance-fixture.js';
import { postgresAvailable, TestPostgres } from '../helpers/postgres.js';

function instance(n: number, overrides: Partial<Instance> = {}): Instance {
  return instanceFixture({
    instanceId: `i-test${String(n).padStart(6, '0')}`,
    instanceName: `vm-${n}`,
    hostName: `host-${n}`,
    status: 'Running',
    privateIp: `172.16.0.${n}`,
    tags: [{ key: 'env', value: n % 2 ? 'odd' : 'even' }],
    createdAt: 1_700_000_000_000 + n,
    ...overrides,
  });
}

/** The same repository contract, run against every database openecs supports. */
function contract(name: string, open: () => Promise<{ store: Store; close: () => void }>) {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    let close: () => void;
    before(async () => {
      ({ store, close } = await open());
    });
    after(async () => {
      await store.close();
      close();
    });

    test('instances: insert, filters, newest-first paging by offset and by cursor', async () => {
      await store.transaction(async (repos) => {
        for (let n = 1; n <= 7; n++)
          await repos.instances.insert(
            instance(n, n === 3 ? { status: 'Stopped', securityGroupIds: ['sg-a', 'sg-b'] } : {}),
          );
        await repos.instances.insert(instance(99, { accountId: 'acct-2' }));
      });
      const { instances } = store.repos;
      const all = await instances.find({ accountId: 'acct-1' }, { limit: 100 });
      assert.equal(all.totalCount, 7);
      assert.deepEqual(
        all.items.map((i) => i.instanceName),
        ['vm-7', 'vm-6', 'vm-5', 'vm-4', 'vm-3', 'vm-2', 'vm-1'],
      );
      assert.equal(
        (await instances.find({ accountId: 'acct-1', status: 'Stopped' }, { limit: 10 })).items[0]!.instanceName,
        'vm-3',
      );
      assert.equal(
        (await instances.find({ accountId: 'acct-1', securityGroupId: 'sg-b' }, { limit: 10 })).totalCount,
        1,
      );
      assert.equal(
        (await instances.find({ accountId: 'acct-1', tags: [{ key: 'env', value: 'odd' }] }, { limit: 10 })).totalCount,
        4,
      );
      assert.equal(
        (await instances.find({ accountId: 'acct-1', tags: [{ key: 'env' }] }, { limit: 10 })).totalCount,
        7,
      );
      assert.equal(
        (await instances.find({ accountId: 'acct-1', instanceIds: ['i-test000002', 'i-test000099'] }, { limit: 10 }))
          .totalCount,
        1,
      );
      const second = await instances.find({ accountId: 'acct-1' }, { offset: 2, limit: 2 });
      assert.deepEqual(
        second.items.map((i) => i.instanceName),
        ['vm-5', 'vm-4'],
      );
      const names: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await instances.find({ accountId: 'acct-1' }, { after, limit: 3 });
        names.push(...page.items.map((i) => i.instanceName));
        if (!page.next) break;
        after = page.next;
      }
      assert.deepEqual(
        names,
        all.items.map((i) => i.instanceName),
      );
      assert.equal(await instances.get('acct-2', 'i-test000001'), undefined, 'another account reads nothing');
    });

    test('instances: an update based on a stale version is refused', async () => {
      const current = (await store.repos.instances.getAny('i-test000001'))!;
      assert.equal(
        await store.repos.instances.update(current, {
          ...current,
          instanceName: 'first',
          version: current.version + 1,
        }),
        true,
      );
      assert.equal(
        await store.repos.instances.update(current, { ...current, instanceName: 'lost', version: current.version + 1 }),
        false,
      );
      assert.equal((await store.repos.instances.getAny('i-test000001'))!.instanceName, 'first');
      // The same for a change that touches the document alone (no filtered column).
      const now = (await store.repos.instances.getAny('i-test000001'))!;
      const next = { ...now, description: 'kept', version: now.version + 1 };
      assert.equal(await store.repos.instances.update(now, next), true);
      assert.equal(await store.repos.instances.update(now, { ...next, description: 'lost' }), false);
      assert.equal((await store.repos.instances.getAny('i-test000001'))!.description, 'kept');
    });

    test('a failed transaction writes nothing', async () => {
      await assert.rejects(
        store.transaction(async (repos) => {
          await repos.instances.insert(instance(500));
          throw new Error('boom');
        }),
      );
      assert.equal(await store.repos.instances.getAny('i-test000500'), undefined);
    });

    test('tasks upsert, audit is ordered and filterable, security group membership counts', async () => {
      await store.repos.tasks.put({ instanceId: 'i-test000002', target: 'Running', applyPending: true, dueAt: 1 });
      await store.repos.tasks.put({ instanceId: 'i-test000002', target: 'Stopped', applyPending: false, dueAt: 2 });
      assert.deepEqual(await store.repos.tasks.list(), [
        { instanceId: 'i-test000002', target: 'Stopped', applyPending: false, dueAt: 2 },
      ]);
      for (const [at, resourceId] of [
        [10, 'i-a'],
        [20, 'i-b'],
        [30, 'i-a'],
      ] as const) {
        await store.repos.audit.insert({
          at,
          accountId: 'acct-1',
          accessKeyId: 'k',
          sourceIp: '127.0.0.1',
          dialect: 'aliyun',
          action: 'X',
          resourceId,
          outcome: 'Success',
          requestId: String(at),
          detail: null,
        });
      }
      assert.deepEqual(
        (await store.repos.audit.list({ resourceId: 'i-a' })).map((r) => r.at),
        [10, 30],
      );
      assert.deepEqual(
        (await store.repos.audit.list({ since: 20 })).map((r) => r.at),
        [20, 30],
      );
      assert.equal(await store.repos.securityGroups.instanceCount('sg-a'), 8);
      await store.repos.instances.delete('i-test000003');
      assert.equal(await store.repos.securityGroups.instanceCount('sg-b'), 0);
    });

    test('console tokens: consumed once, only while live and issued since the given time; admissions counted', async () => {
      const token = (n: number, issuedAt: number) => ({
        tokenHash: `hash-${n}`,
        accountId: 'acct-1',
        instanceId: 'i-test000001',
        issuedAt,
        expiresAt: issuedAt + 15_000,
        consumedAt: null,
        clientIp: null,
        refused: null,
      });
      const tokens = store.repos.consoleTokens;
      for (const [n, issuedAt] of [
        [1, 1_000],
        [2, 1_000],
        [3, 5_000],
        [4, 5_000],
      ] as const)
        await tokens.insert(token(n, issuedAt));

      const won = await tokens.consume('hash-1', 2_000, '10.0.0.1', 0);
      assert.deepEqual(won, { ...token(1, 1_000), consumedAt: 2_000, clientIp: '10.0.0.1' });
      assert.equal(await tokens.consume('hash-1', 2_001, '10.0.0.2', 0), undefined, 'used');
      assert.equal(await tokens.consume('hash-2', 16_000, '10.0.0.1', 0), undefined, 'expired');
      assert.equal(await tokens.consume('hash-3', 6_000, '10.0.0.1', 5_001), undefined, 'issued too early');
      assert.equal((await tokens.get('hash-3'))!.consumedAt, null, 'a refused consumption changes nothing');
      assert.equal((await tokens.consume('hash-3', 6_000, '10.0.0.1', 5_000))!.consumedAt, 6_000);
      await tokens.consume('hash-4', 7_000, '10.0.0.1', 0);
      await tokens.refuse('hash-4', 'reconnect limit');

      assert.equal(await tokens.countAdmitted('i-test000001', 0), 2, 'consumed and not refused');
      assert.equal(await tokens.countAdmitted('i-test000001', 2_000), 1, 'after the given time only');
      assert.equal(await tokens.countAdmitted('i-other', 0), 0);
      await tokens.purge(20_001);
      assert.equal(await tokens.get('hash-3'), undefined, 'expired before the purge time');
    });
  });
}

contract('SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openecs-store-'));
  return {
    store: await openStore({ kind: 'sqlite', file: join(dir, 'test.db') }),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
});

if (postgresAvailable) {
  contract('PostgreSQL 15', async () => {
    const pg = await TestPostgres.start();
    return { store: await openStore({ kind: 'postgres', url: pg.url }), close: () => pg.stop() };
  });
} else {
  test('store contract: PostgreSQL 15', { skip: 'PostgreSQL server binaries are not installed' }, () => {});
}
