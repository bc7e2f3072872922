import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { DomainError, forbidden, invalidState } from './errors.js';
import { randomToken } from './ids.js';
import type { InstanceService } from './instances.js';
import type { AuditRecord, Caller } from './model.js';
import type { NetworkService } from './networks.js';
import type { Repositories, Store } from './repositories.js';
import { sha256Hex } from './secrets.js';

/** One issued console URL, as stored: the token itself is never kept, only its SHA-256. */
export interface ConsoleToken {
  tokenHash: string;
  accountId: string;
  instanceId: string;
  issuedAt: number;
  expiresAt: number;
  /** When a connection presented it; a token is good for one connection attempt only. */
  consumedAt: number | null;
  clientIp: string | null;
  /** Why the connection that consumed it was turned away, or null when it was let through. */
  refused: string | null;
}

/** An admitted console connection, as the gateway reports it back when it ends. */
export interface ConsoleSession {
  sessionId: string;
  accountId: string;
  instanceId: string;
  clientIp: string;
}

/** A connection let through, before its token's consumption is on stable storage. */
export interface Admission {
  session: ConsoleSession;
  /** Resolves once the consumption and its audit record are durable; rejects if they cannot be. */
  durable: Promise<void>;
}

export interface ConsolePolicy {
  /** How long an issued URL may wait for its connection (Alibaba: 15 s). */
  urlTtlMs: number;
  /** Connections admitted per instance in any 60 s (Alibaba: 30). */
  reconnectsPerMinute: number;
}

export const DEFAULT_CONSOLE_POLICY: ConsolePolicy = { urlTtlMs: 15_000, reconnectsPerMinute: 30 };

/** The window the reconnect cap counts over. */
export const RECONNECT_WINDOW_MS = 60_000;
/** 256 random bits: far beyond guessing, and base64url needs no escaping in a query string. */
const TOKEN_BYTES = 32;
/** Audit records of console sessions carry this as their dialect: they come from no API call. */
const AUDIT_SOURCE = 'console';

/** What ConsoleToken.refused holds. */
const REFUSED_RECONNECT_LIMIT = 'reconnect limit';
const REFUSED_UNAVAILABLE = 'unavailable';
const REFUSED_LOCKED = 'locked';

/** Why a console URL cannot be used; the gateway answers each with its own HTTP status. */
export const ConsoleRefusal = {
  invalid: () => forbidden('ConsoleTokenInvalid', 'This console link is not valid.'),
  expired: () => forbidden('ConsoleTokenExpired', 'This console link has expired: request a new one.'),
  used: () => forbidden('ConsoleTokenUsed', 'This console link was already used: request a new one.'),
  reconnectLimit: (cap: number) =>
    new DomainError(
      'throttled',
      'ConsoleReconnectLimit',
      `Too many console connections to this instance: at most ${cap} a minute. Wait a minute and try again.`,
    ),
  unavailable: () =>
    invalidState('ConsoleUnavailable', 'The instance is no longer running: its console is unavailable.'),
  locked: () =>
    new DomainError(
      'locked',
      'InstanceLocked',
      'The instance is locked for security reasons: its console is unavailable.',
    ),
};

/** A short, non-secret name for a token in audit records: it links issue to use. */
const fingerprint = (tokenHash: string) => tokenHash.slice(0, 12);

/**
 * Console sessions: issuing short-lived single-use URLs for an instance's console and admitting
 * the connections that present them. Tokens are checked in the database, so any replica can
 * admit a URL another replica issued; HTTP and WebSockets are the gateway's business.
 */
export class ConsoleService {
  readonly policy: ConsolePolicy;
  /** Tokens issued before this server started are void: see consume(). */
  private readonly startedAt: number;

  constructor(
    private readonly store: Store,
    private readonly networks: NetworkService,
    private readonly instances: InstanceService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    policy: Partial<ConsolePolicy> = {},
  ) {
    this.startedAt = clock.now();
    this.policy = {
      urlTtlMs: policy.urlTtlMs ?? DEFAULT_CONSOLE_POLICY.urlTtlMs,
      reconnectsPerMinute: policy.reconnectsPerMinute ?? DEFAULT_CONSOLE_POLICY.reconnectsPerMinute,
    };
  }

  /**
   * DescribeInstanceVncUrl: a new token for a Running, booted, unlocked instance of the caller's.
   * `ttlMs` replaces the policy's lifetime where an API documents its own (Baidu's vnc: 10 minutes).
   */
  async issue(
    caller: Caller,
    input: { regionId: string; instanceId: string; ttlMs?: number },
  ): Promise<{ token: string; expiresAt: number }> {
    this.networks.region(input.regionId);
    const instance = await this.instances.get(this.store.repos, caller, input.instanceId, input.regionId);
    if (instance.lockReason) {
      throw new DomainError(
        'locked',
        'InstanceLocked',
        'The specified operation is denied as your instance is locked for security reasons.',
      );
    }
    if (instance.status !== 'Running') {
      throw invalidState(
        'IncorrectInstanceStatus',
        `The current status of the resource does not support this operation. (status: ${instance.status})`,
      );
    }
    if (!this.instances.guestReady(instance.instanceId)) {
      throw invalidState('InstanceNotReady', 'Temporarily unable to connect the specified instance,please try later.');
    }
    const token = randomToken(TOKEN_BYTES);
    const now = this.clock.now();
    const row: ConsoleToken = {
      tokenHash: sha256Hex(token),
      accountId: caller.accountId,
      instanceId: instance.instanceId,
      issuedAt: now,
      expiresAt: now + (input.ttlMs ?? this.policy.urlTtlMs),
      consumedAt: null,
      clientIp: null,
      refused: null,
    };
    await this.store.transaction(async (repos) => {
      // A row whose expiry is a window old can no longer count towards any cap.
      await repos.consoleTokens.purge(now - RECONNECT_WINDOW_MS);
      await repos.consoleTokens.insert(row);
    });
    await this.audit.record({
      at: now,
      accountId: caller.accountId,
      accessKeyId: caller.accessKeyId,
      sourceIp: caller.sourceIp,
      dialect: AUDIT_SOURCE,
      action: 'ConsoleIssued',
      resourceId: instance.instanceId,
      outcome: 'Success',
      requestId: caller.requestId,
      detail: `token ${fingerprint(row.tokenHash)} expires ${new Date(row.expiresAt).toISOString()}`,
    });
    return { token, expiresAt: row.expiresAt };
  }

  /**
   * Admits one connection presenting `token`. The token is consumed by a single conditional
   * UPDATE, so of any number of concurrent connections exactly one wins; only then is the
   * reconnect cap counted, over the connections admitted to the instance in the last minute.
   * Refusals are audited and thrown as DomainErrors (ConsoleRefusal), once durable.
   *
   * An admission is answered as soon as it is committed, before it is on stable storage, so the
   * connection does not wait for the disk (BENCHMARKS.md, relay setup). Single use still holds
   * across a crash, because a restarted server refuses every token issued before it started: a
   * consumption lost with the machine cannot be replayed. `durable` settles the audit record.
   */
  async consume(token: string, clientIp: string): Promise<Admission> {
    const tokenHash = sha256Hex(token);
    const now = this.clock.now();
    const sessionId = `vnc-${randomToken(9)}`;
    // The audit record commits with the consumption: one durable commit on the connection's path
    // instead of two (BENCHMARKS.md, relay setup). Refusals commit too, so they are recorded.
    const { value: outcome, durable } = await this.store.commit(async (repos) => {
      const decided = await this.admission(repos, tokenHash, now, clientIp);
      // A token that was never issued belongs to no account or instance: recording it would let
      // anyone without credentials grow the audit trail at will. The gateway's log still has it.
      if (decided.row) {
        await repos.audit.insert(
          this.auditRecord(now, decided.error ? 'ConsoleRefused' : 'ConsoleConsumed', {
            accountId: decided.row.accountId,
            resourceId: decided.row.instanceId,
            clientIp,
            sessionId,
            outcome: decided.error?.code ?? 'Success',
            detail: `token ${fingerprint(tokenHash)}`,
          }),
        );
      }
      return decided;
    });
    if (outcome.error) {
      await durable;
      throw outcome.error;
    }
    return {
      session: { sessionId, accountId: outcome.row!.accountId, instanceId: outcome.row!.instanceId, clientIp },
      durable,
    };
  }

  /** Consumes the token and decides on the connection, inside the caller's transaction. */
  private async admission(repos: Repositories, tokenHash: string, now: number, clientIp: string) {
    const row = await repos.consoleTokens.consume(tokenHash, now, clientIp, this.startedAt);
    if (!row) {
      const existing = await repos.consoleTokens.get(tokenHash);
      return {
        row: existing,
        error: !existing
          ? ConsoleRefusal.invalid()
          : existing.consumedAt !== null
            ? ConsoleRefusal.used()
            : ConsoleRefusal.expired(),
      };
    }
    // Admissions to one instance take turns from here, so each counts the ones before it.
    const instance = await repos.instances.lock(row.instanceId);
    if (!instance || instance.accountId !== row.accountId || instance.status !== 'Running') {
      await repos.consoleTokens.refuse(tokenHash, REFUSED_UNAVAILABLE);
      return { row, error: ConsoleRefusal.unavailable() };
    }
    if (instance.lockReason) {
      await repos.consoleTokens.refuse(tokenHash, REFUSED_LOCKED);
      return { row, error: ConsoleRefusal.locked() };
    }
    const admitted = await repos.consoleTokens.countAdmitted(row.instanceId, now - RECONNECT_WINDOW_MS);
    if (admitted > this.policy.reconnectsPerMinute) {
      await repos.consoleTokens.refuse(tokenHash, REFUSED_RECONNECT_LIMIT);
      return { row, error: ConsoleRefusal.reconnectLimit(this.policy.reconnectsPerMinute) };
    }
    return { row, error: null };
  }

  /**
   * What a connection presenting `token` would meet now, without consuming it: lets the console
   * page explain a refused connection, which a browser's WebSocket API hides.
   */
  async inspect(token: string): Promise<DomainError | null> {
    const row = await this.store.repos.consoleTokens.get(sha256Hex(token));
    if (!row) return ConsoleRefusal.invalid();
    if (row.refused === REFUSED_RECONNECT_LIMIT) return ConsoleRefusal.reconnectLimit(this.policy.reconnectsPerMinute);
    if (row.refused === REFUSED_LOCKED) return ConsoleRefusal.locked();
    if (row.refused !== null) return ConsoleRefusal.unavailable();
    if (row.consumedAt !== null) return ConsoleRefusal.used();
    const now = this.clock.now();
    if (row.expiresAt <= now || row.issuedAt < this.startedAt) return ConsoleRefusal.expired();
    const admitted = await this.store.repos.consoleTokens.countAdmitted(row.instanceId, now - RECONNECT_WINDOW_MS);
    if (admitted >= this.policy.reconnectsPerMinute)
      return ConsoleRefusal.reconnectLimit(this.policy.reconnectsPerMinute);
    return null;
  }

  /** The gateway closed an admitted session; `reason` is plain words (client, idle, ...). */
  closed(session: ConsoleSession, reason: string): Promise<void> {
    return this.record(this.clock.now(), 'ConsoleClosed', {
      accountId: session.accountId,
      resourceId: session.instanceId,
      clientIp: session.clientIp,
      sessionId: session.sessionId,
      outcome: 'Success',
      detail: reason,
    });
  }

  private record(at: number, action: string, facts: AuditFacts): Promise<void> {
    return this.audit.record(this.auditRecord(at, action, facts));
  }

  private auditRecord(at: number, action: string, facts: AuditFacts): AuditRecord {
    return {
      at,
      accountId: facts.accountId,
      accessKeyId: null,
      sourceIp: facts.clientIp,
      dialect: AUDIT_SOURCE,
      action,
      resourceId: facts.resourceId,
      outcome: facts.outcome,
      requestId: facts.sessionId,
      detail: facts.detail,
    };
  }
}

interface AuditFacts {
  accountId: string | null;
  resourceId: string | null;
  clientIp: string;
  sessionId: string;
  outcome: string;
  detail: string | null;
}
