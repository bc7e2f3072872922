import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Store } from '../core/repositories.js';
import { migrateToLatest } from './migrations.js';
import { KyselyStore } from './kysely-store.js';
import { SqliteConnection } from './sqlite-connection.js';
import type { Database } from './schema.js';

export type SqlDialectName = 'sqlite' | 'postgres';

export type StoreLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** `postgres://...` selects PostgreSQL; anything else is a SQLite file path. */
export function parseStoreLocation(value: string): StoreLocation {
  return /^postgres(ql)?:\/\//.test(value) ? { kind: 'postgres', url: value } : { kind: 'sqlite', file: value };
}

function sqliteDatabase(file: string): SqliteConnection {
  const db = new SQLite(file);
  // WAL lets admin commands read while the server writes. Every acknowledged commit survives a
  // power cut, not just a process crash: synchronous=NORMAL leaves the WAL fsync to the store's
  // group commit (SqliteConnection.durable), which makes each commit durable before anything
  // that wrote or read it is returned; one fsync then covers many concurrent commits.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Checkpoints run inside a commit, on the event loop, and copy each page once however often the
  // WAL rewrote it: a 40 MB WAL instead of 4 MB makes them ten times rarer and cheaper per commit
  // (BENCHMARKS.md, ModifyInstanceAttribute).
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return new SqliteConnection(db, `${file}-wal`);
}

export async function openStore(location: StoreLocation): Promise<Store> {
  let db: Kysely<Database>;
  let sqlite: SqliteConnection | undefined;
  if (location.kind === 'sqlite') {
    sqlite = sqliteDatabase(location.file);
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  } else {
    // Loaded only for PostgreSQL: its modules were 5% of a SQLite server's start-up (BENCHMARKS.md).
    const { default: pg } = await import('pg');
    // node-pg returns BIGINT as strings; ours are epoch milliseconds and sequence numbers, far
    // below 2^53, so numbers are exact.
    pg.types.setTypeParser(pg.types.builtins.INT8, Number);
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: location.url, max: 10 }) }),
    });
  }
  await migrateToLatest(db as Kysely<unknown>, location.kind);
  await sqlite?.durable();
  // SQLite: group commit's durable() and the read cache's commit watch (PostgreSQL needs neither).
  return new KyselyStore(db, location.kind, sqlite && (() => sqlite.durable()), sqlite);
}
