/**
 * The instance lifecycle as one table. API actions are allowed only from the listed states; the
 * instance then enters a transitional state and a durable task walks it, one step per
 * transition period, towards the target state.
 */
export type InstanceStatus = 'Pending' | 'Starting' | 'Running' | 'Stopping' | 'Stopped';
export type TransitionalStatus = 'Pending' | 'Starting' | 'Stopping';
export type TargetStatus = 'Running' | 'Stopped';

export type LifecycleAction = 'start' | 'stop' | 'reboot' | 'delete' | 'forceDelete';

interface ActionRule {
  from: readonly InstanceStatus[];
  /** Status entered at once; absent for delete. */
  enter?: TransitionalStatus;
  target?: TargetStatus;
}

export const ACTIONS: Record<LifecycleAction, ActionRule> = {
  start: { from: ['Stopped'], enter: 'Starting', target: 'Running' },
  stop: { from: ['Running'], enter: 'Stopping', target: 'Stopped' },
  reboot: { from: ['Running'], enter: 'Stopping', target: 'Running' },
  delete: { from: ['Stopped'] },
  forceDelete: { from: ['Stopped', 'Running'] },
};

/** Where a task goes next from a transitional status, given where it is heading. */
const NEXT: Record<TransitionalStatus, Partial<Record<TargetStatus, InstanceStatus>>> = {
  Pending: { Running: 'Starting', Stopped: 'Stopped' },
  Starting: { Running: 'Running' },
  Stopping: { Running: 'Starting', Stopped: 'Stopped' },
};

export function isTransitional(status: InstanceStatus): status is TransitionalStatus {
  return status === 'Pending' || status === 'Starting' || status === 'Stopping';
}

export function nextStatus(current: TransitionalStatus, target: TargetStatus): InstanceStatus {
  const next = NEXT[current][target];
  if (!next) throw new Error(`no transition from ${current} towards ${target}`);
  return next;
}

export function isAllowed(action: LifecycleAction, status: InstanceStatus): boolean {
  return ACTIONS[action].from.includes(status);
}
