import { isoMinute } from '../../../core/clock.js';
import { freeAddresses } from '../../../core/networks.js';
import { defineOperation } from '../operation.js';
import { page, pageParams } from '../paging.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'DescribeVSwitches',
  mutating: false,
  params: {
    RegionId: p.string({ required: true }),
    VpcId: p.string(),
    ZoneId: p.string(),
    VSwitchId: p.string(),
    IsDefault: p.boolean(),
    ...pageParams,
  },
  async handle({ core, caller }, params) {
    const switches = (await core.networks.listVSwitches(caller, params.RegionId)).filter(
      (s) =>
        (!params.VpcId || s.vpcId === params.VpcId) &&
        (!params.ZoneId || s.zoneId === params.ZoneId) &&
        (!params.VSwitchId || s.vSwitchId === params.VSwitchId) &&
        (params.IsDefault === undefined || s.isDefault === params.IsDefault),
    );
    const { items, fields } = page(switches, params.PageNumber, params.PageSize);
    return {
      ...fields,
      VSwitches: {
        VSwitch: items.map((s) => ({
          VSwitchId: s.vSwitchId,
          VpcId: s.vpcId,
          ZoneId: s.zoneId,
          Status: 'Available',
          CidrBlock: s.cidrBlock,
          VSwitchName: s.vSwitchName,
          Description: s.description,
          IsDefault: s.isDefault,
          CreationTime: isoMinute(s.createdAt),
          AvailableIpAddressCount: freeAddresses(s),
        })),
      },
    };
  },
});
