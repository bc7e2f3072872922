import type { ConsoleToken } from './consoles.js';
import type { InstanceStatus } from './lifecycle.js';
import type {
  AccessKey,
  Account,
  AuditRecord,
  Instance,
  SecurityGroup,
  TransitionTask,
  Vpc,
  VSwitch,
} from './model.js';

/**
 * What core needs from storage. The store implements it once for SQLite and PostgreSQL (Kysely);
 * every method runs inside the transaction that `Store.transaction` opened. What a read returns
 * may be shared with other callers (the store caches some rows, frozen): build changed copies,
 * never change it in place.
 */
export interface InstanceFilter {
  accountId: string;
  regionId?: string;
  instanceIds?: string[];
  status?: InstanceStatus;
  instanceName?: string;
  vpcId?: string;
  vSwitchId?: string;
  zoneId?: string;
  securityGroupId?: string;
  tags?: { key: string; value?: string }[];
  /** Exact private IPv4 address (Baidu's internalIp filter). */
  privateIp?: string;
}

/** What a Baidu create with a clientToken launched: its retries answer the same instances. */
export interface ClientTokenRecord {
  accountId: string;
  token: string;
  /** Digest of the request that claimed the token: a retry must be the same request. */
  fingerprint: string;
  instanceIds: string[];
  createdAt: number;
}

export interface Page {
  /** Skip this many (PageNumber paging) ... */
  offset?: number;
  /** ... or continue after this cursor (NextToken paging). */
  after?: string;
  limit: number;
}

export interface PageResult<T> {
  items: T[];
  totalCount: number;
  /** Cursor of the last item when more may follow. */
  next: string | null;
}

export interface Repositories {
  accounts: {
    get(accountId: string): Promise<Account | undefined>;
    byName(name: string): Promise<Account | undefined>;
    list(): Promise<Account[]>;
    insert(account: Account): Promise<void>;
    update(account: Account): Promise<void>;
  };
  accessKeys: {
    get(accessKeyId: string): Promise<AccessKey | undefined>;
    list(accountId?: string): Promise<AccessKey[]>;
    insert(key: AccessKey): Promise<void>;
    setStatus(accessKeyId: string, status: AccessKey['status']): Promise<boolean>;
  };
  vpcs: {
    get(accountId: string, vpcId: string): Promise<Vpc | undefined>;
    list(accountId: string, regionId: string): Promise<Vpc[]>;
    insert(vpc: Vpc): Promise<void>;
  };
  vSwitches: {
    get(accountId: string, vSwitchId: string): Promise<VSwitch | undefined>;
    list(accountId: string, regionId: string): Promise<VSwitch[]>;
    insert(vSwitch: VSwitch): Promise<void>;
    update(vSwitch: VSwitch): Promise<void>;
  };
  securityGroups: {
    get(accountId: string, securityGroupId: string): Promise<SecurityGroup | undefined>;
    list(accountId: string, regionId: string): Promise<SecurityGroup[]>;
    insert(group: SecurityGroup): Promise<void>;
    delete(securityGroupId: string): Promise<void>;
    instanceCount(securityGroupId: string): Promise<number>;
  };
  instances: {
    get(accountId: string, instanceId: string): Promise<Instance | undefined>;
    /** Any account's instance: for operators and the lifecycle worker. */
    getAny(instanceId: string): Promise<Instance | undefined>;
    /**
     * getAny(), and no other transaction can lock or change the instance until this one ends:
     * decisions about the instance made in this transaction are taken one at a time.
     */
    lock(instanceId: string): Promise<Instance | undefined>;
    find(filter: InstanceFilter, page: Page): Promise<PageResult<Instance>>;
    listByStatus(statuses: InstanceStatus[]): Promise<Instance[]>;
    insert(instance: Instance): Promise<void>;
    /**
     * Replaces `before` (as read in this transaction) with `instance`, whose version is
     * before.version + 1, if the stored row is still `before`; false when it is not.
     */
    update(before: Instance, instance: Instance): Promise<boolean>;
    delete(instanceId: string): Promise<void>;
  };
  tasks: {
    get(instanceId: string): Promise<TransitionTask | undefined>;
    list(): Promise<TransitionTask[]>;
    put(task: TransitionTask): Promise<void>;
    delete(instanceId: string): Promise<void>;
  };
  consoleTokens: {
    insert(token: ConsoleToken): Promise<void>;
    get(tokenHash: string): Promise<ConsoleToken | undefined>;
    /**
     * Marks the token consumed at `now`, in one conditional statement, if it is neither consumed
     * nor expired and was issued at or after `issuedSince`; returns it only to the one caller whose
     * statement did so.
     */
    consume(tokenHash: string, now: number, clientIp: string, issuedSince: number): Promise<ConsoleToken | undefined>;
    /** Records why the connection that consumed the token was turned away. */
    refuse(tokenHash: string, reason: string): Promise<void>;
    /** Connections admitted (consumed, not refused) to the instance after `since`. */
    countAdmitted(instanceId: string, since: number): Promise<number>;
    /** Deletes tokens that expired before `before`. */
    purge(before: number): Promise<void>;
  };
  clientTokens: {
    get(accountId: string, token: string): Promise<ClientTokenRecord | undefined>;
    /** Fails (primary key) when the account already used the token. */
    insert(record: ClientTokenRecord): Promise<void>;
  };
  audit: {
    insert(record: AuditRecord): Promise<void>;
    list(filter: { resourceId?: string; since?: number; limit?: number }): Promise<AuditRecord[]>;
  };
}

export interface Store {
  /** Runs fn in one transaction: all of its writes commit durably together, or none do. */
  transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T>;
  /**
   * transaction(), answering as soon as fn's writes are committed (and seen by later
   * transactions), before they are on stable storage: `durable` resolves once they are, and
   * rejects if they cannot be. Only for a caller that stays correct if a crash takes the commit
   * back, and says why (console admission: core/consoles.ts). A failed fn rejects once durable.
   */
  commit<T>(fn: (repos: Repositories) => Promise<T>): Promise<{ value: T; durable: Promise<void> }>;
  /** Reads outside an explicit transaction. */
  readonly repos: Repositories;
  close(): Promise<void>;
}
