import { gateway } from '../errors.js';
import { launchIdempotent, launchParams, launchRequest } from '../launch.js';
import { defineOperation } from '../operation.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'RunInstances',
  mutating: true,
  params: {
    ...launchParams,
    SecurityGroupIds: p.list({ max: 10 }),
    Amount: p.integer({ min: 1, max: 100 }),
    MinAmount: p.integer({ min: 1, max: 100 }),
    DryRun: p.boolean(),
  },
  async handle({ core, caller }, params) {
    const request = launchRequest(core, params, params.Amount ?? 1, true);
    if (params.DryRun) throw gateway.dryRun();
    const instanceIds = await launchIdempotent(core, caller, params, request);
    return { InstanceIdSets: { InstanceIdSet: instanceIds }, TradePrice: 0, OrderId: '' };
  },
});
