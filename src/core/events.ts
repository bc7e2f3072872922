import { EventEmitter } from 'node:events';

/** Why an instance's consoles must close. */
export type ConsoleEndReason = 'instance stopped' | 'instance deleted' | 'password changed';

interface CoreEventMap {
  /** The instance's guest went away or its console credentials changed: open consoles must close. */
  consoleInvalidated: [instanceId: string, reason: ConsoleEndReason];
}

/** In-process notifications from core to the edges (the console gateway). */
export class CoreEvents extends EventEmitter<CoreEventMap> {}
