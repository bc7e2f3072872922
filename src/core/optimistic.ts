/**
 * Optimistic concurrency: an update that finds the row's version moved on throws StaleWrite, and
 * the whole transaction is run again on fresh data. On SQLite transactions are serialized and
 * this never fires; on PostgreSQL with several connections it is what keeps updates from being lost.
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
