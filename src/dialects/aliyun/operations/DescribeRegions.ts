import { defineOperation } from '../operation.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'DescribeRegions',
  mutating: false,
  params: {
    AcceptLanguage: p.string({ enum: ['zh-CN', 'en-US', 'ja'] }),
    InstanceChargeType: p.string(),
    ResourceType: p.string(),
  },
  async handle({ core, settings }) {
    const endpoint = new URL(settings.publicUrl).host;
    return {
      Regions: {
        Region: core.networks.catalog.regions.map((r) => ({
          RegionId: r.regionId,
          LocalName: r.localName,
          RegionEndpoint: endpoint,
          Status: 'available',
        })),
      },
    };
  },
});
