import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { SqlDialectName } from './database.js';

/**
 * Schema migrations, in order. Each is written once for both databases; the only dialect
 * difference is how an auto-increment key is declared.
 */
function migrations(dialect: SqlDialectName): Record<string, Migration> {
  const autoId = dialect === 'postgres' ? 'bigserial' : 'integer';
  return {
    '001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('accounts')
          .addColumn('account_id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('doc', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('access_keys')
          .addColumn('access_key_id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .execute();
        for (const [table, key] of [
          ['vpcs', 'vpc_id'],
          ['vswitches', 'vswitch_id'],
          ['security_groups', 'security_group_id'],
        ] as const) {
          await db.schema
            .createTable(table)
            .addColumn(key, 'text', (c) => c.primaryKey())
            .addColumn('account_id', 'text', (c) => c.notNull())
            .addColumn('region_id', 'text', (c) => c.notNull())
            .addColumn('doc', 'text', (c) => c.notNull())
            .execute();
          await db.schema.createIndex(`${table}_by_account`).on(table).columns(['account_id', 'region_id']).execute();
        }
        await db.schema
          .createTable('instances')
          .addColumn('seq', autoId, (c) =>
            dialect === 'postgres' ? c.notNull().unique() : c.primaryKey().autoIncrement(),
          )
          .addColumn('instance_id', 'text', (c) => (dialect === 'postgres' ? c.primaryKey() : c.notNull().unique()))
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('region_id', 'text', (c) => c.notNull())
          .addColumn('zone_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('instance_name', 'text', (c) => c.notNull())
          .addColumn('vpc_id', 'text', (c) => c.notNull())
          .addColumn('vswitch_id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .execute();
        // Every listing is "this account's instances, newest first": the index makes a page cost
        // what the page holds, however many instances the account has.
        await db.schema.createIndex('instances_by_account').on('instances').columns(['account_id', 'seq']).execute();
        await db.schema.createIndex('instances_by_status').on('instances').columns(['status']).execute();
        await db.schema
          .createTable('instance_security_groups')
          .addColumn('instance_id', 'text', (c) => c.notNull())
          .addColumn('security_group_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('instance_security_groups_pk', ['instance_id', 'security_group_id'])
          .execute();
        await db.schema
          .createIndex('isg_by_group')
          .on('instance_security_groups')
          .column('security_group_id')
          .execute();
        await db.schema
          .createTable('instance_tags')
          .addColumn('instance_id', 'text', (c) => c.notNull())
          .addColumn('tag_key', 'text', (c) => c.notNull())
          .addColumn('tag_value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('instance_tags_pk', ['instance_id', 'tag_key'])
          .execute();
        await db.schema.createIndex('tags_by_key').on('instance_tags').columns(['tag_key', 'tag_value']).execute();
        await db.schema
          .createTable('tasks')
          .addColumn('instance_id', 'text', (c) => c.primaryKey())
          .addColumn('doc', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('audit')
          .addColumn('id', autoId, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('account_id', 'text')
          .addColumn('resource_id', 'text')
          .addColumn('doc', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('audit_by_resource').on('audit').columns(['resource_id', 'at']).execute();
        await db.schema.createIndex('audit_by_time').on('audit').column('at').execute();
      },
    },
    '002_console_tokens': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('console_tokens')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('instance_id', 'text', (c) => c.notNull())
          .addColumn('issued_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('consumed_at', 'bigint')
          .addColumn('client_ip', 'text')
          .addColumn('refused', 'text')
          .execute();
        // The reconnect cap counts an instance's recent connections; the purge drops old tokens.
        await db.schema
          .createIndex('console_tokens_by_instance')
          .on('console_tokens')
          .columns(['instance_id', 'consumed_at'])
          .execute();
        await db.schema.createIndex('console_tokens_by_expiry').on('console_tokens').column('expires_at').execute();
      },
    },
    '003_client_tokens': {
      async up(db: Kysely<unknown>) {
        // The primary key is what makes a token claimable once: a concurrent second insert fails.
        await db.schema
          .createTable('client_tokens')
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('token', 'text', (c) => c.notNull())
          .addColumn('doc', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('client_tokens_pk', ['account_id', 'token'])
          .execute();
      },
    },
    '004_instance_counts': {
      async up(db: Kysely<unknown>) {
        // TotalCount of a plain listing (an account's instances in a region) read from one row
        // instead of counting every instance: a page then costs the same with 1,000 instances or
        // 100,000 (BENCHMARKS.md, scale). Kept by the instance repository's insert and delete.
        await db.schema
          .createTable('instance_counts')
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('region_id', 'text', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('instance_counts_pk', ['account_id', 'region_id'])
          .execute();
        await sql`insert into instance_counts (account_id, region_id, count)
          select account_id, region_id, count(*) from instances group by account_id, region_id`.execute(db);
      },
    },
  };
}

export async function migrateToLatest(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}
