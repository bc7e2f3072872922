import { field } from '../body.js';
import { defineOperation } from '../operation.js';
import { checkName } from '../rules.js';

/** PUT /v2/instance/{instanceId}?modifyAttribute, body {name}: renames the instance at once. */
export default defineOperation({
  name: 'ModifyInstanceAttribute',
  method: 'PUT',
  path: 'instance/{id}',
  action: 'modifyAttribute',
  mutating: true,
  async handle(ctx) {
    const name = field.string(ctx.body(), 'name', { required: true })!;
    checkName(name);
    const instance = await ctx.instance();
    await ctx.core.instances.modifyAttributes(ctx.caller, instance.instanceId, { instanceName: name });
    return {};
  },
});
