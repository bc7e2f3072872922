import { defineOperation } from '../operation.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'DeleteSecurityGroup',
  mutating: true,
  params: {
    RegionId: p.string({ required: true }),
    SecurityGroupId: p.string({ required: true }),
  },
  async handle({ core, caller }, params) {
    await core.networks.deleteSecurityGroup(caller, {
      regionId: params.RegionId,
      securityGroupId: params.SecurityGroupId,
    });
    return {};
  },
});
