import type { ClientTokenRecord, Repositories } from '../core/repositories.js';
import type { AccessKey, Account, AuditRecord, SecurityGroup, TransitionTask, Vpc, VSwitch } from '../core/model.js';
import type { ConsoleToken } from '../core/consoles.js';
import type { ConsoleTokensTable } from './schema.js';
import type { ReadCache } from './read-cache.js';
import { type Db, type HotQueries, keyEntry, parse, parseFirst } from './sql-queries.js';
import { instanceRepository } from './instance-repository.js';

/**
 * The repositories over one Db: the database itself, or one transaction (KyselyStore builds a set
 * for each). Every write to a cached row forgets it first (`cache` is null when nothing is cached).
 * The instances have a module of their own (instance-repository.ts).
 */
export function repositories(db: Db, queries: HotQueries, cache: ReadCache | null): Repositories {
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
