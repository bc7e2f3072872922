import { defineOperation } from '../operation.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'DescribeZones',
  mutating: false,
  params: {
    RegionId: p.string({ required: true }),
    AcceptLanguage: p.string(),
    Verbose: p.boolean(),
    InstanceChargeType: p.string(),
  },
  async handle({ core }, params) {
    const region = core.networks.region(params.RegionId);
    const types = core.networks.catalog.instanceTypes.map((t) => t.instanceTypeId);
    return {
      Zones: {
        Zone: region.zones.map((z) => ({
          ZoneId: z.zoneId,
          LocalName: z.localName,
          ZoneType: 'AvailabilityZone',
          AvailableResourceCreation: { ResourceTypes: ['Instance', 'Disk', 'VSwitch'] },
          AvailableInstanceTypes: { InstanceTypes: types },
          AvailableDiskCategories: { DiskCategories: ['cloud_essd', 'cloud_efficiency'] },
        })),
      },
    };
  },
});
