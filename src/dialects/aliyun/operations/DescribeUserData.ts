import { defineOperation } from '../operation.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'DescribeUserData',
  mutating: false,
  params: { RegionId: p.string({ required: true }), InstanceId: p.string({ required: true }) },
  async handle({ core, caller }, params) {
    const instance = await core.instances.describe(caller, params.InstanceId, params.RegionId);
    return { InstanceId: instance.instanceId, RegionId: instance.regionId, UserData: instance.userData ?? '' };
  },
});
