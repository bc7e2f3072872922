import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { SqliteConnection } from '../../src/store/sqlite-connection.js';

/** Counts the WAL syncs the group commit runs (its private syncWal, observed from outside). */
function countSyncs(connection: SqliteConnection): () => number {
  const target = connection as unknown as { syncWal: () => Promise<void> };
  const original = target.syncWal.bind(connection);
  let syncs = 0;
  target.syncWal = () => {
    syncs++;
    return original();
  };
  return () => syncs;
}

test('group commit: every committed write waits for a WAL sync, also one that returns rows; reads do not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openecs-sqlite-'));
  const file = join(dir, 'test.db');
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const connection = new SqliteConnection(db, `${file}-wal`);
  try {
    connection.prepare('create table t (k text primary key, v integer not null)').run([]);
    await connection.durable();
    const syncs = countSyncs(connection);
    const returning = 'update t set v = v + 1 where k = ? returning v';

    connection.prepare("insert into t values ('a', 1)").run([]);
    await connection.durable();
    assert.equal(syncs(), 1, 'a plain write');

    // Kysely runs a statement that returns rows with all(), writes or not (a token's consumption).
    assert.deepEqual(connection.prepare(returning).all(['a']), [{ v: 2 }]);
    await connection.durable();
    assert.equal(syncs(), 2, 'a write that returns rows');

    connection.prepare('begin').run([]);
    connection.prepare(returning).all(['a']);
    connection.prepare('commit').run([]);
    await connection.durable();
    assert.equal(syncs(), 3, 'the same inside a transaction, counted at its commit');

    connection.prepare('select v from t').all([]);
    await connection.durable();
    assert.equal(syncs(), 3, 'a read has nothing to sync');
  } finally {
    connection.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
