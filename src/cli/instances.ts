import { notFound } from '../core/errors.js';
import { pendingChanges } from '../core/guest-spec.js';
import type { Instance } from '../core/model.js';
import { withAdmin } from './admin.js';
import type { CommonOptions } from './options.js';

/** What an operator sees of an instance: its state, its lock and what waits for a restart. Never a secret. */
function summary(instance: Instance) {
  return {
    instanceId: instance.instanceId,
    accountId: instance.accountId,
    regionId: instance.regionId,
    status: instance.status,
    instanceName: instance.instanceName,
    hostName: instance.hostName,
    ioOptimized: instance.ioOptimized,
    lockReason: instance.lockReason,
    bootCount: instance.bootCount,
    // No API answer shows the primary ENI's queues (that would be DescribeNetworkInterfaces).
    networkInterfaceQueueNumber: instance.networkInterfaceQueueNumber,
    guest: instance.guest && {
      hostName: instance.guest.hostName,
      mtu: instance.guest.mtu,
      hasPassword: instance.guest.passwordHash !== null,
      hasVncPassword: instance.guest.vncPasswordSealed !== null,
    },
    pending: pendingChanges(instance),
  };
}

export async function instancesCommand(
  args: string[],
  options: CommonOptions & { reason?: string; json?: boolean },
): Promise<void> {
  const [sub, id] = args;
  if (!sub || !id || !['show', 'lock', 'unlock'].includes(sub)) {
    throw new Error(
      'usage: openecs instances show <InstanceId> [--json] | lock <InstanceId> --reason security | unlock <InstanceId>',
    );
  }
  await withAdmin(options, async ({ store }) => {
    const instance = await store.repos.instances.getAny(id);
    if (!instance) throw notFound('InstanceNotFound', `no instance ${id}`);
    if (sub === 'show') {
      const view = summary(instance);
      if (options.json) return console.log(JSON.stringify(view, null, 2));
      console.log(
        `${view.instanceId}  ${view.status}  ${view.instanceName}  (${view.regionId}, account ${view.accountId})`,
      );
      console.log(`  hostname: ${view.hostName}${view.lockReason ? `  LOCKED: ${view.lockReason}` : ''}`);
      if (view.pending.length === 0) console.log('  no pending changes');
      for (const change of view.pending) console.log(`  pending ${change.attribute}: applies on ${change.appliesOn}`);
      return;
    }
    if (sub === 'lock' && !options.reason)
      throw new Error('usage: openecs instances lock <InstanceId> --reason security');
    // Written through the store directly: the lock is an operator's fact, not an API call.
    const next = { ...instance, lockReason: sub === 'lock' ? options.reason! : null, version: instance.version + 1 };
    if (!(await store.repos.instances.update(instance, next))) throw new Error(`${id} changed meanwhile; try again`);
    console.log(sub === 'lock' ? `${id} locked (${options.reason})` : `${id} unlocked`);
  });
}
