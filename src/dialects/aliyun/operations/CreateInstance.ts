import { launchIdempotent, launchParams, launchRequest } from '../launch.js';
import { defineOperation } from '../operation.js';

export default defineOperation({
  action: 'CreateInstance',
  mutating: true,
  params: launchParams,
  async handle({ core, caller }, params) {
    const [instanceId] = await launchIdempotent(core, caller, params, launchRequest(core, params, 1, false));
    return { InstanceId: instanceId!, TradePrice: 0, OrderId: '' };
  },
});
