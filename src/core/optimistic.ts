/**
 * Every instance write is conditional on the version its transaction read: one that finds the row
 * moved on throws StaleWrite, and the whole transaction is run again on fresh data. Core reads the
 * rows it changes with a lock (on PostgreSQL; SQLite runs transactions one at a time), so this is
 * the safety net, not the way concurrent changes take turns: optimism alone ran out of retries
 * with seven writers on one instance (test/reliability/races.test.ts on PostgreSQL).
 */
export class StaleWrite extends Error {
  constructor(what: string) {
    super(`${what} was changed by another request`);
  }
}

export async function retryStale<T>(fn: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof StaleWrite) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}
