import type { OsType } from './compute.js';

/**
 * What a region offers: the fixed reference data of the service. Built in, overridable as a whole
 * by a JSON config file (see docs/configuration.md), so that it never lives in the database.
 */
export interface Region {
  regionId: string;
  localName: string;
  /** The two letters Alibaba puts after the prefix of this region's resource IDs. */
  idFlavour: string;
  zones: Zone[];
  /** CIDR of the default VPC; vSwitches take /24s from it, one per zone. */
  defaultVpcCidr: string;
}

export interface Zone {
  zoneId: string;
  localName: string;
}

export interface Image {
  imageId: string;
  imageName: string;
  osType: OsType;
  osName: string;
  osNameEn: string;
  platform: string;
  architecture: 'x86_64';
  sizeGiB: number;
  supportsCloudInit: boolean;
}

export interface InstanceType {
  instanceTypeId: string;
  family: string;
  vcpus: number;
  memoryGiB: number;
  /** Queues of the primary ENI: default and the maximum NetworkInterfaceQueueNumber accepts. */
  primaryEniQueueNumber: number;
  maximumQueueNumberPerEni: number;
  jumboFrameSupport: boolean;
  /** Burstable (t-family) types take CreditSpecification. */
  burstable: boolean;
  /** Core counts CpuOptions.Core accepts; threads per core is 1 or 2 where hyper-threading is adjustable. */
  threadsPerCore: number;
  hyperThreadingAdjustable: boolean;
  topologyTypes: string[];
  networkEncryptionSupport: boolean;
}

export interface Catalog {
  regions: Region[];
  images: Image[];
  instanceTypes: InstanceType[];
}

const zone = (zoneId: string, localName: string): Zone => ({ zoneId, localName });

function linux(imageId: string, osName: string, osNameEn: string, platform: string): Image {
  return {
    imageId,
    imageName: imageId,
    osType: 'linux',
    osName,
    osNameEn,
    platform,
    architecture: 'x86_64',
    sizeGiB: 20,
    supportsCloudInit: true,
  };
}

function windows(imageId: string, osName: string, osNameEn: string): Image {
  return {
    imageId,
    imageName: imageId,
    osType: 'windows',
    osName,
    osNameEn,
    platform: 'Windows Server 2022',
    architecture: 'x86_64',
    sizeGiB: 40,
    // Alibaba runs user data on its public Windows Server 2008 R2 and later images too.
    supportsCloudInit: true,
  };
}

function type(
  instanceTypeId: string,
  vcpus: number,
  memoryGiB: number,
  extra: Partial<InstanceType> = {},
): InstanceType {
  const family = instanceTypeId.split('.').slice(0, 2).join('.');
  return {
    instanceTypeId,
    family,
    vcpus,
    memoryGiB,
    primaryEniQueueNumber: Math.min(vcpus, 4),
    maximumQueueNumberPerEni: Math.min(vcpus, 16),
    jumboFrameSupport: vcpus >= 4,
    burstable: false,
    threadsPerCore: 2,
    hyperThreadingAdjustable: true,
    topologyTypes: ['ContinuousCoreToHTMapping', 'DiscreteCoreToHTMapping'],
    networkEncryptionSupport: family === 'ecs.g8i',
    ...extra,
  };
}

const burstable = {
  burstable: true,
  jumboFrameSupport: false,
  threadsPerCore: 1,
  hyperThreadingAdjustable: false,
  topologyTypes: [],
};

export const BUILT_IN_CATALOG: Catalog = {
  regions: [
    {
      regionId: 'cn-hangzhou',
      localName: '华东1（杭州）',
      idFlavour: 'bp',
      defaultVpcCidr: '172.16.0.0/12',
      zones: [
        zone('cn-hangzhou-h', '杭州 可用区H'),
        zone('cn-hangzhou-i', '杭州 可用区I'),
        zone('cn-hangzhou-j', '杭州 可用区J'),
      ],
    },
    {
      regionId: 'cn-shanghai',
      localName: '华东2（上海）',
      idFlavour: 'uf',
      defaultVpcCidr: '172.16.0.0/12',
      zones: [
        zone('cn-shanghai-e', '上海 可用区E'),
        zone('cn-shanghai-f', '上海 可用区F'),
        zone('cn-shanghai-g', '上海 可用区G'),
      ],
    },
    {
      regionId: 'cn-beijing',
      localName: '华北2（北京）',
      idFlavour: '2z',
      defaultVpcCidr: '172.16.0.0/12',
      zones: [
        zone('cn-beijing-g', '北京 可用区G'),
        zone('cn-beijing-h', '北京 可用区H'),
        zone('cn-beijing-i', '北京 可用区I'),
      ],
    },
    {
      regionId: 'cn-shenzhen',
      localName: '华南1（深圳）',
      idFlavour: 'wz',
      defaultVpcCidr: '172.16.0.0/12',
      zones: [zone('cn-shenzhen-d', '深圳 可用区D'), zone('cn-shenzhen-e', '深圳 可用区E')],
    },
    {
      regionId: 'ap-southeast-1',
      localName: '新加坡',
      idFlavour: 't4',
      defaultVpcCidr: '172.16.0.0/12',
      zones: [
        zone('ap-southeast-1a', '新加坡 可用区A'),
        zone('ap-southeast-1b', '新加坡 可用区B'),
        zone('ap-southeast-1c', '新加坡 可用区C'),
      ],
    },
  ],
  images: [
    linux('ubuntu_22_04_x64_20G_alibase_20240926.vhd', 'Ubuntu  22.04 64位', 'Ubuntu  22.04 64 bit', 'Ubuntu'),
    linux('debian_12_6_x64_20G_alibase_20240823.vhd', 'Debian  12.6 64位', 'Debian  12.6 64 bit', 'Debian'),
    linux(
      'aliyun_3_x64_20G_alibase_20240819.vhd',
      'Alibaba Cloud Linux  3.2104 LTS 64位',
      'Alibaba Cloud Linux  3.2104 LTS 64 bit',
      'Aliyun',
    ),
    linux('centos_7_9_x64_20G_alibase_20240628.vhd', 'CentOS  7.9 64位', 'CentOS  7.9 64 bit', 'CentOS'),
    windows(
      'win2022_21H2_x64_dtc_zh-cn_40G_alibase_20240816.vhd',
      'Windows Server  2022 数据中心版 64位中文版',
      'Windows Server  2022 Data Center Edition 64bit Chinese Edition',
    ),
    windows(
      'win2019_1809_x64_dtc_en-us_40G_alibase_20240816.vhd',
      'Windows Server  2019 数据中心版 64位英文版',
      'Windows Server  2019 Data Center Edition 64bit English Edition',
    ),
  ],
  instanceTypes: [
    type('ecs.t6-c1m1.large', 2, 2, burstable),
    type('ecs.t6-c1m2.large', 2, 4, burstable),
    type('ecs.t5-lc1m1.small', 1, 1, burstable),
    type('ecs.g7.large', 2, 8),
    type('ecs.g7.xlarge', 4, 16),
    type('ecs.g7.2xlarge', 8, 32),
    type('ecs.c7.large', 2, 4),
    type('ecs.c7.xlarge', 4, 8),
    type('ecs.r7.large', 2, 16),
    type('ecs.g8i.xlarge', 4, 16),
  ],
};

export function findRegion(catalog: Catalog, regionId: string): Region | undefined {
  return catalog.regions.find((r) => r.regionId === regionId);
}
