import { defineOperation } from '../operation.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'RebootInstance',
  mutating: true,
  params: {
    InstanceId: p.string({ required: true }),
    DryRun: p.boolean(),
    ForceStop: p.boolean(),
  },
  async handle({ core, caller }, params) {
    if (!params.DryRun) await core.instances.act(caller, params.InstanceId, 'reboot');
    return {};
  },
});
