import type { InstanceStatus } from '../../../core/lifecycle.js';
import { gateway } from '../errors.js';
import { defineOperation } from '../operation.js';
import { pageParams } from '../paging.js';
import { p } from '../params.js';
import { describedInstance } from '../shapes.js';

export default defineOperation({
  action: 'DescribeInstances',
  mutating: false,
  params: {
    RegionId: p.string({ required: true }),
    InstanceIds: p.jsonList({ max: 100 }),
    Status: p.string({ enum: ['Pending', 'Running', 'Starting', 'Stopping', 'Stopped'] }),
    InstanceName: p.string(),
    VpcId: p.string(),
    VSwitchId: p.string(),
    ZoneId: p.string(),
    SecurityGroupId: p.string(),
    Tag: p.objectList({ Key: p.string(), Value: p.string() }, { max: 20 }),
    ...pageParams,
    NextToken: p.string(),
    MaxResults: p.integer({ min: 1, max: 100 }),
  },
  async handle({ core, caller }, params) {
    const filter = {
      accountId: caller.accountId,
      regionId: params.RegionId,
      instanceIds: params.InstanceIds,
      status: params.Status as InstanceStatus | undefined,
      instanceName: params.InstanceName,
      vpcId: params.VpcId,
      vSwitchId: params.VSwitchId,
      zoneId: params.ZoneId,
      securityGroupId: params.SecurityGroupId,
      tags: params.Tag?.filter((t) => t.Key).map((t) => ({ key: t.Key!, value: t.Value })),
    };
    const tokenMode = params.NextToken !== undefined || params.MaxResults !== undefined;
    if (params.NextToken && !/^\d{1,15}$/.test(params.NextToken)) throw gateway.invalid('NextToken');
    const pageNumber = params.PageNumber ?? 1;
    const pageSize = (tokenMode ? params.MaxResults : params.PageSize) ?? 10;
    const result = await core.instances.find(
      filter,
      tokenMode
        ? { after: params.NextToken || undefined, limit: pageSize }
        : { offset: (pageNumber - 1) * pageSize, limit: pageSize },
    );
    return {
      ...(tokenMode ? { NextToken: result.next ?? '' } : { PageNumber: pageNumber }),
      PageSize: pageSize,
      TotalCount: result.totalCount,
      Instances: { Instance: result.items.map((i) => describedInstance(i, core.networks.catalog)) },
    };
  },
});
