import { freshState } from '../../src/core/instances.js';
import type { Instance } from '../../src/core/model.js';

/**
 * A complete, Stopped Linux instance record for writing straight through the store (the store
 * contract test, the benchmarks' seeding): every field a real launch sets, overridable.
 */
export function instanceFixture(overrides: Partial<Instance> & Pick<Instance, 'instanceId'>): Instance {
  return {
    accountId: 'acct-1',
    regionId: 'cn-hangzhou',
    zoneId: 'cn-hangzhou-h',
    instanceName: overrides.instanceId,
    description: '',
    hostName: `iZ${overrides.instanceId.slice(2)}Z`,
    imageId: 'ubuntu_22_04_x64_20G_alibase_20240926.vhd',
    osType: 'linux',
    instanceType: 'ecs.g7.large',
    status: 'Stopped',
    vpcId: 'vpc-1',
    vSwitchId: 'vsw-1',
    privateIp: '172.16.0.2',
    securityGroupIds: ['sg-a'],
    tags: [],
    ioOptimized: true,
    chargeType: 'PostPaid',
    deletionProtection: false,
    userData: null,
    passwordHash: null,
    networkInterfaceQueueNumber: 2,
    cpuOptions: { coreCount: 1, threadsPerCore: 2, topologyType: '' },
    creditSpecification: null,
    ...freshState(),
    createdAt: Date.now(),
    ...overrides,
  };
}
