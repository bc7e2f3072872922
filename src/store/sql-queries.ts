import type { Kysely, Transaction } from 'kysely';
import type { SqlDialectName } from './database.js';
import { prepared } from './prepared.js';
import type { Database } from './schema.js';

/** What every repository runs its queries on: the database, or one transaction. */
export type Db = Kysely<Database> | Transaction<Database>;

export const parse = <T>(row: { doc: string }): T => JSON.parse(row.doc) as T;
export const parseFirst = <T>({ rows }: { rows: { doc: string }[] }): T | undefined =>
  rows[0] ? parse<T>(rows[0]) : undefined;

/**
 * The queries every API request makes (authentication, reading and writing one instance, its
 * audit record) and every console connection (its token), compiled once per store: see
 * prepared.ts.
 */
export function hotQueries(dialect: SqlDialectName) {
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
export type HotQueries = ReturnType<typeof hotQueries>;

/** The read cache's keys for the rows it keeps (read-cache.ts). */
export const keyEntry = (accessKeyId: string) => `access-key:${accessKeyId}`;
export const instanceEntry = (instanceId: string) => `instance:${instanceId}`;
