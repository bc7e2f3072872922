import { defineOperation } from '../operation.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'StartInstance',
  mutating: true,
  params: {
    InstanceId: p.string({ required: true }),
    DryRun: p.boolean(),
  },
  async handle({ core, caller }, params) {
    if (!params.DryRun) await core.instances.act(caller, params.InstanceId, 'start');
    return {};
  },
});
