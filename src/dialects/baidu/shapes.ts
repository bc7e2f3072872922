import { createHash } from 'node:crypto';
import type { Catalog } from '../../core/catalog.js';
import type { InstanceStatus } from '../../core/lifecycle.js';
import type { Instance } from '../../core/model.js';

/** BCC's timestamps: ISO 8601 UTC to the second, e.g. 2026-11-23T05:52:07Z. */
export const isoSecond = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * openecs status -> BCC status. BCC has no Pending: an instance being created shows Starting, as a
 * BCC instance does until it first runs (the Go SDK's InstanceStatus has no other candidate).
 */
const STATUS: Record<InstanceStatus, string> = {
  Pending: 'Starting',
  Starting: 'Starting',
  Running: 'Running',
  Stopping: 'Stopping',
  Stopped: 'Stopped',
};

export function bccStatus(status: InstanceStatus): string {
  return STATUS[status];
}

/** BCC's serialNumber is a UUID; ours is derived from the instance ID so that it never changes. */
function serialNumber(instanceId: string): string {
  const h = createHash('sha256').update(instanceId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The InstanceModel of Baidu's Go SDK (api/model.go), with the documented osName/spec members.
 * Everything openecs has no counterpart for (public IP, key pairs, dedicated hosts) is empty.
 */
export function instanceModel(instance: Instance, catalog: Catalog): Record<string, unknown> {
  const type = catalog.instanceTypes.find((t) => t.instanceTypeId === instance.instanceType);
  const image = catalog.images.find((i) => i.imageId === instance.imageId);
  return {
    id: instance.instanceId,
    serialNumber: serialNumber(instance.instanceId),
    name: instance.instanceName,
    hostname: instance.hostName,
    // The Go SDK's family enum; N5 is its general-purpose generation. The openecs type is `spec`.
    instanceType: 'N5',
    spec: instance.instanceType,
    desc: instance.description,
    status: bccStatus(instance.status),
    paymentTiming: instance.chargeType === 'PrePaid' ? 'Prepaid' : 'Postpaid',
    createTime: isoSecond(instance.createdAt),
    expireTime: '',
    releaseTime: '',
    publicIp: '',
    internalIp: instance.privateIp,
    cpuCount: type?.vcpus ?? 0,
    gpuCard: '',
    fpgaCard: '',
    cardCount: '',
    memoryCapacityInGB: type?.memoryGiB ?? 0,
    localDiskSizeInGB: 0,
    imageId: instance.imageId,
    osName: image?.osNameEn ?? '',
    osType: instance.osType,
    osArch: image?.architecture ?? 'x86_64',
    networkCapacityInMbps: 0,
    placementPolicy: 'default',
    zoneName: instance.zoneId,
    subnetId: instance.vSwitchId,
    vpcId: instance.vpcId,
    autoRenew: false,
    keypairId: '',
    keypairName: '',
    dedicatedHostId: '',
    tags: instance.tags.map((t) => ({ tagKey: t.key, tagValue: t.value })),
    ipv6: '',
    switchId: '',
    hostId: '',
    deploysetId: '',
    rackId: '',
    nicInfo: {
      vpcId: instance.vpcId,
      subnetId: instance.vSwitchId,
      az: instance.zoneId,
      ips: [{ privateIp: instance.privateIp, primary: 'true', eip: '', eipStatus: '', eipSize: '', eipId: '' }],
      securityGroups: instance.securityGroupIds,
    },
    deploysetList: [],
  };
}
