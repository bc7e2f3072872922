import { launchParams, launchRequest } from '../launch.js';
import { defineOperation } from '../operation.js';

export default defineOperation({
  action: 'CreateInstance',
  mutating: true,
  params: launchParams,
  async handle({ core, caller }, params) {
    const [instance] = await core.instances.launch(caller, launchRequest(core, params, 1, false));
    return { InstanceId: instance!.instanceId, TradePrice: 0, OrderId: '' };
  },
});
