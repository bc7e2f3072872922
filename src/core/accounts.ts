import { forbidden, notFound } from './errors.js';
import { accessKeyId as newAccessKeyId, accessKeySecret, accountId as newAccountId } from './ids.js';
import type { AccessKey, Account } from './model.js';
import type { Store } from './repositories.js';
import type { Clock } from './clock.js';
import type { SecretBox } from './secrets.js';

export const DEFAULT_ACCOUNT = 'default';

export interface Credentials {
  secret: string;
  accountId: string;
}

export interface IssuedKey {
  accessKeyId: string;
  accessKeySecret: string;
  accountId: string;
  accountName: string;
}

/** Access keys whose opened secrets are remembered; far more than are in use at once. */
const MAX_OPENED_SECRETS = 10_000;

/** Accounts and their access keys: who may call, and with which secret. */
export class AccountService {
  private readonly openedSecrets = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
  ) {}

  async ensureAccount(name: string): Promise<Account> {
    return this.store.transaction(async (repos) => {
      const existing = await repos.accounts.byName(name);
      if (existing) return existing;
      const account: Account = { accountId: newAccountId(), name, previewFeatures: [], createdAt: this.clock.now() };
      await repos.accounts.insert(account);
      return account;
    });
  }

  /** Creates a key for the account (creating the account too); with id and secret given, imports that key. */
  async createKey(accountName: string, given?: { id: string; secret: string }): Promise<IssuedKey> {
    const account = await this.ensureAccount(accountName);
    const id = given?.id ?? newAccessKeyId();
    const secret = given?.secret ?? accessKeySecret();
    await this.store.transaction(async (repos) => {
      const existing = await repos.accessKeys.get(id);
      if (existing && existing.accountId !== account.accountId) {
        throw forbidden('AccessKeyOwnedElsewhere', `access key ${id} belongs to another account`);
      }
      if (existing) return;
      await repos.accessKeys.insert({
        accessKeyId: id,
        accountId: account.accountId,
        secretSealed: this.secrets.seal(secret),
        status: 'Active',
        createdAt: this.clock.now(),
      });
    });
    return { accessKeyId: id, accessKeySecret: secret, accountId: account.accountId, accountName: account.name };
  }

  async listKeys(): Promise<(Omit<AccessKey, 'secretSealed'> & { accountName: string })[]> {
    const accounts = new Map((await this.store.repos.accounts.list()).map((a) => [a.accountId, a.name]));
    return (await this.store.repos.accessKeys.list()).map(({ secretSealed: _sealed, ...key }) => ({
      ...key,
      accountName: accounts.get(key.accountId) ?? '?',
    }));
  }

  async setKeyStatus(accessKeyId: string, status: AccessKey['status']): Promise<void> {
    if (!(await this.store.repos.accessKeys.setStatus(accessKeyId, status))) {
      throw notFound('AccessKeyNotFound', `no access key ${accessKeyId}`);
    }
  }

  /** For signature verification in every dialect: the key's secret in the clear and its account. */
  async credentials(accessKeyId: string): Promise<Credentials | 'inactive' | undefined> {
    const key = await this.store.repos.accessKeys.get(accessKeyId);
    if (!key) return undefined;
    if (key.status !== 'Active') return 'inactive';
    return { secret: this.openSecret(key.secretSealed), accountId: key.accountId };
  }

  /**
   * Every signed request needs its key's secret: opening the sealed value each time was a tenth of
   * a request's CPU (BENCHMARKS.md). The key's status is still checked on every request (the store's
   * read cache sees a key disabled by an admin command), so a disabled key stops working at once;
   * only the decryption is remembered, in memory, keyed by the sealed text.
   */
  private openSecret(sealed: string): string {
    let secret = this.openedSecrets.get(sealed);
    if (secret === undefined) {
      secret = this.secrets.open(sealed);
      if (this.openedSecrets.size >= MAX_OPENED_SECRETS) this.openedSecrets.clear();
      this.openedSecrets.set(sealed, secret);
    }
    return secret;
  }

  async setPreviewFeature(accountName: string, feature: string, enabled: boolean): Promise<Account> {
    return this.store.transaction(async (repos) => {
      const account = await repos.accounts.byName(accountName);
      if (!account) throw notFound('AccountNotFound', `no account ${accountName}`);
      const features = new Set(account.previewFeatures);
      if (enabled) features.add(feature);
      else features.delete(feature);
      const updated = { ...account, previewFeatures: [...features].sort() };
      await repos.accounts.update(updated);
      return updated;
    });
  }
}
