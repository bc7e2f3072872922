import { defineOperation } from '../operation.js';
import { p } from '../params.js';
import { instanceAttribute } from '../shapes.js';

export default defineOperation({
  action: 'DescribeInstanceAttribute',
  mutating: false,
  params: { InstanceId: p.string({ required: true }) },
  async handle({ core, caller }, params) {
    return instanceAttribute(await core.instances.describe(caller, params.InstanceId), core.networks.catalog);
  },
});
