import { defineOperation } from '../operation.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'DeleteInstance',
  mutating: true,
  params: {
    InstanceId: p.string({ required: true }),
    Force: p.boolean(),
    TerminateSubscription: p.boolean(),
  },
  async handle({ core, caller }, params) {
    await core.instances.act(caller, params.InstanceId, params.Force ? 'forceDelete' : 'delete');
    return {};
  },
});
