import { type Kysely, type Transaction, sql } from 'kysely';
import type { ClientTokenRecord, InstanceFilter, Page, PageResult, Repositories, Store } from '../core/repositories.js';
import type {
  AccessKey,
  Account,
  AuditRecord,
  Instance,
  SecurityGroup,
  TransitionTask,
  Vpc,
  VSwitch,
} from '../core/model.js';
import type { ConsoleToken } from '../core/consoles.js';
import type { InstanceStatus } from '../core/lifecycle.js';
import type { SqlDialectName } from './database.js';
import type { ConsoleTokensTable, Database } from './schema.js';
import { prepared } from './prepared.js';
import { type CommitWatch, ReadCache } from './read-cache.js';

type Db = Kysely<Database> | Transaction<Database>;

const parse = <T>(row: { doc: string }): T => JSON.parse(row.doc) as T;
const parseFirst = <T>({ rows }: { rows: { doc: string }[] }): T | undefined =>
  rows[0] ? parse<T>(rows[0]) : undefined;

/**
 * The queries every API request makes (authentication, reading and writing one instance, its
 * audit record) and every console connection (its token), compiled once per store: see
 * prepared.ts.
 */
function hotQueries(dialect: SqlDialectName) {
  return {
    account: prepared((db, accountId: string) =>
      db.selectFrom('accounts').select('doc').where('account_id', '=', accountId),
    ),
    accessKey: prepared((db, accessKeyId: string) =>
      db.selectFrom('access_keys').select('doc').where('access_key_id', '=', accessKeyId),
    ),
    instance: prepared((db, accountId: string, instanceId: string) =>
      db
        .selectFrom('instances')
        .select('doc')
        .where('instance_id', '=', instanceId)
        .where('account_id', '=', accountId),
    ),
    anyInstance: prepared((db, instanceId: string) =>
      db.selectFrom('instances').select('doc').where('instance_id', '=', instanceId),
    ),
    /**
     * The same, holding the row until the transaction ends. PostgreSQL runs transactions at once
     * and needs the lock; SQLite runs them one at a time, and has no FOR UPDATE.
     */
    lockedInstance: prepared((db, instanceId: string) =>
      db
        .selectFrom('instances')
        .select('doc')
        .where('instance_id', '=', instanceId)
        .$if(dialect === 'postgres', (query) => query.forUpdate()),
    ),
    /** An update that changes no filter column, the common case (names, descriptions, passwords). */
    instanceDoc: prepared((db, instanceId: string, previousVersion: number, version: number, doc: string) =>
      db
        .updateTable('instances')
        .set({ version, doc })
        .where('instance_id', '=', instanceId)
        .where('version', '=', previousVersion),
    ),
    audit: prepared((db, at: number, accountId: string | null, resourceId: string | null, doc: string) =>
      db.insertInto('audit').values({ at, account_id: accountId, resource_id: resourceId, doc }),
    ),
    consumeToken: prepared((db, tokenHash: string, now: number, clientIp: string, issuedSince: number) =>
      db
        .updateTable('console_tokens')
        .set({ consumed_at: now, client_ip: clientIp })
        .where('token_hash', '=', tokenHash)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .where('issued_at', '>=', issuedSince)
        .returningAll(),
    ),
    admittedCount: prepared((db, instanceId: string, since: number) =>
      db
        .selectFrom('console_tokens')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('instance_id', '=', instanceId)
        .where('consumed_at', '>', since)
        .where('refused', 'is', null),
    ),
  };
}
type HotQueries = ReturnType<typeof hotQueries>;

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

const keyEntry = (accessKeyId: string) => `access-key:${accessKeyId}`;
const instanceEntry = (instanceId: string) => `instance:${instanceId}`;

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

/** Every write to a cached row forgets it first (`cache` is null when nothing is cached). */
function repositories(db: Db, queries: HotQueries, cache: ReadCache | null): Repositories {
  return {
    accounts: {
      async get(accountId) {
        return parseFirst<Account>(await queries.account(db, accountId));
      },
      async byName(name) {
        const row = await db.selectFrom('accounts').select('doc').where('name', '=', name).executeTakeFirst();
        return row && parse<Account>(row);
      },
      async list() {
        return (await db.selectFrom('accounts').select('doc').orderBy('name').execute()).map((r) => parse<Account>(r));
      },
      async insert(account) {
        await db
          .insertInto('accounts')
          .values({ account_id: account.accountId, name: account.name, doc: JSON.stringify(account) })
          .execute();
      },
      async update(account) {
        await db
          .updateTable('accounts')
          .set({ name: account.name, doc: JSON.stringify(account) })
          .where('account_id', '=', account.accountId)
          .execute();
      },
    },
    accessKeys: {
      async get(accessKeyId) {
        return parseFirst<AccessKey>(await queries.accessKey(db, accessKeyId));
      },
      async list(accountId) {
        let query = db.selectFrom('access_keys').select('doc');
        if (accountId) query = query.where('account_id', '=', accountId);
        return (await query.orderBy('access_key_id').execute()).map((r) => parse<AccessKey>(r));
      },
      async insert(key) {
        cache?.forget(keyEntry(key.accessKeyId));
        await db
          .insertInto('access_keys')
          .values({
            access_key_id: key.accessKeyId,
            account_id: key.accountId,
            status: key.status,
            doc: JSON.stringify(key),
          })
          .execute();
      },
      async setStatus(accessKeyId, status) {
        const key = await this.get(accessKeyId);
        if (!key) return false;
        cache?.forget(keyEntry(accessKeyId));
        await db
          .updateTable('access_keys')
          .set({ status, doc: JSON.stringify({ ...key, status }) })
          .where('access_key_id', '=', accessKeyId)
          .execute();
        return true;
      },
    },
    vpcs: {
      async get(accountId, vpcId) {
        const row = await db
          .selectFrom('vpcs')
          .select('doc')
          .where('vpc_id', '=', vpcId)
          .where('account_id', '=', accountId)
          .executeTakeFirst();
        return row && parse<Vpc>(row);
      },
      async list(accountId, regionId) {
        const rows = await db
          .selectFrom('vpcs')
          .select('doc')
          .where('account_id', '=', accountId)
          .where('region_id', '=', regionId)
          .execute();
        return rows.map((r) => parse<Vpc>(r)).sort((a, b) => a.createdAt - b.createdAt);
      },
      async insert(vpc) {
        await db
          .insertInto('vpcs')
          .values({ vpc_id: vpc.vpcId, account_id: vpc.accountId, region_id: vpc.regionId, doc: JSON.stringify(vpc) })
          .execute();
      },
    },
    vSwitches: {
      async get(accountId, vSwitchId) {
        const row = await db
          .selectFrom('vswitches')
          .select('doc')
          .where('vswitch_id', '=', vSwitchId)
          .where('account_id', '=', accountId)
          .executeTakeFirst();
        return row && parse<VSwitch>(row);
      },
      async list(accountId, regionId) {
        const rows = await db
          .selectFrom('vswitches')
          .select('doc')
          .where('account_id', '=', accountId)
          .where('region_id', '=', regionId)
          .execute();
        return rows.map((r) => parse<VSwitch>(r)).sort((a, b) => a.createdAt - b.createdAt);
      },
      async insert(vSwitch) {
        await db
          .insertInto('vswitches')
          .values({
            vswitch_id: vSwitch.vSwitchId,
            account_id: vSwitch.accountId,
            region_id: vSwitch.regionId,
            doc: JSON.stringify(vSwitch),
          })
          .execute();
      },
      async update(vSwitch) {
        await db
          .updateTable('vswitches')
          .set({ doc: JSON.stringify(vSwitch) })
          .where('vswitch_id', '=', vSwitch.vSwitchId)
          .execute();
      },
    },
    securityGroups: {
      async get(accountId, securityGroupId) {
        const row = await db
          .selectFrom('security_groups')
          .select('doc')
          .where('security_group_id', '=', securityGroupId)
          .where('account_id', '=', accountId)
          .executeTakeFirst();
        return row && parse<SecurityGroup>(row);
      },
      async list(accountId, regionId) {
        const rows = await db
          .selectFrom('security_groups')
          .select('doc')
          .where('account_id', '=', accountId)
          .where('region_id', '=', regionId)
          .execute();
        return rows.map((r) => parse<SecurityGroup>(r)).sort((a, b) => a.createdAt - b.createdAt);
      },
      async insert(group) {
        await db
          .insertInto('security_groups')
          .values({
            security_group_id: group.securityGroupId,
            account_id: group.accountId,
            region_id: group.regionId,
            doc: JSON.stringify(group),
          })
          .execute();
      },
      async delete(securityGroupId) {
        await db.deleteFrom('security_groups').where('security_group_id', '=', securityGroupId).execute();
      },
      async instanceCount(securityGroupId) {
        const row = await db
          .selectFrom('instance_security_groups')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('security_group_id', '=', securityGroupId)
          .executeTakeFirstOrThrow();
        return Number(row.n);
      },
    },
    instances: instanceRepository(db, queries, cache),
    tasks: {
      async get(instanceId) {
        const row = await db.selectFrom('tasks').select('doc').where('instance_id', '=', instanceId).executeTakeFirst();
        return row && parse<TransitionTask>(row);
      },
      async list() {
        return (await db.selectFrom('tasks').select('doc').execute()).map((r) => parse<TransitionTask>(r));
      },
      async put(task) {
        const doc = JSON.stringify(task);
        await db
          .insertInto('tasks')
          .values({ instance_id: task.instanceId, doc })
          .onConflict((oc) => oc.column('instance_id').doUpdateSet({ doc }))
          .execute();
      },
      async delete(instanceId) {
        await db.deleteFrom('tasks').where('instance_id', '=', instanceId).execute();
      },
    },
    consoleTokens: consoleTokenRepository(db, queries),
    clientTokens: {
      async get(accountId, token) {
        const row = await db
          .selectFrom('client_tokens')
          .select('doc')
          .where('account_id', '=', accountId)
          .where('token', '=', token)
          .executeTakeFirst();
        return row && parse<ClientTokenRecord>(row);
      },
      async insert(record) {
        await db
          .insertInto('client_tokens')
          .values({ account_id: record.accountId, token: record.token, doc: JSON.stringify(record) })
          .execute();
      },
    },
    audit: {
      async insert(record) {
        await queries.audit(db, record.at, record.accountId, record.resourceId, JSON.stringify(record));
      },
      async list({ resourceId, since, limit }) {
        let query = db.selectFrom('audit').select('doc').orderBy('id');
        if (resourceId) query = query.where('resource_id', '=', resourceId);
        if (since !== undefined) query = query.where('at', '>=', since);
        if (limit !== undefined) query = query.limit(limit);
        return (await query.execute()).map((r) => parse<AuditRecord>(r));
      },
    },
  };
}

/*
 * The instance repository's helpers live out here, not inside instanceRepository(): that runs for
 * every transaction, and each nested function cost a closure and a name (tsx keeps function
 * names with a defineProperty call each) every time.
 */
function filtered(db: Db, filter: InstanceFilter) {
  let query = db.selectFrom('instances').where('account_id', '=', filter.accountId);
  if (filter.regionId) query = query.where('region_id', '=', filter.regionId);
  if (filter.instanceIds)
    query = query.where('instance_id', 'in', filter.instanceIds.length ? filter.instanceIds : ['']);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.instanceName) query = query.where('instance_name', '=', filter.instanceName);
  if (filter.vpcId) query = query.where('vpc_id', '=', filter.vpcId);
  if (filter.vSwitchId) query = query.where('vswitch_id', '=', filter.vSwitchId);
  if (filter.zoneId) query = query.where('zone_id', '=', filter.zoneId);
  if (filter.securityGroupId) {
    const groupId = filter.securityGroupId;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('instance_security_groups as g')
          .select('g.instance_id')
          .whereRef('g.instance_id', '=', 'instances.instance_id')
          .where('g.security_group_id', '=', groupId),
      ),
    );
  }
  for (const tag of filter.tags ?? []) {
    query = query.where(({ exists, selectFrom }) => {
      let sub = selectFrom('instance_tags as t')
        .select('t.instance_id')
        .whereRef('t.instance_id', '=', 'instances.instance_id')
        .where('t.tag_key', '=', tag.key);
      if (tag.value !== undefined) sub = sub.where('t.tag_value', '=', tag.value);
      return exists(sub);
    });
  }
  if (filter.privateIp !== undefined) {
    // The address lives only in the document, which both databases store as JSON.stringify
    // text: its exact `"privateIp":"..."` member is found by LIKE alike on SQLite and PostgreSQL.
    // Only digits and dots are let through, so the pattern holds no LIKE wildcard.
    query = /^[0-9.]+$/.test(filter.privateIp)
      ? query.where('doc', 'like', `%"privateIp":"${filter.privateIp}"%`)
      : query.where(sql<boolean>`1 = 0`);
  }
  return query;
}

async function writeLinks(db: Db, instance: Instance) {
  await db.deleteFrom('instance_security_groups').where('instance_id', '=', instance.instanceId).execute();
  await db.deleteFrom('instance_tags').where('instance_id', '=', instance.instanceId).execute();
  if (instance.securityGroupIds.length) {
    await db
      .insertInto('instance_security_groups')
      .values(instance.securityGroupIds.map((id) => ({ instance_id: instance.instanceId, security_group_id: id })))
      .execute();
  }
  if (instance.tags.length) {
    await db
      .insertInto('instance_tags')
      .values(instance.tags.map((t) => ({ instance_id: instance.instanceId, tag_key: t.key, tag_value: t.value })))
      .execute();
  }
}

/** The columns queries filter on, copied out of the document. */
const filterColumns = (i: Instance) => ({
  account_id: i.accountId,
  region_id: i.regionId,
  zone_id: i.zoneId,
  status: i.status,
  instance_name: i.instanceName,
  vpc_id: i.vpcId,
  vswitch_id: i.vSwitchId,
});

const columns = (i: Instance) => ({ ...filterColumns(i), version: i.version, doc: JSON.stringify(i) });

async function addToCount(db: Db, accountId: string, regionId: string, delta: number) {
  await db
    .insertInto('instance_counts')
    .values({ account_id: accountId, region_id: regionId, count: delta })
    .onConflict((oc) =>
      oc.columns(['account_id', 'region_id']).doUpdateSet({ count: sql<number>`instance_counts.count + ${delta}` }),
    )
    .execute();
}

/**
 * TotalCount. A plain listing (account, optionally region) reads the kept counts, so its cost
 * does not grow with the account; any other filter counts the matching rows.
 */
async function count(db: Db, filter: InstanceFilter): Promise<number> {
  const plain = Object.entries(filter).every(
    ([key, value]) => key === 'accountId' || key === 'regionId' || value === undefined,
  );
  if (plain) {
    let query = db
      .selectFrom('instance_counts')
      .select((eb) => eb.fn.sum<number>('count').as('n'))
      .where('account_id', '=', filter.accountId);
    if (filter.regionId) query = query.where('region_id', '=', filter.regionId);
    const row = await query.executeTakeFirst();
    return Number(row?.n ?? 0);
  }
  const row = await filtered(db, filter)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const sameLinks = (a: Instance, b: Instance) =>
  JSON.stringify([a.securityGroupIds, a.tags]) === JSON.stringify([b.securityGroupIds, b.tags]);

function instanceRepository(db: Db, queries: HotQueries, cache: ReadCache | null): Repositories['instances'] {
  return {
    async get(accountId, instanceId) {
      return parseFirst<Instance>(await queries.instance(db, accountId, instanceId));
    },
    async getAny(instanceId) {
      return parseFirst<Instance>(await queries.anyInstance(db, instanceId));
    },
    async lock(instanceId) {
      return parseFirst<Instance>(await queries.lockedInstance(db, instanceId));
    },
    async find(filter: InstanceFilter, page: Page): Promise<PageResult<Instance>> {
      let query = filtered(db, filter)
        .select(['doc', 'seq'])
        .orderBy('seq', 'desc')
        .limit(page.limit + 1);
      if (page.after !== undefined) query = query.where('seq', '<', Number(page.after));
      if (page.offset) query = query.offset(page.offset);
      const rows = await query.execute();
      const more = rows.length > page.limit;
      const items = rows.slice(0, page.limit);
      const last = items[items.length - 1];
      return {
        items: items.map((r) => parse<Instance>(r)),
        totalCount: await count(db, filter),
        next: more && last ? String(last.seq) : null,
      };
    },
    async listByStatus(statuses: InstanceStatus[]) {
      const rows = await db.selectFrom('instances').select('doc').where('status', 'in', statuses).execute();
      return rows.map((r) => parse<Instance>(r));
    },
    async insert(instance) {
      cache?.forget(instanceEntry(instance.instanceId));
      await db
        .insertInto('instances')
        .values({ instance_id: instance.instanceId, ...columns(instance) })
        .execute();
      await writeLinks(db, instance);
      await addToCount(db, instance.accountId, instance.regionId, 1);
    },
    async update(before, instance) {
      // The row still holds `before` exactly when its version is before's: every write bumps it.
      if (before.instanceId !== instance.instanceId || before.version !== instance.version - 1) return false;
      cache?.forget(instanceEntry(instance.instanceId));
      // Only the columns that changed (doc and version always do): SQLite rewrites the entries of
      // every index on a column named in SET, changed or not, and each is a page in the WAL.
      const previous = filterColumns(before);
      const changed = Object.fromEntries(
        Object.entries(filterColumns(instance)).filter(
          ([name, value]) => previous[name as keyof typeof previous] !== value,
        ),
      );
      const doc = JSON.stringify(instance);
      const result = Object.keys(changed).length
        ? await db
            .updateTable('instances')
            .set({ ...changed, version: instance.version, doc })
            .where('instance_id', '=', instance.instanceId)
            .where('version', '=', before.version)
            .executeTakeFirst()
            .then((r) => ({ numAffectedRows: r.numUpdatedRows }))
        : await queries.instanceDoc(db, instance.instanceId, before.version, instance.version, doc);
      if (Number(result.numAffectedRows) !== 1) return false;
      if (!sameLinks(before, instance)) await writeLinks(db, instance);
      return true;
    },
    async delete(instanceId) {
      cache?.forget(instanceEntry(instanceId));
      const placed = await db
        .selectFrom('instances')
        .select(['account_id', 'region_id'])
        .where('instance_id', '=', instanceId)
        .executeTakeFirst();
      await db.deleteFrom('instance_security_groups').where('instance_id', '=', instanceId).execute();
      await db.deleteFrom('instance_tags').where('instance_id', '=', instanceId).execute();
      await db.deleteFrom('tasks').where('instance_id', '=', instanceId).execute();
      await db.deleteFrom('instances').where('instance_id', '=', instanceId).execute();
      if (placed) await addToCount(db, placed.account_id, placed.region_id, -1);
    },
  };
}

const tokenFromRow = (row: ConsoleTokensTable): ConsoleToken => ({
  tokenHash: row.token_hash,
  accountId: row.account_id,
  instanceId: row.instance_id,
  issuedAt: Number(row.issued_at),
  expiresAt: Number(row.expires_at),
  consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
  clientIp: row.client_ip,
  refused: row.refused,
});

function consoleTokenRepository(db: Db, queries: HotQueries): Repositories['consoleTokens'] {
  return {
    async insert(token) {
      await db
        .insertInto('console_tokens')
        .values({
          token_hash: token.tokenHash,
          account_id: token.accountId,
          instance_id: token.instanceId,
          issued_at: token.issuedAt,
          expires_at: token.expiresAt,
          consumed_at: token.consumedAt,
          client_ip: token.clientIp,
          refused: token.refused,
        })
        .execute();
    },
    async get(tokenHash) {
      const row = await db
        .selectFrom('console_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row && tokenFromRow(row);
    },
    async consume(tokenHash, now, clientIp, issuedSince) {
      // One statement decides: a second consumer finds consumed_at set and updates nothing.
      const [row] = (await queries.consumeToken(db, tokenHash, now, clientIp, issuedSince)).rows;
      return row && tokenFromRow(row);
    },
    async refuse(tokenHash, reason) {
      await db.updateTable('console_tokens').set({ refused: reason }).where('token_hash', '=', tokenHash).execute();
    },
    async countAdmitted(instanceId, since) {
      const [row] = (await queries.admittedCount(db, instanceId, since)).rows;
      return Number(row!.n);
    },
    async purge(before) {
      await db.deleteFrom('console_tokens').where('expires_at', '<', before).execute();
    },
  };
}
