import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
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
