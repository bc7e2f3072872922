import type { Catalog } from '../../core/catalog.js';
import { isoMinute } from '../../core/clock.js';
import type { Instance } from '../../core/model.js';

/**
 * Response shapes shared by several operations, keyed exactly as the SDK models name them
 * (@alicloud/ecs20140526 dist/models/*ResponseBody): the SDKs reject a value of the wrong type.
 */
function typeOf(catalog: Catalog, instance: Instance) {
  return catalog.instanceTypes.find((t) => t.instanceTypeId === instance.instanceType);
}

function imageOf(catalog: Catalog, instance: Instance) {
  return catalog.images.find((i) => i.imageId === instance.imageId);
}

/** The fields DescribeInstances and DescribeInstanceAttribute both carry, with the same types. */
function commonFields(instance: Instance, catalog: Catalog): Record<string, unknown> {
  return {
    InstanceId: instance.instanceId,
    InstanceName: instance.instanceName,
    Description: instance.description,
    HostName: instance.hostName,
    ImageId: instance.imageId,
    InstanceType: instance.instanceType,
    Cpu: instance.cpuOptions.coreCount * instance.cpuOptions.threadsPerCore,
    Memory: (typeOf(catalog, instance)?.memoryGiB ?? 0) * 1024,
    Status: instance.status,
    RegionId: instance.regionId,
    ZoneId: instance.zoneId,
    InstanceNetworkType: 'vpc',
    VpcAttributes: {
      VpcId: instance.vpcId,
      VSwitchId: instance.vSwitchId,
      PrivateIpAddress: { IpAddress: [instance.privateIp] },
      NatIpAddress: '',
    },
    PublicIpAddress: { IpAddress: [] },
    InnerIpAddress: { IpAddress: [] },
    SecurityGroupIds: { SecurityGroupId: instance.securityGroupIds },
    InstanceChargeType: instance.chargeType,
    InternetChargeType: 'PayByTraffic',
    InternetMaxBandwidthIn: 0,
    InternetMaxBandwidthOut: 0,
    CreditSpecification: instance.creditSpecification ?? '',
    OperationLocks: { LockReason: instance.lockReason ? [{ LockReason: instance.lockReason }] : [] },
    CreationTime: isoMinute(instance.createdAt),
    ExpiredTime: '2099-12-31T15:59Z',
    SerialNumber: instance.instanceId.slice(2),
    StoppedMode: instance.status === 'Stopped' ? 'KeepCharging' : 'Not-applicable',
  };
}

/*
 * The shapes below add their own fields to commonFields() with Object.assign, not as
 * `{ ...commonFields(), more }`: V8 builds a spread object that gains new keys afterwards on a slow
 * path, about 10 us for this one against 1 (BENCHMARKS.md, change 18), and a page of
 * DescribeInstances builds a hundred.
 */

/** One member of DescribeInstances' Instances.Instance. */
export function describedInstance(instance: Instance, catalog: Catalog): Record<string, unknown> {
  const image = imageOf(catalog, instance);
  return Object.assign(commonFields(instance, catalog), {
    InstanceTypeFamily: typeOf(catalog, instance)?.family ?? '',
    OSType: instance.osType,
    OSName: image?.osName ?? '',
    OSNameEn: image?.osNameEn ?? '',
    Tags: { Tag: instance.tags.map((t) => ({ TagKey: t.key, TagValue: t.value })) },
    IoOptimized: instance.ioOptimized,
    DeletionProtection: instance.deletionProtection,
    Recyclable: instance.recyclable,
    CpuOptions: {
      CoreCount: instance.cpuOptions.coreCount,
      ThreadsPerCore: instance.cpuOptions.threadsPerCore,
      TopologyType: instance.cpuOptions.topologyType,
      NestedVirtualization: instance.nestedVirtualization ?? '',
    },
    PrivateDnsNameOptions: {
      EnableInstanceIdDnsARecord: instance.privateDnsNameOptions.enableInstanceIdDnsARecord,
      EnableInstanceIdDnsAAAARecord: instance.privateDnsNameOptions.enableInstanceIdDnsAAAARecord,
      EnableIpDnsARecord: instance.privateDnsNameOptions.enableIpDnsARecord,
      EnableIpDnsPtrRecord: instance.privateDnsNameOptions.enableIpDnsPtrRecord,
      HostnameType: instance.privateDnsNameOptions.hostnameType,
    },
    StartTime: instance.startedAt ? isoMinute(instance.startedAt) : '',
    DeviceAvailable: true,
    GPUAmount: 0,
    GPUSpec: '',
    LocalStorageAmount: 0,
    LocalStorageCapacity: 0,
    NetworkInterfaces: {
      NetworkInterface: [
        {
          NetworkInterfaceId: `eni-${instance.instanceId.slice(2)}`,
          PrimaryIpAddress: instance.privateIp,
          MacAddress: macAddress(instance.instanceId),
          Type: 'Primary',
          PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: instance.privateIp, Primary: true }] },
        },
      ],
    },
  });
}

/** DescribeInstanceAttribute's flatter shape: note IoOptimized is a string there. */
export function instanceAttribute(instance: Instance, catalog: Catalog): Record<string, unknown> {
  return Object.assign(commonFields(instance, catalog), {
    IoOptimized: instance.ioOptimized ? 'optimized' : 'none',
    EnableJumboFrame: instance.enableJumboFrame,
    EnableNetworkEncryption: instance.enableNetworkEncryption,
    NetworkOptions: {
      EnableJumboFrame: instance.enableJumboFrame,
      EnableNetworkEncryption: instance.enableNetworkEncryption,
    },
  });
}

/** A stable, locally administered MAC derived from the instance ID. */
function macAddress(instanceId: string): string {
  let hash = 0;
  for (const c of instanceId) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  const bytes = [0x00, 0x16, 0x3e, (hash >>> 16) & 255, (hash >>> 8) & 255, hash & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
