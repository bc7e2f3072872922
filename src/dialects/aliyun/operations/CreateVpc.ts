import { defineOperation } from '../operation.js';
import { p } from '../params.js';
import { descriptionRule } from '../rules.js';

export default defineOperation({
  action: 'CreateVpc',
  mutating: true,
  params: {
    RegionId: p.string({ required: true }),
    CidrBlock: p.string(),
    VpcName: p.string({ maxLength: 128 }),
    Description: p.string({ rules: [descriptionRule] }),
    ClientToken: p.string(),
  },
  async handle({ core, caller }, params) {
    const vpc = await core.networks.createVpc(caller, {
      regionId: params.RegionId,
      cidrBlock: params.CidrBlock,
      vpcName: params.VpcName,
      description: params.Description,
    });
    return { VpcId: vpc.vpcId, VRouterId: `vrt-${vpc.vpcId.slice(4)}`, RouteTableId: `vtb-${vpc.vpcId.slice(4)}` };
  },
});
