/**
 * What tells the cache that its entries may be out of date for reasons it did not see: another
 * process committed to the database (an admin command beside the running server).
 */
export interface CommitWatch {
  /** Whether a transaction is open: its snapshot may predate another process's commit. */
  readonly inTransaction: boolean;
  /** A value that changes whenever another connection has committed since the last call. */
  othersCommits(): number;
}

/** Entries kept at most; a hot set (the instances and keys in use) is far smaller. */
const CAPACITY = 4096;
/** How stale, at most, the cache may be about other processes' commits. */
const OTHERS_CHECK_MS = 1;

/**
 * Recently read access keys and instances, by id. Every API request reads its access key and the
 * instance it names, and those reads were about a third of a DescribeInstanceAttribute's server
 * time under load (BENCHMARKS.md, change 19). It is safe to answer from memory because:
 *
 * - the store's own writes `forget()` the rows they touch, in or out of a transaction, committed
 *   or rolled back (forgetting is always safe);
 * - another process's commit changes `othersCommits()`, checked before lookups (at most a
 *   millisecond apart): then everything is dropped, so a key disabled by `openecs keys disable`
 *   is refused at once;
 * - a read that a write overtook installs nothing: each forget moves the epoch on, and a read
 *   stores its value only if the epoch did not move while it ran;
 * - only values the store has already returned are kept, and it returns a value only once it is
 *   durable (kysely-store.ts), so no cached value can be lost with a crash;
 * - values are shared between requests, so they are frozen (a mutation throws).
 *
 * PostgreSQL stores do not cache: several replicas write to one database, and nothing as cheap as
 * SQLite's data_version tells one replica that another committed.
 */
export class ReadCache {
  private readonly entries = new Map<string, object>();
  private epoch = 0;
  private othersSeen: number | null = null;
  /** performance.now() of the last check for other processes' commits. */
  private othersCheckedAt = -Infinity;

  constructor(private readonly watch: CommitWatch) {}

  /** The entry for `key`, or what `load` reads (kept when it is found and nothing overtook it). */
  async read<T extends object>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    if (this.watch.inTransaction) return load();
    this.checkOthers();
    const hit = this.entries.get(key);
    if (hit) return hit as T;
    const epoch = this.epoch;
    const value = await load();
    if (value && epoch === this.epoch) {
      if (this.entries.size >= CAPACITY) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, deepFreeze(value));
    }
    return value;
  }

  forget(key: string): void {
    this.entries.delete(key);
    this.epoch++;
  }

  /**
   * At most once a millisecond: the check is a read transaction of its own (about 7 us under load,
   * and a request makes two lookups), so another process's commit is seen by every lookup that
   * starts a millisecond or more after it, not at the very next one.
   */
  private checkOthers(): void {
    const now = performance.now();
    if (now - this.othersCheckedAt < OTHERS_CHECK_MS) return;
    this.othersCheckedAt = now;
    const others = this.watch.othersCommits();
    if (others !== this.othersSeen) {
      this.othersSeen = others;
      this.forgetAll();
    }
  }

  private forgetAll(): void {
    this.entries.clear();
    this.epoch++;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
