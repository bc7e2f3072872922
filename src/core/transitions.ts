import type { Catalog } from './catalog.js';
import type { Clock } from './clock.js';
import type { ComputeDriver } from './compute.js';
import type { CoreEvents } from './events.js';
import { acceptedGuestConfig, guestSpec } from './guest-spec.js';
import { isTransitional, nextStatus } from './lifecycle.js';
import type { Instance, TransitionTask } from './model.js';
import { retryStale, StaleWrite } from './optimistic.js';
import type { Repositories, Store } from './repositories.js';
import type { SecretBox } from './secrets.js';

export interface Logger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Walks instances through transitional states. Each step is one durable task row, written in the
 * same transaction as the status it belongs to, so a restart resumes exactly where it stopped.
 * Guests are started only after the commit that says Running: what the API reports never runs
 * ahead of what the database holds.
 */
export class TransitionWorker {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly compute: ComputeDriver,
    private readonly catalog: Catalog,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
    private readonly events: CoreEvents,
    private readonly log: Logger,
    readonly stepMs: number,
  ) {}

  /** Puts the instance into its first transitional state; call inside the caller's transaction. */
  async begin(
    repos: Repositories,
    instance: Instance,
    task: Omit<TransitionTask, 'dueAt' | 'instanceId'>,
  ): Promise<TransitionTask> {
    const full: TransitionTask = { ...task, instanceId: instance.instanceId, dueAt: this.clock.now() + this.stepMs };
    await repos.tasks.put(full);
    return full;
  }

  /** After the commit of begin(): side effects of entering the state, and the timer for the next step. */
  async started(instance: Instance, task: TransitionTask): Promise<void> {
    if (instance.status === 'Stopping') await this.stopGuest(instance.instanceId, 'instance stopped');
    this.schedule(task);
  }

  async stopGuest(instanceId: string, reason: 'instance stopped' | 'instance deleted'): Promise<void> {
    this.cancel(instanceId);
    this.events.emit('consoleInvalidated', instanceId, reason);
    await this.compute.stop(instanceId);
  }

  /** Reschedules every unfinished task and boots the guests of Running instances. */
  async resume(): Promise<void> {
    for (const task of await this.store.repos.tasks.list()) this.schedule(task);
    for (const instance of await this.store.repos.instances.listByStatus(['Running'])) {
      if (!this.timers.has(instance.instanceId)) await this.boot(instance);
    }
  }

  shutdown(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private cancel(instanceId: string): void {
    clearTimeout(this.timers.get(instanceId));
    this.timers.delete(instanceId);
  }

  private schedule(task: TransitionTask): void {
    if (this.stopped) return;
    this.cancel(task.instanceId);
    const delay = Math.max(0, task.dueAt - this.clock.now());
    this.timers.set(
      task.instanceId,
      setTimeout(() => {
        this.timers.delete(task.instanceId);
        this.step(task.instanceId).catch((error: unknown) =>
          this.log.error({ err: error, instanceId: task.instanceId }, 'transition step failed'),
        );
      }, delay),
    );
  }

  private async step(instanceId: string): Promise<void> {
    const outcome = await retryStale(() =>
      this.store.transaction(async (repos) => {
        const task = await repos.tasks.get(instanceId);
        const instance = await repos.instances.lock(instanceId);
        if (!task || !instance) return null;
        if (!isTransitional(instance.status)) {
          await repos.tasks.delete(instanceId);
          return null;
        }
        const next: Instance = {
          ...instance,
          status: nextStatus(instance.status, task.target),
          version: instance.version + 1,
        };
        if (next.status === 'Running') {
          next.bootCount += 1;
          next.startedAt = this.clock.now();
          // A restart through the API (or the first boot) is what makes pending changes effective;
          // a reboot from inside the guest is not.
          if (task.applyPending || !instance.guest) next.guest = acceptedGuestConfig(next);
        }
        if (!(await repos.instances.update(instance, next))) throw new StaleWrite(instanceId);
        if (next.status === task.target) {
          await repos.tasks.delete(instanceId);
          return { instance: next, task: null };
        }
        const following = { ...task, dueAt: this.clock.now() + this.stepMs };
        await repos.tasks.put(following);
        return { instance: next, task: following };
      }),
    );
    if (!outcome) return;
    this.log.info({ instanceId, status: outcome.instance.status }, 'instance status changed');
    if (outcome.instance.status === 'Running') await this.boot(outcome.instance);
    if (outcome.task) this.schedule(outcome.task);
  }

  private async boot(instance: Instance): Promise<void> {
    await this.compute.start(guestSpec(instance, this.catalog, this.secrets));
  }
}
