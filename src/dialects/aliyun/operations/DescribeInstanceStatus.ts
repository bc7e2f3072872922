import { defineOperation } from '../operation.js';
import { pageParams } from '../paging.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'DescribeInstanceStatus',
  mutating: false,
  params: {
    RegionId: p.string({ required: true }),
    ZoneId: p.string(),
    InstanceId: p.list({ max: 100 }),
    ...pageParams,
    PageSize: p.integer({ min: 1, max: 50 }),
  },
  async handle({ core, caller }, params) {
    const pageNumber = params.PageNumber ?? 1;
    const pageSize = params.PageSize ?? 10;
    const result = await core.instances.find(
      { accountId: caller.accountId, regionId: params.RegionId, zoneId: params.ZoneId, instanceIds: params.InstanceId },
      { offset: (pageNumber - 1) * pageSize, limit: pageSize },
    );
    return {
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: result.totalCount,
      InstanceStatuses: { InstanceStatus: result.items.map((i) => ({ InstanceId: i.instanceId, Status: i.status })) },
    };
  },
});
