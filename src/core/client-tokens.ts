import type { Clock } from './clock.js';
import { conflict } from './errors.js';
import type { InstanceService, LaunchRequest } from './instances.js';
import type { Caller } from './model.js';
import type { ClientTokenRecord, Store } from './repositories.js';

/**
 * Idempotent creation (Baidu's clientToken): the first create with a token launches, and every
 * retry with it answers the instances that launch made, however the first answer was lost. The
 * token is recorded in the launch's own transaction, so either both the instances and the token
 * are durable or neither is; of two concurrent creates with one token, the primary key lets one
 * commit and the other's whole launch rolls back. Tokens are kept for good: they are small, and
 * a retry may come arbitrarily late.
 */
export class ClientTokenService {
  constructor(
    private readonly store: Store,
    private readonly instances: InstanceService,
    private readonly clock: Clock,
  ) {}

  /** `fingerprint` identifies the request; a token reused for a different request is refused. */
  async launchOnce(
    caller: Caller,
    token: string,
    fingerprint: string,
    request: LaunchRequest,
  ): Promise<{ instanceIds: string[]; replayed: boolean }> {
    const earlier = await this.store.repos.clientTokens.get(caller.accountId, token);
    if (earlier) return replay(earlier, fingerprint);
    try {
      const launched = await this.instances.launch(caller, request, (repos, instances) =>
        repos.clientTokens.insert({
          accountId: caller.accountId,
          token,
          fingerprint,
          instanceIds: instances.map((i) => i.instanceId),
          createdAt: this.clock.now(),
        }),
      );
      return { instanceIds: launched.map((i) => i.instanceId), replayed: false };
    } catch (error) {
      // A concurrent create with this token committed first: ours rolled back whole, answer theirs.
      const winner = await this.store.repos.clientTokens.get(caller.accountId, token);
      if (winner) return replay(winner, fingerprint);
      throw error;
    }
  }
}

function replay(record: ClientTokenRecord, fingerprint: string): { instanceIds: string[]; replayed: boolean } {
  if (record.fingerprint !== fingerprint) {
    throw conflict(
      'ClientTokenMismatch',
      'The request uses the same client token as a previous, but non-identical request.',
    );
  }
  return { instanceIds: record.instanceIds, replayed: true };
}
