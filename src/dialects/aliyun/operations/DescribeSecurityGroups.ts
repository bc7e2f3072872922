import { isoMinute } from '../../../core/clock.js';
import { SECURITY_GROUP_CAPACITY } from '../../../core/networks.js';
import { defineOperation } from '../operation.js';
import { page, pageParams } from '../paging.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'DescribeSecurityGroups',
  mutating: false,
  params: {
    RegionId: p.string({ required: true }),
    VpcId: p.string(),
    SecurityGroupId: p.string(),
    SecurityGroupIds: p.jsonList({ max: 100 }),
    SecurityGroupName: p.string(),
    SecurityGroupType: p.string({ enum: ['normal', 'enterprise'] }),
    ...pageParams,
  },
  async handle({ core, caller }, params) {
    const groups = (await core.networks.listSecurityGroups(caller, params.RegionId)).filter(
      ({ group: g }) =>
        (!params.VpcId || g.vpcId === params.VpcId) &&
        (!params.SecurityGroupId || g.securityGroupId === params.SecurityGroupId) &&
        (!params.SecurityGroupIds || params.SecurityGroupIds.includes(g.securityGroupId)) &&
        (!params.SecurityGroupName || g.securityGroupName === params.SecurityGroupName) &&
        (!params.SecurityGroupType || g.securityGroupType === params.SecurityGroupType),
    );
    const { items, fields } = page(groups, params.PageNumber, params.PageSize);
    return {
      RegionId: params.RegionId,
      ...fields,
      SecurityGroups: {
        SecurityGroup: items.map(({ group: g, instanceCount }) => ({
          SecurityGroupId: g.securityGroupId,
          SecurityGroupName: g.securityGroupName,
          Description: g.description,
          SecurityGroupType: g.securityGroupType,
          VpcId: g.vpcId,
          CreationTime: isoMinute(g.createdAt),
          EcsCount: instanceCount,
          AvailableInstanceAmount: SECURITY_GROUP_CAPACITY[g.securityGroupType] - instanceCount,
          ServiceManaged: false,
          RuleCount: 0,
        })),
      },
    };
  },
});
