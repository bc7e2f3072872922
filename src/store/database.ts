import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Store } from '../core/repositories.js';
import { migrateToLatest } from './migrations.js';
import { KyselyStore } from './kysely-store.js';
import type { Database } from './schema.js';

export type SqlDialectName = 'sqlite' | 'postgres';

export type StoreLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** `postgres://...` selects PostgreSQL; anything else is a SQLite file path. */
export function parseStoreLocation(value: string): StoreLocation {
  return /^postgres(ql)?:\/\//.test(value) ? { kind: 'postgres', url: value } : { kind: 'sqlite', file: value };
}

function sqliteDatabase(file: string): SQLite.Database {
  const db = new SQLite(file);
  // WAL lets admin commands read while the server writes; synchronous=FULL makes every
  // acknowledged commit survive a power cut, not just a process crash.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

export async function openStore(location: StoreLocation): Promise<Store> {
  let db: Kysely<Database>;
  if (location.kind === 'sqlite') {
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqliteDatabase(location.file) }) });
  } else {
    // node-pg returns BIGINT as strings; ours are epoch milliseconds and sequence numbers, far
    // below 2^53, so numbers are exact.
    pg.types.setTypeParser(pg.types.builtins.INT8, Number);
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: location.url, max: 10 }) }),
    });
  }
  await migrateToLatest(db as Kysely<unknown>, location.kind);
  return new KyselyStore(db, location.kind);
}
