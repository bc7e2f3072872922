import { isoMinute } from '../../../core/clock.js';
import { defineOperation } from '../operation.js';
import { page, pageParams } from '../paging.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'DescribeVpcs',
  mutating: false,
  params: {
    RegionId: p.string({ required: true }),
    VpcId: p.string(),
    IsDefault: p.boolean(),
    ...pageParams,
  },
  async handle({ core, caller }, params) {
    const vpcs = (await core.networks.listVpcs(caller, params.RegionId)).filter(
      ({ vpc }) =>
        (!params.VpcId || params.VpcId.split(',').includes(vpc.vpcId)) &&
        (params.IsDefault === undefined || vpc.isDefault === params.IsDefault),
    );
    const { items, fields } = page(vpcs, params.PageNumber, params.PageSize);
    return {
      ...fields,
      Vpcs: {
        Vpc: items.map(({ vpc, vSwitchIds }) => ({
          VpcId: vpc.vpcId,
          RegionId: vpc.regionId,
          Status: 'Available',
          VpcName: vpc.vpcName,
          Description: vpc.description,
          CidrBlock: vpc.cidrBlock,
          IsDefault: vpc.isDefault,
          CreationTime: isoMinute(vpc.createdAt),
          VRouterId: `vrt-${vpc.vpcId.slice(4)}`,
          VSwitchIds: { VSwitchId: vSwitchIds },
          UserCidrs: { UserCidr: [] },
        })),
      },
    };
  },
});
