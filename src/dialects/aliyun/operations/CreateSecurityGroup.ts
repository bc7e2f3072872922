import { defineOperation } from '../operation.js';
import { p } from '../params.js';
import { descriptionRule } from '../rules.js';

export default defineOperation({
  action: 'CreateSecurityGroup',
  mutating: true,
  params: {
    RegionId: p.string({ required: true }),
    VpcId: p.string(),
    SecurityGroupName: p.string({ maxLength: 128 }),
    Description: p.string({ rules: [descriptionRule] }),
    SecurityGroupType: p.string({ enum: ['normal', 'enterprise'] }),
    ClientToken: p.string(),
  },
  async handle({ core, caller }, params) {
    const group = await core.networks.createSecurityGroup(caller, {
      regionId: params.RegionId,
      vpcId: params.VpcId,
      securityGroupName: params.SecurityGroupName,
      description: params.Description,
      securityGroupType: params.SecurityGroupType as 'normal' | 'enterprise' | undefined,
    });
    return { SecurityGroupId: group.securityGroupId };
  },
});
