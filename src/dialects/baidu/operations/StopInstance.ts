import { field } from '../body.js';
import { defineOperation } from '../operation.js';

/**
 * PUT /v2/instance/{instanceId}?stop, body {forceStop, stopWithNoCharge}: only a Running instance
 * stops. The flags are checked and accepted; a simulated guest stops the same way either way.
 */
export default defineOperation({
  name: 'StopInstance',
  method: 'PUT',
  path: 'instance/{id}',
  action: 'stop',
  mutating: true,
  errors: { IncorrectInstanceStatus: ['Instance.StopInstanceOperationForbidden', 409] },
  async handle(ctx) {
    const body = ctx.body();
    field.boolean(body, 'forceStop');
    field.boolean(body, 'stopWithNoCharge');
    const instance = await ctx.instance();
    await ctx.core.instances.act(ctx.caller, instance.instanceId, 'stop');
    return {};
  },
});
