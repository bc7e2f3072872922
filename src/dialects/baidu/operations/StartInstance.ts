import { defineOperation } from '../operation.js';

/** PUT /v2/instance/{instanceId}?start: only a Stopped instance starts. */
export default defineOperation({
  name: 'StartInstance',
  method: 'PUT',
  path: 'instance/{id}',
  action: 'start',
  mutating: true,
  errors: { IncorrectInstanceStatus: ['Instance.StartInstanceOperationForbidden', 409] },
  async handle(ctx) {
    const instance = await ctx.instance();
    await ctx.core.instances.act(ctx.caller, instance.instanceId, 'start');
    return {};
  },
});
