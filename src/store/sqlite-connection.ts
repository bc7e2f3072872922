import { closeSync, fdatasync, openSync } from 'node:fs';
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import type { CommitWatch } from './read-cache.js';

/** Distinct SQL texts kept compiled; the server's queries are a few dozen shapes. */
const MAX_CACHED_STATEMENTS = 500;

/**
 * The one better-sqlite3 connection as Kysely sees it, with two additions measured by the
 * benchmarks (BENCHMARKS.md):
 *
 * - Compiled statements are kept. Kysely calls prepare() for every query it runs, and compiling
 *   the SQL cost more than running it (a third of the database time of a request).
 *
 * - Group commit. The connection runs with synchronous=NORMAL, so a COMMIT writes its WAL frames
 *   without waiting for the disk; `durable()` then makes them durable with one fdatasync of the WAL
 *   file, off the event loop, shared by every commit made before it started. The store awaits
 *   durable() before any result leaves it (Store.commit() alone hands the wait to its caller),
 *   so a write is acknowledged (and a value read by anyone) only once it is on stable storage, as
 *   with synchronous=FULL, while one fsync covers the commits of many concurrent requests instead
 *   of one fsync per commit blocking the process.
 */
export class SqliteConnection implements SqliteDatabase, CommitWatch {
  private readonly statements = new Map<string, SqliteStatement>();
  private readonly dataVersion: SQLite.Statement<[], number>;
  /** Writes committed, ever (see ran()). */
  private writes = 0;
  private transactionWrote = false;
  /** The value of `writes` that the last completed WAL sync covers. */
  private synced = 0;
  private syncing: Promise<void> | null = null;
  private failure: Error | null = null;
  /**
   * Kept open from the first sync: SQLite deletes or replaces the WAL file only when the last
   * connection closes, and this connection stays open until close().
   */
  private walFd: number | null = null;

  constructor(
    private readonly db: SQLite.Database,
    private readonly walFile: string,
  ) {
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /** SQLite's data_version: it changes when another connection commits, never for this one's commits. */
  othersCommits(): number {
    return this.dataVersion.get()!;
  }

  prepare(sql: string): SqliteStatement {
    const cached = this.statements.get(sql);
    if (cached) return cached;
    const statement = this.db.prepare(sql);
    const control = /^\s*(begin|commit|rollback)\b/i.exec(sql)?.[1]?.toLowerCase();
    // A write that returns rows (UPDATE ... RETURNING) is a reader to Kysely, which runs it with
    // all(): it must be counted all the same, or its commit would not wait for the disk. SQLite
    // calls BEGIN and COMMIT read-only; they are what the counting hinges on.
    const wrapped: SqliteStatement =
      statement.readonly && !control
        ? statement
        : {
            reader: statement.reader,
            all: (parameters) => {
              const rows = statement.all(parameters);
              this.ran(control);
              return rows;
            },
            iterate: (parameters) => statement.iterate(parameters),
            run: (parameters) => {
              const result = statement.run(parameters);
              this.ran(control);
              return result;
            },
          };
    if (this.statements.size >= MAX_CACHED_STATEMENTS) {
      this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, wrapped);
    return wrapped;
  }

  /**
   * Counts a write once it is committed: an autocommit statement at once, a transaction's writes
   * at its COMMIT (a sync that starts before the COMMIT must not count them). Read-only
   * transactions count nothing, so they never wait for the disk.
   */
  private ran(control: string | undefined): void {
    if (control === 'begin') return;
    if (control === 'commit' || control === 'rollback') {
      if (control === 'commit' && this.transactionWrote) this.writes++;
      this.transactionWrote = false;
    } else if (this.db.inTransaction) {
      this.transactionWrote = true;
    } else {
      this.writes++;
    }
  }

  /**
   * Resolves once everything committed so far is on stable storage. A sync failure is final
   * (as PostgreSQL panics on one): after it, dirty pages may have been dropped by the kernel, so no
   * later write can be acknowledged until the server restarts and recovers from the WAL.
   */
  async durable(): Promise<void> {
    const target = this.writes;
    while (this.synced < target) {
      if (this.failure) throw this.failure;
      this.syncing ??= this.syncWal().finally(() => (this.syncing = null));
      await this.syncing;
    }
    if (this.failure) throw this.failure;
  }

  close(): void {
    this.statements.clear();
    this.db.close();
    if (this.walFd !== null) closeSync(this.walFd);
    this.walFd = null;
  }

  private async syncWal(): Promise<void> {
    // Every write counted so far has its frames in the WAL file (in the page cache); writes made
    // while the sync is in flight wait for the next one.
    const covering = this.writes;
    try {
      this.walFd ??= openSync(this.walFile, 'r');
      const fd = this.walFd;
      await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
      this.synced = Math.max(this.synced, covering);
    } catch (error) {
      // No WAL file yet: nothing was ever written to one, so nothing waits in one.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.synced = Math.max(this.synced, covering);
      else this.failure = new Error(`the database's WAL could not be synced: ${(error as Error).message}`);
    }
  }
}
