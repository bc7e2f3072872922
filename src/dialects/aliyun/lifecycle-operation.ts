import type { LifecycleAction } from '../../core/lifecycle.js';
import { gateway } from './errors.js';
import { defineOperation } from './operation.js';
import { type Fields, p } from './params.js';

/**
 * StartInstance, StopInstance and RebootInstance: one instance, one lifecycle action, and DryRun
 * answered as Alibaba does (DryRunOperation when the call would have been accepted).
 */
export function lifecycleOperation<F extends Fields>(action: string, lifecycle: LifecycleAction, extra: F) {
  return defineOperation({
    action,
    mutating: true,
    params: { InstanceId: p.string({ required: true }), DryRun: p.boolean(), ...extra },
    async handle({ core, caller }, params) {
      const { InstanceId: instanceId, DryRun: dryRun } = params as { InstanceId: string; DryRun?: boolean };
      if (dryRun) {
        await core.instances.describe(caller, instanceId);
        throw gateway.dryRun();
      }
      await core.instances.act(caller, instanceId, lifecycle);
      return {};
    },
  });
}
