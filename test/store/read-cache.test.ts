import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { AccessKey } from '../../src/core/model.js';
import type { Store } from '../../src/core/repositories.js';
import { openStore } from '../../src/store/database.js';
import { type CommitWatch, ReadCache } from '../../src/store/read-cache.js';
import { instanceFixture } from '../helpers/instance-fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A load that counts its calls and returns the current `value`. */
function counted<T>(value: () => T | undefined) {
  const load = async () => {
    load.calls++;
    return value();
  };
  load.calls = 0;
  return load;
}

describe('read cache', () => {
  /** What SQLite's connection tells the cache, set by each test. */
  const watch: CommitWatch & { inTransaction: boolean; commits: number } = {
    inTransaction: false,
    commits: 0,
    othersCommits: () => watch.commits,
  };

  test('a second read is answered from memory; the value is frozen, deeply', async () => {
    const cache = new ReadCache(watch);
    const load = counted(() => ({ id: 'a', tags: [{ key: 'k' }] }));
    const first = await cache.read('a', load);
    assert.equal(await cache.read('a', load), first);
    assert.equal(load.calls, 1);
    assert.throws(() => {
      (first as { id: string }).id = 'b';
    }, TypeError);
    assert.throws(() => first!.tags.push({ key: 'x' }), TypeError);
    assert.throws(() => {
      first!.tags[0]!.key = 'x';
    }, TypeError);
  });

  test('forget, another process committing, or an open transaction send reads to the database', async () => {
    const cache = new ReadCache(watch);
    let row = 1;
    const load = counted(() => ({ row }));
    await cache.read('a', load);
    row = 2;
    cache.forget('a');
    assert.deepEqual(await cache.read('a', load), { row: 2 });

    row = 3;
    watch.commits++;
    await sleep(2); // other processes' commits are checked for at most a millisecond apart
    assert.deepEqual(await cache.read('a', load), { row: 3 });

    watch.inTransaction = true;
    row = 4;
    assert.deepEqual(await cache.read('a', load), { row: 4 });
    assert.deepEqual(await cache.read('a', load), { row: 4 });
    watch.inTransaction = false;
    assert.equal(load.calls, 5);
  });

  test('a read that a write overtook keeps nothing; a row not found is not kept', async () => {
    const cache = new ReadCache(watch);
    let release!: () => void;
    const slow = async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { row: 'old' };
    };
    const reading = cache.read('a', slow);
    cache.forget('a'); // a write to the row while the read is under way
    release();
    assert.deepEqual(await reading, { row: 'old' });
    const load = counted(() => ({ row: 'new' }));
    assert.deepEqual(await cache.read('a', load), { row: 'new' });
    assert.equal(load.calls, 1);

    const missing = counted<object>(() => undefined);
    await cache.read('b', missing);
    await cache.read('b', missing);
    assert.equal(missing.calls, 2);
  });
});

describe('cached reads on a SQLite store', () => {
  async function withStores(run: (server: Store, admin: Store) => Promise<void>) {
    const dir = mkdtempSync(join(tmpdir(), 'openecs-cache-'));
    const location = { kind: 'sqlite' as const, file: join(dir, 'openecs.db') };
    const server = await openStore(location);
    // A second connection to the same file, as `openecs keys disable` beside a running server opens.
    const admin = await openStore(location);
    try {
      await run(server, admin);
    } finally {
      await server.close();
      await admin.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const key: AccessKey = {
    accessKeyId: 'LTAI-cache-test',
    accountId: 'acct-1',
    secretSealed: 'sealed',
    status: 'Active',
    createdAt: 1,
  };

  test("the store's own writes are read back, committed or rolled back", async () => {
    await withStores(async (server) => {
      const original = instanceFixture({ instanceId: 'i-cache1', instanceName: 'before' });
      await server.transaction((repos) => repos.instances.insert(original));
      const read = (await server.repos.instances.get('acct-1', 'i-cache1'))!;
      assert.equal(read.instanceName, 'before');
      assert.equal(await server.repos.instances.get('acct-2', 'i-cache1'), undefined, "another account's");

      const renamed = { ...read, instanceName: 'after', version: read.version + 1 };
      await server.transaction(async (repos) => assert.ok(await repos.instances.update(read, renamed)));
      assert.equal((await server.repos.instances.get('acct-1', 'i-cache1'))!.instanceName, 'after');

      await assert.rejects(
        server.transaction(async (repos) => {
          await repos.instances.update(renamed, {
            ...renamed,
            instanceName: 'rolled back',
            version: renamed.version + 1,
          });
          throw new Error('abandoned');
        }),
        /abandoned/,
      );
      assert.equal((await server.repos.instances.get('acct-1', 'i-cache1'))!.instanceName, 'after');

      await server.transaction((repos) => repos.instances.delete('i-cache1'));
      assert.equal(await server.repos.instances.getAny('i-cache1'), undefined);
    });
  });

  test("another process's writes are seen: a key disabled, an instance locked", async () => {
    await withStores(async (server, admin) => {
      await admin.repos.accounts.insert({ accountId: 'acct-1', name: 'team', previewFeatures: [], createdAt: 1 });
      await admin.repos.accessKeys.insert(key);
      await admin.transaction((repos) => repos.instances.insert(instanceFixture({ instanceId: 'i-cache2' })));
      assert.equal((await server.repos.accessKeys.get(key.accessKeyId))!.status, 'Active');
      const instance = (await server.repos.instances.get('acct-1', 'i-cache2'))!;
      assert.equal(instance.lockReason, null);

      assert.ok(await admin.repos.accessKeys.setStatus(key.accessKeyId, 'Inactive'));
      await admin.transaction((repos) =>
        repos.instances.update(instance, { ...instance, lockReason: 'security', version: instance.version + 1 }),
      );
      await sleep(2);
      assert.equal((await server.repos.accessKeys.get(key.accessKeyId))!.status, 'Inactive');
      assert.equal((await server.repos.instances.get('acct-1', 'i-cache2'))!.lockReason, 'security');
    });
  });
});
