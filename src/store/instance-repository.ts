import { sql } from 'kysely';
import type { InstanceFilter, Page, PageResult, Repositories } from '../core/repositories.js';
import type { Instance } from '../core/model.js';
import type { InstanceStatus } from '../core/lifecycle.js';
import type { ReadCache } from './read-cache.js';
import { type Db, type HotQueries, instanceEntry, parse, parseFirst } from './sql-queries.js';

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

export function instanceRepository(db: Db, queries: HotQueries, cache: ReadCache | null): Repositories['instances'] {
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
