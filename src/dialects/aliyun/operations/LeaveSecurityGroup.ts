import { defineOperation } from '../operation.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'LeaveSecurityGroup',
  mutating: true,
  params: {
    RegionId: p.string(),
    InstanceId: p.string({ required: true }),
    SecurityGroupId: p.string({ required: true }),
  },
  async handle({ core, caller }, params) {
    await core.instances.leaveSecurityGroup(caller, {
      instanceId: params.InstanceId,
      securityGroupId: params.SecurityGroupId,
      regionId: params.RegionId,
    });
    return {};
  },
});
