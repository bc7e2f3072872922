import { field } from '../body.js';
import { defineOperation } from '../operation.js';
import { checkDescription } from '../rules.js';

/** PUT /v2/instance/{instanceId}?modifyDesc, body {desc}: changes the description at once. */
export default defineOperation({
  name: 'ModifyInstanceDesc',
  method: 'PUT',
  path: 'instance/{id}',
  action: 'modifyDesc',
  mutating: true,
  async handle(ctx) {
    const desc = field.string(ctx.body(), 'desc', { required: true })!;
    checkDescription(desc);
    const instance = await ctx.instance();
    await ctx.core.instances.modifyAttributes(ctx.caller, instance.instanceId, { description: desc });
    return {};
  },
});
