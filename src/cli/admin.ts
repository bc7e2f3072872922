import { AccountService } from '../core/accounts.js';
import { systemClock } from '../core/clock.js';
import type { Store } from '../core/repositories.js';
import { SecretBox } from '../core/secrets.js';
import { DataDir } from '../server/data-dir.js';
import { openStore, parseStoreLocation } from '../store/database.js';

/**
 * What admin commands work with: the same store and master key the server uses, opened beside a
 * running server (SQLite's WAL lets both in).
 */
export interface AdminContext {
  store: Store;
  secrets: SecretBox;
  accounts: AccountService;
}

export async function withAdmin<T>(
  options: { dataDir: string; databaseUrl?: string },
  fn: (ctx: AdminContext) => Promise<T>,
): Promise<T> {
  const dataDir = new DataDir(options.dataDir);
  const store = await openStore(parseStoreLocation(options.databaseUrl ?? dataDir.databaseFile));
  try {
    const secrets = new SecretBox(dataDir.masterKey());
    return await fn({ store, secrets, accounts: new AccountService(store, secrets, systemClock) });
  } finally {
    await store.close();
  }
}
