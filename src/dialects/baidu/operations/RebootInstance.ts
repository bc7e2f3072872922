import { field } from '../body.js';
import { defineOperation } from '../operation.js';

/** PUT /v2/instance/{instanceId}?reboot, body {forceStop}: only a Running instance reboots. */
export default defineOperation({
  name: 'RebootInstance',
  method: 'PUT',
  path: 'instance/{id}',
  action: 'reboot',
  mutating: true,
  errors: { IncorrectInstanceStatus: ['Instance.RebootInstanceOperationForbidden', 409] },
  async handle(ctx) {
    field.boolean(ctx.body(), 'forceStop');
    const instance = await ctx.instance();
    await ctx.core.instances.act(ctx.caller, instance.instanceId, 'reboot');
    return {};
  },
});
