import { defineOperation } from '../operation.js';
import { instanceModel } from '../shapes.js';

/** GET /v2/instance/{instanceId} */
export default defineOperation({
  name: 'GetInstanceDetail',
  method: 'GET',
  path: 'instance/{id}',
  mutating: false,
  async handle(ctx) {
    return { instance: instanceModel(await ctx.instance(), ctx.core.networks.catalog) };
  },
});
