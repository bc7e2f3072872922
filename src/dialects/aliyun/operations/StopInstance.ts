import { defineOperation } from '../operation.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'StopInstance',
  mutating: true,
  params: {
    InstanceId: p.string({ required: true }),
    DryRun: p.boolean(),
    ForceStop: p.boolean(),
    StoppedMode: p.string({ enum: ['KeepCharging', 'StopCharging'] }),
  },
  async handle({ core, caller }, params) {
    if (!params.DryRun) await core.instances.act(caller, params.InstanceId, 'stop');
    return {};
  },
});
