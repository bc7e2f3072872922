import type { Generated } from 'kysely';

/**
 * Table shapes. Columns exist for what queries filter, join or order on; the rest of a record is a
 * JSON document (`doc`), which keeps SQLite and PostgreSQL on one code path and migrations rare.
 * Times are epoch milliseconds.
 */
export interface AccountsTable {
  account_id: string;
  name: string;
  doc: string;
}

export interface AccessKeysTable {
  access_key_id: string;
  account_id: string;
  status: string;
  doc: string;
}

export interface VpcsTable {
  vpc_id: string;
  account_id: string;
  region_id: string;
  doc: string;
}

export interface VSwitchesTable {
  vswitch_id: string;
  account_id: string;
  region_id: string;
  doc: string;
}

export interface SecurityGroupsTable {
  security_group_id: string;
  account_id: string;
  region_id: string;
  doc: string;
}

export interface InstancesTable {
  instance_id: string;
  /** Insertion order: the stable sort key that NextToken paging continues from. */
  seq: Generated<number>;
  account_id: string;
  region_id: string;
  zone_id: string;
  status: string;
  instance_name: string;
  vpc_id: string;
  vswitch_id: string;
  version: number;
  doc: string;
}

export interface InstanceSecurityGroupsTable {
  instance_id: string;
  security_group_id: string;
}

export interface InstanceTagsTable {
  instance_id: string;
  tag_key: string;
  tag_value: string;
}

export interface TasksTable {
  instance_id: string;
  doc: string;
}

export interface AuditTable {
  id: Generated<number>;
  at: number;
  account_id: string | null;
  resource_id: string | null;
  doc: string;
}

/** Console URL tokens, by SHA-256 of the token: the token itself is never stored. */
export interface ConsoleTokensTable {
  token_hash: string;
  account_id: string;
  instance_id: string;
  issued_at: number;
  expires_at: number;
  consumed_at: number | null;
  client_ip: string | null;
  /** Why the connection that consumed the token was turned away; null when it was admitted. */
  refused: string | null;
}

/** Baidu's clientToken: the instances the first create with a token launched, for its retries. */
export interface ClientTokensTable {
  account_id: string;
  token: string;
  doc: string;
}

/** How many instances each account has in each region (see migration 004). */
export interface InstanceCountsTable {
  account_id: string;
  region_id: string;
  count: number;
}

export interface Database {
  accounts: AccountsTable;
  access_keys: AccessKeysTable;
  vpcs: VpcsTable;
  vswitches: VSwitchesTable;
  security_groups: SecurityGroupsTable;
  instances: InstancesTable;
  instance_security_groups: InstanceSecurityGroupsTable;
  instance_tags: InstanceTagsTable;
  tasks: TasksTable;
  audit: AuditTable;
  console_tokens: ConsoleTokensTable;
  client_tokens: ClientTokensTable;
  instance_counts: InstanceCountsTable;
}
