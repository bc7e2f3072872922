import { defineOperation } from '../operation.js';
import { p } from '../params.js';
import { descriptionRule } from '../rules.js';

export default defineOperation({
  action: 'CreateVSwitch',
  mutating: true,
  params: {
    RegionId: p.string(),
    VpcId: p.string({ required: true }),
    ZoneId: p.string({ required: true }),
    CidrBlock: p.string({ required: true }),
    VSwitchName: p.string({ maxLength: 128 }),
    Description: p.string({ rules: [descriptionRule] }),
    ClientToken: p.string(),
  },
  async handle({ core, caller }, params) {
    const vSwitch = await core.networks.createVSwitch(caller, {
      regionId: params.RegionId,
      vpcId: params.VpcId,
      zoneId: params.ZoneId,
      cidrBlock: params.CidrBlock,
      vSwitchName: params.VSwitchName,
      description: params.Description,
    });
    return { VSwitchId: vSwitch.vSwitchId };
  },
});
