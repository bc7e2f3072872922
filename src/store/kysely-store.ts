import type { Kysely } from 'kysely';
import type { Repositories, Store } from '../core/repositories.js';
import type { AuditRecord } from '../core/model.js';
import type { SqlDialectName } from './database.js';
import type { Database } from './schema.js';
import { type CommitWatch, ReadCache } from './read-cache.js';
import { type HotQueries, hotQueries, instanceEntry, keyEntry } from './sql-queries.js';
import { repositories } from './sql-repositories.js';

/** The one Store implementation: Kysely keeps SQLite and PostgreSQL on the same queries. */
export class KyselyStore implements Store {
  readonly repos: Repositories;
  private readonly queries: HotQueries;
  private readonly cache: ReadCache | null;

  /**
   * `durable` resolves once everything committed so far is on stable storage (SQLite's group
   * commit, see sqlite-connection.ts; PostgreSQL commits durably by itself). Every transaction and
   * every single repository call awaits it before its result leaves the store; commit() returns
   * it for its caller to await.
   *
   * With `watch` (SQLite), the access keys and instances read outside transactions are cached:
   * see read-cache.ts.
   */
  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: SqlDialectName,
    private readonly durable: () => Promise<void> = () => Promise.resolve(),
    watch?: CommitWatch,
  ) {
    this.queries = hotQueries(dialect);
    this.cache = watch ? new ReadCache(watch) : null;
    const repos = afterEachCall(repositories(db, this.queries, this.cache), durable);
    const audit = new BatchedInserts<AuditRecord>((records) =>
      this.transaction(async (trx) => {
        for (const record of records) await trx.audit.insert(record);
      }),
    );
    this.repos = {
      ...repos,
      ...(this.cache && cachedReads(repos, this.cache)),
      audit: { ...repos.audit, insert: (record) => audit.add(record) },
    };
  }

  async transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T> {
    // Earlier commits durable first: concurrent writers then run their transactions together
    // between WAL syncs, not one by one while a sync is under way, and each costs less CPU under
    // load (BENCHMARKS.md, change 20). commit() does not wait: a console connection must not.
    await this.durable();
    const { value, durable } = await this.commit(fn);
    await durable;
    return value;
  }

  async commit<T>(fn: (repos: Repositories) => Promise<T>): Promise<{ value: T; durable: Promise<void> }> {
    let value: T;
    try {
      value = await this.db.transaction().execute((trx) => fn(repositories(trx, this.queries, this.cache)));
    } catch (error) {
      // What failed wrote nothing, but it may have read what others committed: not before that is durable.
      await this.durable();
      throw error;
    }
    return { value, durable: this.durable() };
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}

/**
 * Audit records written outside a transaction (one per mutating API call, after the call's own
 * transaction) are gathered for one turn of the event loop and inserted in one transaction: one
 * commit for many concurrent calls instead of one each (BENCHMARKS.md, ModifyInstanceAttribute).
 * Each add() resolves once its record is durable, or rejects with the batch.
 */
class BatchedInserts<T> {
  private pending: { record: T; resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly write: (records: T[]) => Promise<void>) {}

  add(record: T): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ record, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.write(batch.map((entry) => entry.record)).then(
      () => batch.forEach((entry) => entry.resolve()),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  }
}

/** The same repositories, each method awaiting `then` after it settles, whatever its outcome. */
function afterEachCall(repos: Repositories, then: () => Promise<void>): Repositories {
  const wrap = (repo: object) =>
    Object.fromEntries(
      Object.entries(repo).map(([name, method]) => [
        name,
        async (...args: unknown[]) => {
          try {
            return await (method as (...a: unknown[]) => Promise<unknown>).apply(repo, args);
          } finally {
            await then();
          }
        },
      ]),
    );
  return Object.fromEntries(Object.entries(repos).map(([name, repo]) => [name, wrap(repo)])) as unknown as Repositories;
}

/** The reads every API request makes, answered from the cache when it can (read-cache.ts). */
function cachedReads(repos: Repositories, cache: ReadCache): Pick<Repositories, 'accessKeys' | 'instances'> {
  const anyInstance = (instanceId: string) =>
    cache.read(instanceEntry(instanceId), () => repos.instances.getAny(instanceId));
  return {
    accessKeys: {
      ...repos.accessKeys,
      get: (accessKeyId) => cache.read(keyEntry(accessKeyId), () => repos.accessKeys.get(accessKeyId)),
    },
    instances: {
      ...repos.instances,
      getAny: anyInstance,
      async get(accountId, instanceId) {
        const instance = await anyInstance(instanceId);
        return instance?.accountId === accountId ? instance : undefined;
      },
    },
  };
}
