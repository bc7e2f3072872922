import { AccountService } from './accounts.js';
import { AuditLog } from './audit.js';
import type { Catalog } from './catalog.js';
import { ClientTokenService } from './client-tokens.js';
import type { Clock } from './clock.js';
import type { ComputeDriver } from './compute.js';
import { type ConsolePolicy, ConsoleService } from './consoles.js';
import { CoreEvents } from './events.js';
import { InstanceService } from './instances.js';
import { NetworkService } from './networks.js';
import type { Store } from './repositories.js';
import type { SecretBox } from './secrets.js';
import { type Logger, TransitionWorker } from './transitions.js';

export interface CoreDependencies {
  store: Store;
  compute: ComputeDriver;
  catalog: Catalog;
  secrets: SecretBox;
  clock: Clock;
  log: Logger;
  /** How long each transitional state (Pending, Starting, Stopping) lasts. */
  transitionMs: number;
  /** Console URL lifetime and reconnect cap; Alibaba's 15 s and 30 a minute by default. */
  consolePolicy?: Partial<ConsolePolicy>;
}

/** Everything the dialects may call, wired once. */
export class Core {
  readonly events = new CoreEvents();
  readonly accounts: AccountService;
  readonly networks: NetworkService;
  readonly instances: InstanceService;
  readonly audit: AuditLog;
  readonly consoles: ConsoleService;
  readonly clientTokens: ClientTokenService;
  readonly worker: TransitionWorker;
  private readonly unsubscribe: () => void;

  constructor(readonly deps: CoreDependencies) {
    const { store, compute, catalog, secrets, clock, log, transitionMs } = deps;
    this.accounts = new AccountService(store, secrets, clock);
    this.networks = new NetworkService(store, catalog, clock);
    this.audit = new AuditLog(store);
    this.worker = new TransitionWorker(store, compute, catalog, secrets, clock, this.events, log, transitionMs);
    this.instances = new InstanceService(
      store,
      catalog,
      this.networks,
      this.worker,
      compute,
      secrets,
      this.events,
      clock,
    );
    this.consoles = new ConsoleService(store, this.networks, this.instances, this.audit, clock, deps.consolePolicy);
    this.clientTokens = new ClientTokenService(store, this.instances, clock);
    this.unsubscribe = compute.onGuestEvent((instanceId, event) => {
      this.instances
        .guestInitiated(instanceId, event)
        .catch((err: unknown) => log.error({ err, instanceId }, 'guest event failed'));
    });
  }

  /** Resumes interrupted transitions and boots the guests of Running instances. */
  start(): Promise<void> {
    return this.worker.resume();
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    this.worker.shutdown();
    await this.deps.compute.shutdown();
  }
}
