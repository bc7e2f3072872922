import { defineOperation } from '../operation.js';
import { p } from '../params.js';

export default defineOperation({
  action: 'DescribeInstanceTypes',
  mutating: false,
  params: {
    InstanceTypeFamily: p.string(),
    InstanceTypes: p.list({ max: 10 }),
    MaxResults: p.integer({ min: 1, max: 1600 }),
    NextToken: p.string(),
  },
  async handle({ core }, params) {
    const types = core.networks.catalog.instanceTypes.filter(
      (t) =>
        (!params.InstanceTypeFamily || t.family === params.InstanceTypeFamily) &&
        (!params.InstanceTypes || params.InstanceTypes.includes(t.instanceTypeId)),
    );
    return {
      NextToken: '',
      InstanceTypes: {
        InstanceType: types.map((t) => ({
          InstanceTypeId: t.instanceTypeId,
          InstanceTypeFamily: t.family,
          CpuCoreCount: t.vcpus,
          MemorySize: t.memoryGiB,
          CpuArchitecture: 'X86',
          InstanceCategory: t.burstable ? 'Shared' : 'General-purpose',
          InstanceFamilyLevel: t.burstable ? 'CreditEntryLevel' : 'EnterpriseLevel',
          PrimaryEniQueueNumber: t.primaryEniQueueNumber,
          MaximumQueueNumberPerEni: t.maximumQueueNumberPerEni,
          JumboFrameSupport: t.jumboFrameSupport,
          NetworkEncryptionSupport: t.networkEncryptionSupport,
          EniQuantity: Math.max(2, t.vcpus),
          GPUAmount: 0,
          GPUSpec: '',
          LocalStorageAmount: 0,
          CpuOptions: {
            Core: t.vcpus / t.threadsPerCore,
            ThreadsPerCore: t.threadsPerCore,
            HyperThreadingAdjustable: t.hyperThreadingAdjustable,
            SupportedTopologyTypes: { SupportedTopologyType: t.topologyTypes },
          },
        })),
      },
    };
  },
});
