import { BceError } from '../errors.js';
import { defineOperation } from '../operation.js';

/**
 * DELETE /v2/instance/{instanceId}: releases a postpaid instance, Running or Stopped. Baidu refuses
 * an instance still being created and a prepaid one with its documented codes.
 */
export default defineOperation({
  name: 'DeleteInstance',
  method: 'DELETE',
  path: 'instance/{id}',
  mutating: true,
  async handle(ctx) {
    const instance = await ctx.instance();
    if (instance.status === 'Pending') {
      throw new BceError('Instance.ReleaseWhileCreating', 403, 'Instance can not release during creating.');
    }
    if (instance.chargeType === 'PrePaid') {
      throw new BceError('Instance.ReleaseNotPrepay', 403, 'A prepaid instance can not be released before it expires.');
    }
    await ctx.core.instances.act(ctx.caller, instance.instanceId, 'forceDelete');
    return {};
  },
});
